// Officers write to the citizen who reported, from the embassy number: /reply in the cell group,
// or POST /api/incidents/:id/messages. The citizen's answer joins the report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { auditTrail, CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const CITIZEN = '+33612700001';

describe('an officer writes to the reporter', () => {
  let app: TestApp;
  let id = '';
  const incident = async () => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
  const fromOfficer = async (phone = CITIZEN) => (await app.outbox(phone)).filter((m) => m.text.startsWith('💬'));

  beforeAll(async () => {
    app = await startTestApp('message-reporter');
    await app.say(CITIZEN, 'Nous sommes bloqués à l’hôtel Baron à Alep, il y a des tirs dehors');
    id = /INC-\d{4}/.exec((await app.expectMessage(CITIZEN, /INC-\d{4}/)).text)?.[0] as string;
    await settle(app);
  });
  afterAll(async () => app.stop());

  it('/reply sends the officer’s words framed in the citizen’s language, once, and records them', async () => {
    const cmd = '/reply ' + id + ' Restez à l’intérieur, loin des fenêtres. Combien êtes-vous ?';
    await app.say(STAFF.duty, cmd, { group: CELL_GROUP, id: 'WA-REPLY-1' });
    const sent = await app.expectMessage(CITIZEN, (m) => m.text.startsWith('💬'));
    expect(sent.text).toBe(
      `💬 Embassy of Freedonia in Sylvania, au sujet de votre signalement ${id} :\nRestez à l’intérieur, loin des fenêtres. Combien êtes-vous ?\n— Ana\nRépondez ici : votre réponse sera ajoutée à ${id}.`,
    );
    const confirm = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('📤'));
    expect(confirm.text).toBe(`📤 Sent to the reporter of ${id} (${CITIZEN}); their answer will join ${id}.`);
    // WhatsApp delivers the command again: nothing more is sent or recorded.
    await app.say(STAFF.duty, cmd, { group: CELL_GROUP, id: 'WA-REPLY-1' });
    await settle(app);
    expect(await fromOfficer()).toHaveLength(1);
    const messages = (await incident()).timeline.filter((e) => e.type === 'message');
    expect(messages).toEqual([
      expect.objectContaining({ actor: 'Ana Duty', channel: 'chat', text: 'Restez à l’intérieur, loin des fenêtres. Combien êtes-vous ?' }),
    ]);
    // The trail says it happened, not what was said.
    const { entries } = await auditTrail(app);
    const audited = entries.filter((e) => (e as { type: string }).type === 'incident.reporter_messaged');
    expect(audited).toHaveLength(1);
    expect(JSON.stringify(audited)).not.toContain('fenêtres');
  });

  it('the citizen’s answer joins the report', async () => {
    const [sent] = await fromOfficer();
    const seq = (await app.outbox(CITIZEN)).at(-1)?.seq ?? 0;
    await app.say(CITIZEN, 'Nous sommes 4, dont un enfant', { replyTo: sent?.id });
    const added = await app.expectMessage(CITIZEN, (m) => m.seq > seq);
    expect(added.text).toContain(id);
    expect(added.text.startsWith('💬')).toBe(false);
    await settle(app);
    expect((await incident()).timeline.some((e) => e.type === 'details' && e.text === 'Nous sommes 4, dont un enfant')).toBe(true);
    const { body } = await app.api<{ items: Incident[] }>('GET', '/api/incidents');
    expect(body.items.filter((i) => i.reporter === CITIZEN)).toHaveLength(1);
  });

  it('to a report already resolved: neither is told the answer joins it; it opens a new report naming it, and the officer who asked is told', async () => {
    const phone = '+33612700050';
    await app.say(phone, 'I lost my passport at the airport');
    const first = /INC-\d{4}/.exec((await app.expectMessage(phone, /INC-\d{4}/)).text)?.[0] as string;
    await app.say(STAFF.officer, `/resolve ${first} emergency passport issued, collect it at the consulate`, { group: CELL_GROUP });
    await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(first));
    const ask = await app.say(STAFF.officer, `/reply ${first} Did you collect your passport?`, { group: CELL_GROUP });
    const confirm = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === ask);
    expect(confirm.text).toBe(
      `📤 Sent to the reporter of ${first} (${phone}); ${first} is resolved: their answer opens a new report that names ${first}, and you are told (/reopen ${first} first to keep it in this one).`,
    );
    const sent = await app.expectMessage(phone, (m) => m.text.startsWith('💬'));
    expect(sent.text).toMatch(/Answer here: an officer will read your reply\.$/);
    expect(sent.text).not.toContain('added to');

    await app.say(phone, 'No, the consulate was closed, where do I go?');
    const ack = await app.expectMessage(phone, (m) => m.kind === 'ack' && !m.text.includes(first));
    const next = /INC-\d{4}/.exec(ack.text)?.[0] as string;
    expect(next).not.toBe(first);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(next));
    expect(card.text).toContain(`earlier report ${first}`);
    const told = await app.expectMessage(STAFF.officer, (m) => m.text.startsWith(`💬 The reporter of ${first} answered`));
    expect(told.text).toBe(
      `💬 The reporter of ${first} answered your message (“Did you collect your passport?”) with a new report, ${next}: “No, the consulate was closed, where do I go?”\n👍 this message or send /ack ${next} to take it.`,
    );
    // A 👍 on it takes the new report.
    await app.api('POST', '/sim/reactions', { from: STAFF.officer, messageId: told.id, emoji: '👍' });
    await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(next));
  });

  it('/reply as a reply to the incident’s card needs no id', async () => {
    const card = (await app.outbox(CELL_GROUP)).find((m) => m.text.includes(`New incident ${id}`));
    await app.say(STAFF.officer, '/reply Is the hotel staff with you?', { group: CELL_GROUP, replyTo: card?.id });
    await app.expectMessage(CITIZEN, (m) => m.text.includes('Is the hotel staff with you?'));
  });

  it('through the API: once per Idempotency-Key, refused without words, for a viewer, or for an unknown incident', async () => {
    const send = (body: unknown, key?: string) =>
      fetch(`${app.url}/api/incidents/${id}/messages`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer test-admin-token-0123456789',
          'content-type': 'application/json',
          ...(key ? { 'idempotency-key': key } : {}),
        },
        body: JSON.stringify(body),
      });
    const first = await send({ text: 'A car will come for you at 18:00.' }, 'dash-1');
    expect(first.status).toBe(201);
    const again = await send({ text: 'A car will come for you at 18:00.' }, 'dash-1');
    expect(again.status).toBe(201);
    await settle(app);
    expect((await fromOfficer()).filter((m) => m.text.includes('A car will come'))).toHaveLength(1);
    expect((await incident()).timeline.filter((e) => e.type === 'message' && e.text?.includes('A car will come'))).toHaveLength(1);

    const empty = await app.api<{ error: { message: string } }>('POST', `/api/incidents/${id}/messages`, { text: '  ' });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/the message needs some text/);
    expect((await app.api('POST', '/api/incidents/INC-9999/messages', { text: 'hello' })).status).toBe(404);
    const viewer = await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Vic Viewer', role: 'viewer' });
    expect((await app.api('POST', `/api/incidents/${id}/messages`, { text: 'hello' }, viewer.body.token)).status).toBe(403);
  });

  it('is refused from an unrostered phone, and once the citizen erased their data', async () => {
    await app.say('+4915112345678', `/reply ${id} hello`, { group: CELL_GROUP });
    await settle(app);
    expect((await fromOfficer()).filter((m) => m.text.includes('\nhello\n'))).toHaveLength(0);

    await app.say(CITIZEN, 'DELETE');
    // The cell learns why the report went blank, and the duty officers are no longer paged about it.
    const told = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`🗑️ ${id}`));
    expect(told.text).toMatch(/the reporter sent DELETE.*no longer escalated/);
    expect(told.text).not.toContain(CITIZEN);
    expect(await app.deps.redis.zscore(app.deps.keys.escalationsDue, `${id}|1`)).toBeNull();
    await settle(app);
    await app.say(STAFF.duty, `/reply ${id} Are you still there?`, { group: CELL_GROUP });
    const refusal = await app.expectMessage(CELL_GROUP, (m) => m.text.includes('has no reporter to write to'));
    expect(refusal.text).toContain(id);
  });
});
