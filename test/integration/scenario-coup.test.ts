/**
 * A crisis drill, end to end: gunfire near the presidential palace, a coup in the capital.
 * 25 citizens write in within a minute (en/fr/ar; registered or not; pins, voice notes, a forwarded
 * rumour, a child, a detainee, an SOS then its details); the duty officer works the cell group,
 * starts the civil-unrest playbook, sends a shelter-in-place alert and a welfare check; a curfew
 * alert follows, forwarded genuine and altered; a citizen erases their data, another opts out;
 * the /sitrep is checked against everything that happened. Only public surfaces: the simulator
 * API, chat as rostered staff, the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { auditTrail, CELL_GROUP, listAllIncidents, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

type Lang = 'en' | 'fr' | 'ar';
const LANGS: Lang[] = ['en', 'fr', 'ar'];
const regPhone = (i: number) => `+3367100${String(i).padStart(4, '0')}`;
const newPhone = (i: number) => `+3367200${String(i).padStart(4, '0')}`;
/** 30 citizens registered in the capital, 6 in the north (a registry import). */
const registered = Array.from({ length: 36 }, (_, i) =>
  aCitizen({
    phone: regPhone(i),
    name: `Citizen ${i}`,
    region: i < 30 ? 'capital' : 'north',
    language: LANGS[i % 3] as Lang,
    household: 1 + (i % 3),
  }),
);
/** Two citizens register themselves by chat the day before. */
const selfRegistered = [
  { phone: newPhone(90), lang: 'en' as Lang, words: ['REGISTER', 'YES', 'Sam Early', 'capital', '2', 'en'] },
  { phone: newPhone(91), lang: 'ar' as Lang, words: ['تسجيل', 'نعم', 'سلمى المبكرة', 'دمشق', '3', 'ar'] },
];
const PALACE = { lat: 33.5122, lng: 36.2913 };

const GUNFIRE: Record<Lang, string> = {
  en: 'Heavy gunfire near the presidential palace, we are hiding in our flat',
  fr: 'Tirs nourris près du palais présidentiel, nous sommes enfermés chez nous',
  ar: 'إطلاق نار كثيف قرب القصر الرئاسي، نحن مختبئون في شقتنا',
};
const RUMOUR_EN = 'The embassy says go to the airport now, share!';
const RUMOUR_FR = "L'ambassade dit d'aller à l'aéroport maintenant, partagez !";

interface Msg {
  text?: string;
  location?: { lat: number; lng: number; name?: string };
  media?: 'audio' | 'image';
  forwarded?: boolean;
}
interface Citizen {
  key: string;
  phone: string;
  lang: Lang;
  registered: boolean;
  messages: Msg[];
  kind: 'report' | 'sos' | 'rumour';
}

/** The 25 who write in the first minute. */
const writers: Citizen[] = [
  // Eight registered citizens in the capital, in their own words.
  ...Array.from({ length: 8 }, (_, i) => ({
    key: `gunfire-${i}`,
    phone: regPhone(i),
    lang: LANGS[i % 3] as Lang,
    registered: true,
    messages: [{ text: GUNFIRE[LANGS[i % 3] as Lang] }],
    kind: 'report' as const,
  })),
  { key: 'pin', phone: regPhone(9), lang: 'en', registered: true, messages: [{ location: PALACE }], kind: 'report' },
  { key: 'voice', phone: regPhone(10), lang: 'fr', registered: true, messages: [{ media: 'audio' }], kind: 'report' },
  {
    key: 'photo',
    phone: newPhone(1),
    lang: 'en',
    registered: false,
    messages: [{ media: 'image', text: 'Tanks in front of the palace, soldiers everywhere in Damascus' }],
    kind: 'report',
  },
  {
    key: 'pin-comment',
    phone: newPhone(2),
    lang: 'en',
    registered: false,
    messages: [{ location: { ...PALACE, name: 'Hotel Omayad' }, text: 'Shooting outside our hotel, we stay in the room' }],
    kind: 'report',
  },
  {
    key: 'rumour-reg',
    phone: regPhone(13),
    lang: 'fr',
    registered: true,
    messages: [{ text: RUMOUR_EN, forwarded: true }],
    kind: 'rumour',
  },
  {
    key: 'rumour-new',
    phone: newPhone(3),
    lang: 'en',
    registered: false,
    messages: [{ text: RUMOUR_EN, forwarded: true }],
    kind: 'rumour',
  },
  { key: 'rumour-fr', phone: newPhone(4), lang: 'fr', registered: false, messages: [{ text: RUMOUR_FR, forwarded: true }], kind: 'rumour' },
  {
    key: 'child',
    phone: newPhone(5),
    lang: 'en',
    registered: false,
    messages: [{ text: 'I am 12, I am alone at home near the palace. My parents went out this morning and did not come back' }],
    kind: 'report',
  },
  {
    key: 'detained',
    phone: newPhone(6),
    lang: 'fr',
    registered: false,
    messages: [{ text: "Mon mari a été arrêté à un checkpoint militaire sur la route de l'aéroport à Damas" }],
    kind: 'report',
  },
  {
    key: 'sos',
    phone: newPhone(7),
    lang: 'en',
    registered: false,
    messages: [{ text: 'SOS' }, { text: 'Soldiers are shooting in our street, 4 of us in the basement, Mezzeh, Damascus' }],
    kind: 'sos',
  },
  {
    key: 'shot',
    phone: newPhone(8),
    lang: 'en',
    registered: false,
    messages: [{ text: 'My brother is shot and bleeding, we cannot reach a hospital, Damascus' }],
    kind: 'report',
  },
  {
    key: 'ar-new',
    phone: newPhone(9),
    lang: 'ar',
    registered: false,
    messages: [{ text: 'إطلاق نار كثيف قرب القصر الرئاسي في دمشق، نحن مختبئون في الفندق' }],
    kind: 'report',
  },
  {
    key: 'fr-new',
    phone: newPhone(10),
    lang: 'fr',
    registered: false,
    messages: [{ text: "Des coups de feu près du palais à Damas, est-ce que l'aéroport est ouvert ?" }],
    kind: 'report',
  },
  {
    key: 'leave',
    phone: newPhone(11),
    lang: 'en',
    registered: false,
    messages: [{ text: 'We want to leave the country, are there evacuation flights from Damascus?' }],
    kind: 'report',
  },
  {
    key: 'fr-safe',
    phone: regPhone(25),
    lang: 'fr',
    registered: true,
    messages: [{ text: 'Nous entendons des tirs près du palais mais nous allons bien' }],
    kind: 'report',
  },
  {
    key: 'sos-ar',
    phone: regPhone(14),
    lang: 'ar',
    registered: true,
    messages: [{ text: 'النجدة' }],
    kind: 'sos',
  },
  {
    key: 'ar-reg',
    phone: regPhone(26),
    lang: 'ar',
    registered: true,
    messages: [{ text: 'جنود في شارعنا ونسمع إطلاق نار، نحن في البيت' }],
    kind: 'report',
  },
];
const who = (key: string) => writers.find((w) => w.key === key) as Citizen;
const who2 = (phone: string | null) => writers.find((w) => w.phone === phone) as Citizen;

