// A citizen whose number WhatsApp hides (a LID-only sender, no phone alternate in the key) is a
// citizen like any other: they register, get alerts and welfare checks at their LID, and say SAFE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../../src/broadcast/alerts.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const HIDDEN = '204181337702458@lid';
/** The same citizen once WhatsApp shows their number. */
const SHOWN = '33612340000@s.whatsapp.net';

describe('a citizen whose number WhatsApp hides', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();
  let n = 0;
  const textsTo = (jid: string) =>
    sockets
      .latest()
      .sent.filter((s) => s.jid === jid && 'text' in s.content)
      .map((s) => String((s.content as { text: string }).text));
  /** The citizen writes; resolves with the bot's next answer to them. */
  const write = async (text: string, shown = false): Promise<string> => {
    const to = shown ? SHOWN : HIDDEN;
    const before = textsTo(to).length;
    const key = shown ? { remoteJid: SHOWN, remoteJidAlt: HIDDEN } : { remoteJid: HIDDEN };
    sockets.latest().upsert([waMessage({ id: `WA-HIDDEN-${++n}`, ...key, message: { conversation: text } })]);
    return waitFor(async () => textsTo(to)[before], 10_000, `the answer to “${text}”`);
  };

  beforeAll(async () => {
    app = await startTestApp('bl-hidden', { options: { transport: sockets.transport } });
    const sock = await sockets.socket(1);
    sock.open();
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
  });
  afterAll(async () => app.stop());

  it('registers through REGISTER instead of opening an incident called “REGISTER”', async () => {
    expect(await write('REGISTER')).toMatch(/Registration with the Embassy/);
    await write('yes');
    await write('Amal Haddad');
    await write('nord');
    await write('3');
    expect(await write('1')).toMatch(/registered/i);
    const citizen = await getCitizen(app.deps, HIDDEN);
    expect(citizen).toMatchObject({ name: 'Amal Haddad', region: 'north', household: 3, language: 'en', optedOut: false });
    await settle(app);
    expect(textsTo(CELL_GROUP).filter((t) => /New incident/.test(t))).toEqual([]);
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents')).body.items).toEqual([]);
  });

  it('gets the region’s alert and the welfare check at their LID, and their answer is tallied', async () => {
    const alert = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Flooding in the north: move to higher ground.' },
    });
    expect(alert.status).toBe(201);
    await waitFor(async () => textsTo(HIDDEN).find((t) => /move to higher ground/.test(t)), 10_000, 'the alert');
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['north'] } });
    expect(check.status).toBe(201);
    await waitFor(async () => textsTo(HIDDEN).find((t) => /Are you safe\? Reply 1/.test(t)), 10_000, 'the welfare check');
    await write('1');
    const view = await waitFor(async () => {
      const v = (await app.api<{ counts: { safe: number; peopleSafe: number } }>('GET', `/api/welfare-checks/${check.body.id}`)).body;
      return v.counts.safe === 1 ? v : undefined;
    });
    expect(view.counts.peopleSafe).toBe(3);
  });

  it('says SAFE and is told it is noted, without a new incident', async () => {
    expect(await write('we are safe')).toMatch(/noted that you are safe/);
    await settle(app);
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents')).body.items).toEqual([]);
  });

  it('once WhatsApp shows their number, stays registered and their open report goes on', async () => {
    const ack = await write('my brother was arrested at the checkpoint on the north road');
    const id = /INC-\d+/.exec(ack)?.[0];
    expect(id).toBeDefined();
    expect(await write('they took him to the central police station', true)).toMatch(new RegExp(`Added to your report ${id}`));
    expect(await getCitizen(app.deps, HIDDEN)).toBeUndefined();
    expect(await getCitizen(app.deps, '+33612340000')).toMatchObject({ name: 'Amal Haddad', region: 'north', household: 3 });
    const summary = (await app.api<{ total: number; byRegion: Record<string, number> }>('GET', '/api/citizens/summary')).body;
    expect(summary.total).toBe(1);
    expect(summary.byRegion.north).toBe(1);
    // Registered, not asked to register again: the next alert reaches the number.
    await app.api('POST', '/api/alerts', { audience: { regions: ['north'] }, text: { en: 'Roads north of the river are closed.' } });
    await waitFor(async () => textsTo(SHOWN).find((t) => /Roads north of the river/.test(t)), 10_000, 'the alert at the number');
    const incidents = (await app.api<{ items: { id: string }[] }>('GET', '/api/incidents')).body.items;
    expect(incidents.map((i) => i.id)).toEqual([id]);
  });

  it('DELETE from the number erases what they wrote under the LID too', async () => {
    const { deps } = app;
    expect(await deps.redis.exists(deps.keys.openIncidentOf(HIDDEN))).toBe(1);
    await write('DELETE', true);
    await waitFor(async () => (await deps.redis.exists(deps.keys.openIncidentOf(HIDDEN))) === 0 || undefined, 10_000, 'the LID forgotten');
    expect(await deps.redis.exists(deps.keys.incidentsOfReporter(HIDDEN))).toBe(0);
    const [incident] = (await app.api<{ items: { reporter: string | null; summary: string }[] }>('GET', '/api/incidents')).body.items;
    expect(incident).toMatchObject({ reporter: null, summary: '[erased]' });
    expect(await getCitizen(deps, '+33612340000')).toBeUndefined();
  });

  it('answers a welfare check asked at the LID with the first message that shows their number', async () => {
    const lid = '204181337709999@lid';
    const shown = '33612349999@s.whatsapp.net';
    await saveCitizens(app.deps, [aCitizen({ phone: lid, region: 'coast', household: 2 })]);
    const check = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['coast'] } })).body.id;
    await waitFor(async () => textsTo(lid).find((t) => t.includes(check)), 10_000, 'the welfare check at the LID');
    sockets.latest().upsert([waMessage({ id: 'WA-HIDDEN-SHOWN-1', remoteJid: shown, remoteJidAlt: lid, message: { conversation: '2' } })]);
    // Before: the check had asked the LID, the answer came from the number: it opened a report called "2".
    const reply = await waitFor(async () => textsTo(shown)[0], 10_000, 'the answer');
    expect(reply).toMatch(/INC-\d+/);
    const id = /INC-\d+/.exec(reply)?.[0] as string;
    const incident = (await app.api<{ severity: string; links: Record<string, string> }>('GET', `/api/incidents/${id}`)).body;
    expect(incident).toMatchObject({ severity: 'critical', links: { welfareCheck: check } });
    const view = (await app.api<WelfareView>('GET', `/api/welfare-checks/${check}`)).body;
    expect(view.counts).toMatchObject({ total: 1, help: 1, noAnswer: 0 });
    expect(view.byRegion.coast).toMatchObject({ total: 1, help: 1, noAnswer: 0 });
    // Answered, they are no longer reminded or listed to call.
    expect((await app.api<{ items: unknown[] }>('GET', `/api/welfare-checks/${check}/follow-up`)).body.items).toEqual([]);
  });

  it('DELETE from the number: an alert drafted while they were known by their LID never reaches them', async () => {
    const lid = '204181337708888@lid';
    const shown = '33612348888@s.whatsapp.net';
    const others = Array.from({ length: 25 }, () => aCitizen({ region: 'capital' }));
    await saveCitizens(app.deps, [aCitizen({ phone: lid, region: 'capital' }), ...others]);
    const alert = await app.api<{ id: string; status: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['capital'] },
      text: { en: 'Checkpoint closed on the airport road.' },
    });
    expect(alert.body).toMatchObject({ status: 'pending_approval', total: 26 });
    sockets
      .latest()
      .upsert([waMessage({ id: 'WA-HIDDEN-SHOWN-2', remoteJid: shown, remoteJidAlt: lid, message: { conversation: 'DELETE' } })]);
    await waitFor(async () => textsTo(shown).find((t) => /erased/.test(t)), 10_000, 'the erasure');
    const approver = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Second Officer', role: 'duty_officer' })).body.token;
    expect((await app.api('POST', `/api/alerts/${alert.body.id}/approve`, undefined, approver)).status).toBe(200);
    const done = await waitFor(async () => {
      const a = (await app.api<AlertView>('GET', `/api/alerts/${alert.body.id}`)).body;
      return a.status === 'sent' ? a : undefined;
    }, 20_000);
    // Before: the alert went to the LID the erased citizen had been asked at.
    expect(done.counts).toMatchObject({ total: 26, sent: 25, cancelled: 1, queued: 0 });
    await settle(app);
    expect([...textsTo(lid), ...textsTo(shown)].some((t) => t.includes(alert.body.id))).toBe(false);
    const { deps } = app;
    expect(await deps.redis.sismember(deps.keys.alertRecipients(alert.body.id, 'en'), lid)).toBe(0);
  });

  it('STOP from the number: an alert drafted while they were known by their LID never reaches them', async () => {
    const lid = '204181337707777@lid';
    const shown = '33612347777@s.whatsapp.net';
    const others = Array.from({ length: 25 }, () => aCitizen({ region: 'north' }));
    await saveCitizens(app.deps, [aCitizen({ phone: lid, region: 'north' }), ...others]);
    const alert = await app.api<{ id: string; status: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Shelters open in the north.' },
    });
    expect(alert.body).toMatchObject({ status: 'pending_approval', total: 26 });
    sockets
      .latest()
      .upsert([waMessage({ id: 'WA-HIDDEN-SHOWN-3', remoteJid: shown, remoteJidAlt: lid, message: { conversation: 'STOP' } })]);
    await waitFor(async () => textsTo(shown).find((t) => /no longer receive/.test(t)), 10_000, 'the STOP answer');
    const approver = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Third Officer', role: 'duty_officer' })).body.token;
    expect((await app.api('POST', `/api/alerts/${alert.body.id}/approve`, undefined, approver)).status).toBe(200);
    const done = await waitFor(async () => {
      const a = (await app.api<AlertView>('GET', `/api/alerts/${alert.body.id}`)).body;
      return a.status === 'sent' ? a : undefined;
    }, 20_000);
    // Before: the alert went to the LID of the citizen who had said STOP from their number.
    expect(done.counts).toMatchObject({ total: 26, sent: 25, cancelled: 1, queued: 0 });
    await settle(app);
    expect([...textsTo(lid), ...textsTo(shown)].some((t) => t.includes(alert.body.id))).toBe(false);
  });

  it('who reported while their number was hidden, then registered with it, gets an alert to reporters once', async () => {
    const lid = '204181337706666@lid';
    const shown = '33612346666@s.whatsapp.net';
    const upsert = (id: string, key: { remoteJid: string; remoteJidAlt?: string }, text: string) =>
      sockets.latest().upsert([waMessage({ id, ...key, message: { conversation: text } })]);
    upsert('WA-HIDDEN-REPORT-1', { remoteJid: lid }, 'Notre immeuble à Damas a été touché par un bombardement, nous sommes au sous-sol');
    await waitFor(async () => textsTo(lid).find((t) => /INC-\d+/.test(t)), 10_000, 'the report reference');
    upsert('WA-HIDDEN-REPORT-2', { remoteJid: shown, remoteJidAlt: lid }, 'il y a des blessés chez les voisins');
    await waitFor(async () => textsTo(shown).find((t) => /INC-\d+/.test(t)), 10_000, 'the answer at the number');
    await saveCitizens(app.deps, [aCitizen({ phone: '+33612346666', region: 'capital', language: 'fr' })]);
    const alert = await app.api<{ id: string; total: number; reporters: number }>('POST', '/api/alerts', {
      audience: { regions: ['capital'], languages: ['fr'], reporters: true },
      text: { en: 'Shelter in place.', fr: 'Restez à l’abri.' },
    });
    // Before: 2 recipients, the registered number and the LID they had reported from: the same person, twice.
    expect(alert.body).toMatchObject({ total: 1, reporters: 0 });
    await waitFor(async () => [...textsTo(lid), ...textsTo(shown)].find((t) => t.includes(alert.body.id)), 10_000, 'the alert');
    await settle(app);
    expect([...textsTo(lid), ...textsTo(shown)].filter((t) => t.includes(alert.body.id))).toHaveLength(1);
  });

  it('who reported and said STOP while their number was hidden gets no alert to reporters at the number shown later', async () => {
    const lid = '204181337705555@lid';
    const shown = '33612345555@s.whatsapp.net';
    const upsert = (id: string, key: { remoteJid: string; remoteJidAlt?: string }, text: string) =>
      sockets.latest().upsert([waMessage({ id, ...key, message: { conversation: text } })]);
    upsert('WA-HIDDEN-STOP-1', { remoteJid: lid }, 'Gunfire near our building in Latakia, we are hiding in the bathroom');
    await waitFor(async () => textsTo(lid).find((t) => /INC-\d+/.test(t)), 10_000, 'the report reference');
    upsert('WA-HIDDEN-STOP-2', { remoteJid: lid }, 'STOP');
    await waitFor(
      async () => textsTo(lid).find((t) => /STOP|no longer|not registered/i.test(t) && !/INC-/.test(t)),
      10_000,
      'the STOP answer',
    );
    upsert('WA-HIDDEN-STOP-3', { remoteJid: shown, remoteJidAlt: lid }, 'the shooting stopped');
    await waitFor(async () => textsTo(shown)[0], 10_000, 'the answer at the number');
    const alert = await app.api<{ id: string; reporters: number }>('POST', '/api/alerts', {
      audience: { regions: ['coast'], reporters: true },
      text: { en: 'Curfew on the coast from 18:00.' },
    });
    // They are the only one who reported from the coast: the alert reaches no reporter.
    expect(alert.body.reporters).toBe(0);
    await settle(app);
    expect([...textsTo(lid), ...textsTo(shown)].some((t) => t.includes(alert.body.id))).toBe(false);
  });

  it('who reported under a hidden number and again from the number, then sends DELETE: staff notes on both lose their number and name', async () => {
    const lid = '204181337704444@lid';
    const shown = '33612344444@s.whatsapp.net';
    await saveCitizens(app.deps, [aCitizen({ phone: '+33612344444', name: 'Rania Saleh', region: 'capital' })]);
    const report = async (waId: string, jid: string, text: string) => {
      sockets.latest().upsert([waMessage({ id: waId, remoteJid: jid, message: { conversation: text } })]);
      const ack = await waitFor(async () => textsTo(jid).find((t) => /INC-\d+/.test(t)), 10_000, 'the report reference');
      const id = /INC-\d+/.exec(ack)?.[0] as string;
      const note = await app.api('POST', `/api/incidents/${id}/notes`, {
        text: 'Rania Saleh called back from 06 12 34 44 44: ambulance on its way, 2 nurses on site.',
      });
      expect(note.status).toBe(201);
      return id;
    };
    // WhatsApp hid the number, then showed it without saying it was the same person: two reports.
    const hidden = await report('WA-HIDDEN-ERASE-1', lid, 'My father collapsed in the street, he is not breathing');
    const shownReport = await report('WA-HIDDEN-ERASE-2', shown, 'Our car was stolen at gunpoint near the port');
    expect(shownReport).not.toBe(hidden);
    // The DELETE's key is the first to link the LID to the number.
    sockets
      .latest()
      .upsert([waMessage({ id: 'WA-HIDDEN-ERASE-3', remoteJid: shown, remoteJidAlt: lid, message: { conversation: 'DELETE' } })]);
    await waitFor(async () => textsTo(shown).find((t) => /has been erased/.test(t)), 10_000, 'the erasure answer');
    await settle(app);
    for (const id of [hidden, shownReport]) {
      const incident = (
        await app.api<{ reporter: string | null; timeline: { type: string; text?: string }[] }>('GET', `/api/incidents/${id}`)
      ).body;
      expect(incident.reporter).toBeNull();
      expect(incident.timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual([
        '[erased] called back from [erased]: ambulance on its way, 2 nurses on site.',
      ]);
    }
  });
});