/** How the bot acknowledges a new report in each language: reference and the emergency number. */
const ACK: Record<Lang, RegExp> = {
  en: /^(✅ We have your report\. Reference: INC-\d+|🆘 Understood: emergency\. Reference INC-\d+)[\s\S]*call the local emergency number 112 now/,
  fr: /^(✅ Nous avons bien reçu votre signalement\. Référence : INC-\d+|🆘 Compris : urgence\. Référence INC-\d+)[\s\S]*numéro d'urgence local 112/,
  ar: /^(✅ تلقينا بلاغك\. الرقم المرجعي: INC-\d+|🆘 فهمنا: حالة طارئة\. الرقم المرجعي INC-\d+)[\s\S]*رقم الطوارئ المحلي 112/,
};
const ADDED: Record<Lang, RegExp> = {
  en: /^📝 Added to your report INC-/,
  fr: /^📝 Ajouté à votre signalement INC-/,
  ar: /^📝 أضيف إلى بلاغك INC-/,
};
const RUMOUR_WARNING: Record<Lang, RegExp> = {
  en: /^⚠️ Warning: the embassy did not send this message/,
  fr: /^⚠️ Attention : l'ambassade n'a pas envoyé ce message/,
  ar: /^⚠️ تحذير: لم ترسل السفارة هذه الرسالة/,
};
const ids = (text: string): string[] => text.match(/INC-\d{4,}/g) ?? [];

let app: TestApp;
const staffSays = (who: string, text: string, extra: Record<string, unknown> = {}) => app.say(who, text, { group: CELL_GROUP, ...extra });

/** All incidents, through the API's pages. */
const allIncidents = () => listAllIncidents(app);
const incidentOf = async (phone: string) => (await allIncidents()).filter((i) => i.reporter === phone);
const outboxAll = async () => {
  const all: SimOutboxItem[] = [];
  let after = 0;
  for (;;) {
    const page = await app.api<{ items: SimOutboxItem[] }>('GET', `/sim/messages?after=${after}&limit=1000`);
    all.push(...page.body.items);
    if (page.body.items.length < 1000) return all;
    after = page.body.items.at(-1)?.seq ?? after;
  }
};
/** The last message to the cell group after `seq` that matches. */
const cellAfter = (seq: number, match: RegExp) => app.expectMessage(CELL_GROUP, (m) => m.seq > seq && match.test(m.text));
const lastSeq = async (to: string) => (await app.outbox(to)).at(-1)?.seq ?? 0;

beforeAll(async () => {
  app = await startTestApp('scenario-coup', {
    config: {
      broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '2h', welfareFollowUpAfter: '6h' },
      escalation: { ackDeadline: { critical: '6s', high: '6s', medium: '1h', low: '4h' }, secondDeadline: '1h' },
      digest: { maxCardsPerWindow: 5, window: '4s' },
    },
  });
  await saveCitizens(app.deps, registered);
  for (const c of selfRegistered)
    for (const w of c.words) {
      const before = (await app.outbox(c.phone)).length;
      await app.say(c.phone, w);
      await waitFor(async () => (await app.outbox(c.phone)).length > before, 10_000, `the bot's answer to ${c.phone}`);
    }
  const summary = await app.api<{ byRegion: Record<string, number> }>('GET', '/api/citizens/summary');
  expect(summary.body.byRegion.capital).toBe(32);
}, 30_000);
afterAll(async () => app?.stop());

describe('a coup in the capital', () => {
  /** Each citizen's WhatsApp message ids. */
  const sent = new Map<string, string[]>();

  it('takes in 25 citizens in a minute: each answered once, in their language, with a reference and 112; rumours warned', async () => {
    const write = async (c: Citizen) => {
      for (const [n, m] of c.messages.entries()) {
        const id = `coup-${c.key}-${n}`;
        if (n > 0) await app.expectMessage(c.phone, ACK[c.lang]);
        const res = await app.api('POST', '/sim/messages', { from: c.phone, id, ...m });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        sent.set(c.phone, [...(sent.get(c.phone) ?? []), id]);
        // WhatsApp redelivers a few messages: the same id again.
        if (c.key === 'gunfire-1' || c.key === 'detained' || c.key === 'rumour-new')
          expect((await app.api('POST', '/sim/messages', { from: c.phone, id, ...m })).status).toBe(202);
      }
    };
    await Promise.all(writers.map(write));
    await settle(app, 30_000);

    const wrong: string[] = [];
    for (const c of writers) {
      const got = (await app.outbox(c.phone)).map((m) => m.text);
      if (c.kind === 'rumour') {
        if (got.length !== 1 || !RUMOUR_WARNING[c.lang].test(got[0] ?? '')) wrong.push(`${c.key}: ${JSON.stringify(got)}`);
        continue;
      }
      const acks = got.filter((t) => /^(✅|🆘)/.test(t));
      if (acks.length !== 1 || !ACK[c.lang].test(acks[0] ?? '')) wrong.push(`${c.key} (${c.lang}) acks: ${JSON.stringify(acks)}`);
      const added = got.filter((t) => /^📝/.test(t));
      if (added.length !== c.messages.length - 1 || !added.every((t) => ADDED[c.lang].test(t)))
        wrong.push(`${c.key} (${c.lang}) added: ${JSON.stringify(added)}`);
    }
    expect(wrong).toEqual([]);
    // A voice note alone: asked to say it in words too, in French.
    expect((await app.outbox(who('voice').phone)).map((m) => m.text)).toContainEqual(
      expect.stringMatching(/^🎤 Nous avons reçu votre message vocal/),
    );

    // One incident per reporter, holding each of their messages once; none for a rumour.
    const incidents = await allIncidents();
    const reporters = writers.filter((c) => c.kind !== 'rumour');
    expect(incidents).toHaveLength(reporters.length);
    for (const c of writers) {
      const mine = incidents.filter((i) => i.reporter === c.phone);
      if (c.kind === 'rumour') {
        expect(mine, c.key).toEqual([]);
        continue;
      }
      expect(mine, c.key).toHaveLength(1);
      const inc = mine[0] as Incident;
      expect(
        inc.timeline.filter((e) => e.actor === 'reporter'),
        `${c.key}: each message once`,
      ).toHaveLength(c.messages.length);
      expect(inc.language, c.key).toBe(c.lang);
      const ack = (await app.outbox(c.phone)).find((m) => /^(✅|🆘)/.test(m.text));
      expect(ids(ack?.text ?? ''), c.key).toContain(inc.id);
    }
    // Triage as a duty officer would read it.
    const of = async (key: string) => (await incidentOf(who(key).phone))[0] as Incident;
    expect(await of('detained')).toMatchObject({ category: 'arrest_detention', severity: 'high', region: 'capital' });
    expect(await of('shot')).toMatchObject({ category: 'medical', severity: 'critical', region: 'capital' });
    const sos = await of('sos');
    expect(sos).toMatchObject({ severity: 'critical', region: 'capital' });
    expect(sos.summary).toMatch(/Soldiers are shooting in our street/);
    expect(await of('sos-ar')).toMatchObject({ severity: 'critical', region: 'capital' });
    const child = await of('child');
    expect(child, 'a child whose parents did not come back').toMatchObject({ category: 'missing_person', severity: 'high' });
    expect((await of('pin')).region).toBe('capital');
    expect((await of('pin')).links.regionFrom).not.toBe('registration');
    for (const i of [0, 1, 2]) {
      const g = await of(`gunfire-${i}`);
      expect(g, `gunfire-${i}`).toMatchObject({ category: 'security', region: 'capital' });
      expect(['critical', 'high'], `gunfire-${i}`).toContain(g.severity);
      expect(g.links.regionFrom, 'the region comes from the registration').toBe('registration');
    }
    expect((await of('photo')).region).toBe('capital');
  }, 60_000);

  it('shows the cell every incident once, in a few cards and digests, criticals never hidden; media follows its card', async () => {
    const incidents = await allIncidents();
    const posts = await waitFor(
      async () => {
        const all = await app.outbox(CELL_GROUP);
        const shown = new Set(all.filter((m) => m.kind === 'card' || m.kind === 'digest').flatMap((m) => ids(m.text)));
        return incidents.every((i) => shown.has(i.id)) ? all : undefined;
      },
      20_000,
      'every incident in a card or a digest',
    );
    const cards = posts.filter((m) => m.kind === 'card');
    const digests = posts.filter((m) => m.kind === 'digest');
    expect(digests.length, 'a flood is folded into a digest').toBeGreaterThan(0);
    expect(cards.length).toBeLessThan(incidents.length);
    // Not flooded: at most the allowance of ordinary cards (two windows at most for a minute's burst), one digest per window.
    expect(cards.filter((m) => !/🔴 CRITICAL/.test(m.text)).length).toBeLessThanOrEqual(10);
    expect(digests.length).toBeLessThanOrEqual(2);
    expect(writers).toHaveLength(25);
    const inCards = cards.map((m) => ids(m.text)[0] as string);
    const inDigests = digests.flatMap((m) => [...new Set(ids(m.text))]);
    expect(new Set(inCards).size, 'no incident has two cards').toBe(inCards.length);
    expect(new Set(inDigests).size, 'no incident listed twice').toBe(inDigests.length);
    expect(inCards.filter((id) => inDigests.includes(id))).toEqual([]);
    expect(inCards.length + inDigests.length).toBe(incidents.length);
    // Critical incidents (fewer than the critical allowance) each get a card.
    for (const i of incidents.filter((x) => x.severity === 'critical'))
      expect(inCards, `${i.id} (critical) has its own card`).toContain(i.id);
    // A card says severity, category and region as the duty officer reads them.
    for (const i of incidents) {
      const card = cards.find((m) => ids(m.text)[0] === i.id);
      if (!card || who2(i.reporter).kind === 'sos') continue;
      const icon = { critical: '🔴', high: '🟠', medium: '🟡', low: '🟢' }[i.severity];
      // Every place named is in the capital; the child named none (a card or the digest, by arrival order).
      const where = i.region ? 'Capital District' : 'region unknown';
      expect(card.text, i.id).toContain(`${icon} ${i.severity.toUpperCase()} · ${i.category.replace('_', ' ')} · ${where}`);
    }
    // A voice note or photo shown in a card is forwarded to the group right after it.
    for (const key of ['voice', 'photo']) {
      const id = (await incidentOf(who(key).phone))[0]?.id as string;
      const card = cards.find((m) => ids(m.text)[0] === id);
      const media = posts.filter((m) => m.kind === 'media' && m.seq > (card?.seq ?? 0));
      if (card) expect(media.length, `${key}'s media follows its card`).toBeGreaterThan(0);
    }
    // Nothing about a rumour reaches the group.
    expect(posts.filter((m) => /airport now|aéroport maintenant/.test(m.text))).toEqual([]);
  }, 30_000);

  let runId = '';
  it('the duty officer acknowledges, assigns and notes from the group, and starts the civil-unrest playbook', async () => {
    const detained = (await incidentOf(who('detained').phone))[0] as Incident;
    const shot = (await incidentOf(who('shot').phone))[0] as Incident;
    const sos = (await incidentOf(who('sos').phone))[0] as Incident;
    const cards = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'card');
    const shotCard = cards.find((m) => ids(m.text)[0] === shot.id) as SimOutboxItem;
    await staffSays(STAFF.duty, `/ack ${detained.id}`);
    expect(
      (await app.api('POST', '/sim/reactions', { from: STAFF.officer, messageId: shotCard.id, emoji: '👍', group: CELL_GROUP })).status,
    ).toBe(202);
    await staffSays(STAFF.duty, `/assign ${detained.id} +15550000003`);
    await staffSays(STAFF.officer, `/note ${detained.id} Called the wife: checkpoint at the airport road bridge, partner embassies told`);
    await staffSays(STAFF.duty, `/ack ${sos.id}`);
    // Chloe answers the Arabic SOS's card in the group: she takes it, and her words are noted.
    const sosAr = (await incidentOf(who('sos-ar').phone))[0] as Incident;
    const sosArCard = cards.find((m) => ids(m.text)[0] === sosAr.id) as SimOutboxItem;
    await staffSays(STAFF.officer, 'Calling her now on the duty phone', { replyTo: sosArCard.id });
    await settle(app, 20_000);
    const taken = (await app.api<Incident>('GET', `/api/incidents/${sosAr.id}`)).body;
    expect(taken).toMatchObject({ status: 'acknowledged', assignee: STAFF.officer });
    expect(taken.timeline.some((e) => e.type === 'note' && e.text === 'Calling her now on the duty phone')).toBe(true);
    expect((await app.outbox(who('sos-ar').phone)).filter((m) => m.text.startsWith('👀')).map((m) => m.text)).toEqual([
      expect.stringMatching(/^👀 اطلع الموظف القنصلي Chloe على بلاغك INC-\d+/),
    ]);

    const FR_SEEN = /^👀 Votre signalement INC-\d+ a été pris en charge par Ana, agent consulaire/;
    const seen = (await app.outbox(who('detained').phone)).filter((m) => m.text.startsWith('👀'));
    expect(seen.map((m) => m.text)).toEqual([expect.stringMatching(FR_SEEN)]);
    const seenShot = (await app.outbox(who('shot').phone)).filter((m) => m.text.startsWith('👀'));
    expect(seenShot.map((m) => m.text)).toEqual([
      expect.stringMatching(/^👀 Your report INC-\d+ has been seen by consular officer Chloe\./),
    ]);
    const after = (await app.api<Incident>('GET', `/api/incidents/${detained.id}`)).body;
    expect(after.status).toBe('acknowledged');
    expect(after.assignee).toBe('+15550000003');
    expect(after.timeline.some((e) => e.type === 'note' && /checkpoint at the airport road bridge/.test(e.text ?? ''))).toBe(true);
    expect((await app.outbox(STAFF.officer)).some((m) => m.text.includes(detained.id))).toBe(true);
    expect((await app.api<Incident>('GET', `/api/incidents/${shot.id}`)).body.status).toBe('acknowledged');

    const before = await lastSeq(CELL_GROUP);
    await staffSays(STAFF.duty, '/run civil-unrest region=capital coup=true curfew=18:00-06:00');
    const started = await cellAfter(before, /RUN-\d+: Civil unrest or coup started by Ana Duty/);
    runId = /RUN-\d+/.exec(started.text)?.[0] as string;
    await cellAfter(before, /Serious unrest in Capital District\. The crisis cell is activated/);
    const run = await app.api<{ status: string; exercise: boolean; steps: { id: string; status: string }[] }>('GET', `/api/runs/${runId}`);
    expect(run.body.exercise).toBe(false);
    expect(run.body.steps.find((s) => s.id === 'activate')?.status).toBe('done');
    // A coup: the ambassador is asked for headquarters' decision at once, not after the
    // 15-minute stay-at-home alert and the 2-hour welfare check.
    await waitFor(
      async () => (await app.outbox(STAFF.admin)).some((m) => /The armed forces have seized power/.test(m.text)),
      10_000,
      'the coup escalation to the head of mission',
    );
    const now = (await app.api<{ steps: { id: string; status: string }[] }>('GET', `/api/runs/${runId}`)).body.steps;
    const status = (id: string) => now.find((s) => s.id === id)?.status;
    expect(status('coup-escalation')).toBe('done');
    expect(status('stay-home')).not.toBe('done');
    expect(status('welfare')).not.toBe('done');
  }, 40_000);

  it('unacknowledged critical and high incidents escalate to the duty officers, once each', async () => {
    const incidents = await allIncidents();
    const urgent = incidents.filter((i) => i.status === 'open' && ['critical', 'high'].includes(i.severity));
    expect(urgent.length).toBeGreaterThan(0);
    await waitFor(
      async () => {
        const now = await allIncidents();
        return urgent.every((u) => (now.find((i) => i.id === u.id)?.escalationLevel ?? 0) > 0);
      },
      20_000,
      'the unacknowledged urgent incidents to escalate',
    );
    await waitFor(
      async () => {
        const mentioned = new Set((await app.outbox(STAFF.duty)).filter((m) => m.kind === 'escalation').flatMap((m) => ids(m.text)));
        return urgent.every((u) => mentioned.has(u.id));
      },
      20_000,
      'every escalated incident paged to the duty officer',
    );
    await settle(app, 20_000);
    const paged = (await app.outbox(STAFF.duty)).filter((m) => m.kind === 'escalation').flatMap((m) => [...new Set(ids(m.text))]);
    for (const i of await allIncidents()) {
      const times = paged.filter((id) => id === i.id).length;
      expect(times, `${i.id} (${i.severity}, ${i.status}, level ${i.escalationLevel}) paged`).toBe(i.escalationLevel > 0 ? 1 : 0);
    }
    // The group is not flooded with re-posts: past the allowance they come as one escalation digest.
    const reposts = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'escalation');
    const escalated = (await allIncidents()).filter((i) => i.escalationLevel > 0);
    expect(reposts.length).toBeLessThan(escalated.length);
    expect(new Set(reposts.flatMap((m) => [...new Set(ids(m.text))])).size).toBe(escalated.length);
    // Acknowledged before their deadline: never paged.
    for (const key of ['detained', 'shot', 'sos', 'sos-ar']) {
      const id = (await incidentOf(who(key).phone))[0]?.id as string;
      expect(paged, key).not.toContain(id);
    }
  }, 60_000);

  const alerts: { shelter: string; curfew: string; shelterCode: string } = { shelter: '', curfew: '', shelterCode: '' };
  const capitalAudience = () => [
    ...registered.filter((c) => c.region === 'capital').map((c) => ({ phone: c.phone, lang: c.language as Lang })),
    ...selfRegistered.map((c) => ({ phone: c.phone, lang: c.lang })),
  ];
  it('a shelter-in-place alert to the capital, approved by a second officer, reaches each registered citizen once in their language', async () => {
    const created = await app.api<{ id: string; status: string; code: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['capital'] },
      text: {
        en: 'Shelter in place: stay indoors, away from windows, do not go to the palace area or the airport.',
        fr: "Restez à l'abri : restez à l'intérieur, loin des fenêtres, n'allez ni vers le palais ni vers l'aéroport.",
        ar: 'ابقوا في أماكنكم: ابقوا داخل المنازل بعيداً عن النوافذ ولا تتوجهوا إلى منطقة القصر أو المطار.',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'pending_approval', total: 32 });
    alerts.shelter = created.body.id;
    alerts.shelterCode = created.body.code;
    const before = await lastSeq(CELL_GROUP);
    await staffSays(STAFF.admin, `/approve ${alerts.shelter}`);
    await cellAfter(before, new RegExp(`Alert ${alerts.shelter} approved by Ben Consul`));
    await waitFor(
      async () =>
        (await app.api<{ counts: { sent: number } }>('GET', `/api/alerts/${alerts.shelter}`)).body.counts.sent === 32 || undefined,
      20_000,
      'the alert to be sent',
    );
    await settle(app, 20_000);
    const WORDS: Record<Lang, string> = { en: 'Shelter in place', fr: "Restez à l'abri", ar: 'ابقوا في أماكنكم' };
    const everyone = await outboxAll();
    const got = everyone.filter((m) => m.text.includes(alerts.shelter) && !m.to.endsWith('@g.us') && !m.to.startsWith('+1555'));
    expect(got).toHaveLength(32);
    for (const c of capitalAudience()) {
      const mine = got.filter((m) => m.to === c.phone);
      expect(mine, c.phone).toHaveLength(1);
      expect(mine[0]?.text, `${c.phone} in ${c.lang}`).toContain(WORDS[c.lang]);
      expect(mine[0]?.text).toContain(alerts.shelterCode);
    }
  }, 40_000);

  let checkId = '';
  const answers = { safe: 0, help: 0, peopleSafe: 0 };
  it('a welfare check of the capital: 1, 2, "we are safe" and HELP in words are tallied; HELP reaches the cell', async () => {
    const before = await lastSeq(CELL_GROUP);
    await staffSays(STAFF.duty, '/welfare capital');
    const started = await cellAfter(before, /Welfare check WFC-\d+ sent to/);
    checkId = /WFC-\d+/.exec(started.text)?.[0] as string;
    expect(started.text).toContain('sent to 32 recipient(s)');
    await settle(app, 20_000);
    // Each capital citizen asked once, in their language.
    const QUESTION: Record<Lang, RegExp> = { en: /Are you safe\?/, fr: /Êtes-vous en sécurité/, ar: /هل أنت بأمان/ };
    for (const c of capitalAudience())
      expect(
        (await app.outbox(c.phone)).filter((m) => QUESTION[c.lang].test(m.text)),
        c.phone,
      ).toHaveLength(1);

    const household = (phone: string) => registered.find((c) => c.phone === phone)?.household ?? 0;
    const say = async (phone: string, text: string, answer: 'safe' | 'help', people?: number) => {
      await app.say(phone, text);
      answers[answer]++;
      if (answer === 'safe') answers.peopleSafe += people ?? household(phone);
    };
    await say(regPhone(15), '1', 'safe');
    await say(regPhone(16), '1 3', 'safe', 3);
    await say(regPhone(17), '2', 'help');
    await say(regPhone(18), 'we are safe', 'safe');
    await say(regPhone(19), 'HELP soldiers are at our door, we are 3 with a baby', 'help');
    await say(regPhone(20), 'نحن بخير', 'safe');
    // Two who reported gunfire: one now safe, one whose situation got worse.
    await say(regPhone(0), 'we are safe', 'safe');
    await say(regPhone(2), '2', 'help');
    await say(regPhone(3), 'nous sommes en sécurité', 'safe');
    await settle(app, 20_000);

    const view = (await app.api<WelfareView>('GET', `/api/welfare-checks/${checkId}`)).body;
    expect(view.counts).toEqual({ total: 32, ...answers, noAnswer: 32 - answers.safe - answers.help });
    // "we are safe" is counted safe and thanked, not filed as a report.
    expect((await app.outbox(regPhone(18))).at(-1)?.text).toMatch(/^Thank you\. We have noted that you are safe \(1 person\(s\)\)/);
    expect(await incidentOf(regPhone(18))).toEqual([]);
    // HELP with words: a critical incident linked to the check, its reference in the reply, a card or digest for the cell.
    for (const phone of [regPhone(17), regPhone(19)]) {
      const [inc] = await incidentOf(phone);
      expect(inc, phone).toMatchObject({ severity: 'critical', region: 'capital', links: { welfareCheck: checkId } });
      const reply = (await app.outbox(phone)).at(-1)?.text ?? '';
      expect(reply).toMatch(
        new RegExp(`^(We have received your request for help|تلقينا طلب المساعدة|Nous avons reçu votre demande d'aide).*${inc?.id}`),
      );
      expect(reply).toContain('112');
    }
    const [doorInc] = await incidentOf(regPhone(19));
    expect(doorInc?.summary).toMatch(/soldiers are at our door/);
    // A reporter who answers keeps one incident; the officer on it learns the answer.
    const [safeInc] = await incidentOf(regPhone(0));
    expect(await incidentOf(regPhone(0))).toHaveLength(1);
    expect(safeInc?.timeline.at(-1)).toMatchObject({ actor: 'reporter', text: expect.stringMatching(/answered SAFE \(“we are safe”\)/) });
    expect((await app.outbox(CELL_GROUP)).map((m) => m.text)).toContainEqual(
      expect.stringMatching(new RegExp(`^✏️ ${safeInc?.id} — the reporter adds: .*answered SAFE \\(“we are safe”\\)`)),
    );
    expect(
      (await app.outbox(regPhone(0))).filter((m) => /^📝/.test(m.text)),
      'thanked, not told "added"',
    ).toHaveLength(0);
    const [worse] = await incidentOf(regPhone(2));
    expect(await incidentOf(regPhone(2))).toHaveLength(1);
    expect(worse).toMatchObject({ severity: 'critical', links: { welfareCheck: checkId } });
    expect((await app.outbox(CELL_GROUP)).map((m) => m.text)).toContainEqual(
      expect.stringMatching(new RegExp(`^✏️ ${worse?.id} — the reporter adds: .*answered HELP[^]*Severity raised to CRITICAL`)),
    );
    expect((await app.outbox(regPhone(2))).at(-1)?.text).toMatch(new RegExp(`^تلقينا طلب المساعدة \\(المرجع ${worse?.id}\\)`));
    const listed = await app.api<{ items: Incident[] }>('GET', `/api/incidents?welfareCheck=${checkId}`);
    expect(listed.body.items.map((i) => i.reporter).sort()).toEqual([regPhone(17), regPhone(19), regPhone(2)].sort());
  }, 40_000);

  it('curfew: a second alert; a forwarded copy is confirmed genuine, an altered copy is flagged and counted as a rumour', async () => {
    const before = await lastSeq(CELL_GROUP);
    await staffSays(STAFF.duty, '/alert capital Curfew from 18:00 to 06:00 from tonight. Stay at home; do not travel to the airport.');
    // The 32 registered in the capital, and the citizens who reported from the capital without registering.
    const draft = await cellAfter(before, /Alert ALR-\d+ .* to \d+ recipient\(s\).*Waiting for a second officer/);
    const total = Number(/to (\d+) recipient/.exec(draft.text)?.[1]);
    const reporters = Number(/\((\d+) of them reported from there without registering\)/.exec(draft.text)?.[1]);
    expect(reporters).toBeGreaterThan(0);
    expect(total).toBe(32 + reporters);
    alerts.curfew = /ALR-\d+/.exec(draft.text)?.[0] as string;
    await staffSays(STAFF.admin, `/approve ${alerts.curfew}`);
    await waitFor(
      async () =>
        (await app.api<{ counts: { sent: number } }>('GET', `/api/alerts/${alerts.curfew}`)).body.counts.sent === total || undefined,
      20_000,
      'the curfew alert to be sent',
    );
    await settle(app, 20_000);
    const received = (await app.outbox(regPhone(21))).find((m) => m.text.includes(alerts.curfew)) as SimOutboxItem;
    expect(received.text).toContain('Curfew from 18:00 to 06:00');
    // An unregistered citizen is forwarded the genuine alert by a friend.
    const friend = newPhone(20);
    await app.say(friend, received.text, { forwarded: true });
    const altered = received.text.replace('Stay at home; do not travel to the airport.', 'Go to the airport now, buses are waiting.');
    expect(altered).not.toBe(received.text);
    const other = newPhone(21);
    await app.say(other, altered, { forwarded: true });
    await settle(app, 20_000);
    expect((await app.outbox(friend)).map((m) => m.text)).toEqual([
      expect.stringMatching(new RegExp(`^Yes: ${alerts.curfew} is a genuine alert from the embassy`)),
    ]);
    expect((await app.outbox(other)).map((m) => m.text)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^⚠️ Warning: ${alerts.curfew} is a genuine alert, but this copy was changed.*Stay at home; do not travel to the airport\\.$`,
          's',
        ),
      ),
    ]);
    expect(await incidentOf(friend)).toEqual([]);
    expect(await incidentOf(other)).toEqual([]);
  }, 40_000);

  it('DELETE erases a citizen and their words, STOP opts another out of alerts', async () => {
    const eraser = who('gunfire-4').phone; // registered, has a report open
    const stopper = regPhone(23);
    const [erasedInc] = await incidentOf(eraser);
    await app.say(eraser, 'DELETE');
    await app.say(stopper, 'STOP');
    await settle(app, 20_000);
    expect((await app.outbox(eraser)).at(-1)?.text ?? '').toMatch(/^Vos données personnelles ont été effacées/);
    expect((await app.outbox(stopper)).at(-1)?.text ?? '').toMatch(/^لن تصلك تنبيهات السفارة بعد الآن/);
    const scrubbed = (await app.api<Incident>('GET', `/api/incidents/${erasedInc?.id}`)).body;
    expect(scrubbed.reporter).not.toBe(eraser);
    expect(JSON.stringify(scrubbed)).not.toContain(GUNFIRE.fr);
    const summary = await app.api<{ byRegion: Record<string, number>; optedOut: number }>('GET', '/api/citizens/summary');
    expect(summary.body.byRegion.capital).toBe(30);
    expect(summary.body.optedOut).toBe(1);

    // The next alert to the capital reaches the 30 others, once each, and neither of them.
    const next = await app.api<{ id: string; status: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['capital'] },
      text: { en: 'Update: the curfew is extended to 08:00.', fr: "Mise à jour : le couvre-feu est prolongé jusqu'à 08:00." },
    });
    expect(next.body).toMatchObject({ status: 'pending_approval', total: 30 });
    await staffSays(STAFF.admin, `/approve ${next.body.id}`);
    await waitFor(
      async () => (await app.api<{ counts: { sent: number } }>('GET', `/api/alerts/${next.body.id}`)).body.counts.sent === 30 || undefined,
      20_000,
      'the third alert to be sent',
    );
    await settle(app, 20_000);
    const got = (await outboxAll()).filter((m) => m.text.includes(next.body.id) && !m.to.endsWith('@g.us') && !m.to.startsWith('+1555'));
    expect(got).toHaveLength(30);
    expect(new Set(got.map((m) => m.to)).size).toBe(30);
    expect(got.filter((m) => m.to === eraser || m.to === stopper)).toEqual([]);
  }, 40_000);

  it('the /sitrep shows what happened, number for number; the audit trail verifies', async () => {
    const before = await lastSeq(CELL_GROUP);
    await staffSays(STAFF.duty, '/sitrep');
    const sitrep = (await cellAfter(before, /^📊 SITREP/)).text;
    const incidents = await allIncidents();
    const active = incidents.filter((i) => ['open', 'acknowledged', 'in_progress'].includes(i.status));
    const sev = (s: string) => active.filter((i) => i.severity === s).length;
    expect(sitrep).toContain(
      `Active incidents: ${active.length} (🔴 ${sev('critical')} critical · 🟠 ${sev('high')} high · 🟡 ${sev('medium')} medium · 🟢 ${sev('low')} low)`,
    );
    // 22 from the first minute, and one for each welfare HELP.
    expect(active.length).toBe(writers.filter((c) => c.kind !== 'rumour').length + 2);
    const open = incidents.filter((i) => i.status === 'open');
    const escalated = open.filter((i) => i.escalationLevel > 0).length;
    expect(escalated).toBeGreaterThan(0);
    expect(sitrep).toContain(`Unacknowledged: ${open.length} (${escalated} escalated) · resolved so far: 0`);
    // The rumours: two wordings forwarded three times in the first minute, and the altered curfew copy once.
    expect(sitrep).toMatch(/📣 Rumours: 3 messages claiming to be official forwarded to us in the last 24 h \(4 forwards in all\)/);
    expect(sitrep).toMatch(/ {2}2× “The embassy says go to the airport now, share!”/);
    expect(sitrep).toMatch(/ {2}1× “[^”]*Go to the airport now, buses are waiting/);
    const view = (await app.api<WelfareView>('GET', `/api/welfare-checks/${checkId}`)).body;
    expect(sitrep).toContain(
      `Welfare ${checkId}: ${view.counts.safe} safe (${view.counts.peopleSafe} people), ${view.counts.help} need help, ${view.counts.noAnswer} no answer of ${view.counts.total}`,
    );
    expect(view.counts.safe).toBe(answers.safe);
    // "N no answer" leads to the people to phone.
    const toCall = await app.api<{ items: { phone: string }[] }>('GET', `/api/welfare-checks/${checkId}/follow-up`);
    expect(toCall.body.items.map((c) => c.phone)).not.toContain(who('gunfire-4').phone);
    // The citizen who erased their data unanswered left the check: the count is the list.
    expect(toCall.body.items).toHaveLength(view.counts.noAnswer);
    expect(view.counts.total).toBe(31);
    const byRegion = new Map<string, number>();
    for (const i of open) byRegion.set(i.region ?? 'unknown', (byRegion.get(i.region ?? 'unknown') ?? 0) + 1);
    // Said by the regions' names, as staff know them.
    const names = new Map(
      (await app.api<{ items: { id: string; name: string }[] }>('GET', '/api/regions')).body.items.map((r) => [r.id, r.name]),
    );
    const said = [...byRegion].map(([r, n]) => `${r === 'unknown' ? 'region unknown' : names.get(r)} ${n}`);
    expect(sitrep).toContain(`Unacknowledged by region: ${said.join(', ')}`);
    expect(byRegion.get('unknown'), 'only the child gave no place').toBe(1);
    expect(sitrep).toMatch(new RegExp(`Playbook ${runId}`));

    const { verify, entries } = await auditTrail(app);
    expect(verify.ok).toBe(true);
    expect(entries).toHaveLength(verify.entries);
    const trail = JSON.stringify(entries);
    const leaks = [
      ...writers.map((c) => c.phone),
      ...writers.map((c) => c.phone.slice(1)),
      'presidential palace',
      'checkpoint',
      'Mezzeh',
      'soldiers are at our door',
      'Sam Early',
      'Shelter in place',
    ].filter((s) => trail.includes(s));
    expect(leaks).toEqual([]);

    // Nothing sent twice: no citizen got the same words twice, and the group no post twice.
    const everyone = await outboxAll();
    const seen = new Map<string, number>();
    for (const m of everyone) seen.set(`${m.to} ${m.text}`, (seen.get(`${m.to} ${m.text}`) ?? 0) + 1);
    expect([...seen].filter(([, n]) => n > 1).map(([k]) => k.slice(0, 80))).toEqual([]);
  }, 30_000);
});
