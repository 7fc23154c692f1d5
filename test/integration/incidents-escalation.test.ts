import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;

beforeAll(async () => {
  app = await startTestApp('incidents-escalation', {
    config: {
      escalation: { ackDeadline: { critical: '1s', high: '1s', medium: '1h', low: '4h' }, secondDeadline: '1s' },
      digest: { maxCardsPerWindow: 1000, window: '1m' },
    },
  });
});
afterAll(async () => app.stop());

describe('escalation of unacknowledged incidents', () => {
  it('re-posts the card and pages duty officers, then admins, when nobody acknowledges', async () => {
    await app.say('+33611110001', 'My father is trapped under rubble');
    const id = incidentIdIn((await app.expectMessage('+33611110001', /Reference/)).text);
    const regroup = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'escalation' && m.text.includes(id));
    // A 1-second deadline: the wait is said in seconds, not as "0 min".
    expect(regroup.text).toMatch(/UNACKNOWLEDGED \d+ s —/);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id));
    await app.expectMessage(STAFF.admin, (m) => m.kind === 'escalation' && m.text.includes(id));
    await waitFor(async () => (await getIncident(id)).escalationLevel === 2 || undefined);
    expect((await app.outbox(STAFF.officer)).some((m) => m.text.includes(id))).toBe(false);
    const incident = await getIncident(id);
    expect(incident.timeline.filter((e) => e.type === 'escalated')).toHaveLength(2);
  });

  it('a page about a report made critical by what the reporter wrote next quotes those words, not only the first ones', async () => {
    await app.say('+33611110021', 'Flights cancelled, we are stranded at the airport');
    const id = incidentIdIn((await app.expectMessage('+33611110021', /Reference/)).text);
    await app.say('+33611110021', 'now my father collapsed, he is not breathing');
    const page = await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id));
    expect(page.text).toContain('🔴 CRITICAL');
    expect(page.text).toContain('“Flights cancelled, we are stranded at the airport”');
    expect(page.text).toContain('🔺 Made graver by what the reporter wrote next: “now my father collapsed, he is not breathing”');
  });

  it('tells the staff it paged once someone takes the incident, and the cell sees a dashboard acknowledgement', async () => {
    await app.say('+33611110009', 'Gunmen stopped our bus on the coast road, we are held');
    const id = incidentIdIn((await app.expectMessage('+33611110009', /Reference/)).text);
    await app.expectMessage(STAFF.admin, (m) => m.kind === 'escalation' && m.text.includes(id));
    await waitFor(async () => (await getIncident(id)).escalationLevel === 2 || undefined);
    // Chloe takes it on the dashboard.
    const chloe = await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Chloe Officer', role: 'officer', phone: STAFF.officer });
    const res = await app.api('PATCH', `/api/incidents/${id}`, { status: 'acknowledged', assignee: STAFF.officer }, chloe.body.token);
    expect(res.status).toBe(200);
    for (const paged of [STAFF.duty, STAFF.admin]) {
      const told = await app.expectMessage(paged, (m) => m.text.startsWith(`✅ ${id}`));
      expect(told.text).toBe(
        `✅ ${id}, which you were paged about, was taken by Chloe Officer (acknowledged). Nothing more to do on that page.`,
      );
    }
    const cell = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`👍 ${id} acknowledged`));
    expect(cell.text).toBe(
      `👍 ${id} acknowledged (Chloe Officer, via the dashboard/API); it is with Chloe Officer; the reporter has been told.`,
    );
    expect((await app.outbox(STAFF.officer)).some((m) => m.text.startsWith(`✅ ${id}`))).toBe(false);
  });

  it('does not escalate an incident acknowledged before its deadline', async () => {
    await app.say('+33611110002', 'Our colleague was kidnapped, gunmen took him');
    const id = incidentIdIn((await app.expectMessage('+33611110002', /Reference/)).text);
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage('+33611110002', /has been seen/);
    // A later incident escalates: once it has, the acknowledged one's deadline has long passed too.
    await app.say('+33611110003', 'Trapped in a collapsed building, please come');
    const later = incidentIdIn((await app.expectMessage('+33611110003', /Reference/)).text);
    await waitFor(async () => (await getIncident(later)).escalationLevel === 2 || undefined);
    const escalations = (await app.outbox(STAFF.duty)).filter((m) => m.kind === 'escalation' && m.text.includes(id));
    expect(escalations).toHaveLength(0);
    expect((await getIncident(id)).escalationLevel).toBe(0);
    const pending = await app.deps.redis.zrange(app.deps.keys.escalationsDue, '0', '-1');
    expect(pending.filter((m) => m.startsWith(`${id}|`))).toEqual([]);
  });

  it('pages on the critical deadline once an officer raises an open incident to critical, not the low one', async () => {
    // Triaged low (4 h to acknowledge) from the words; the officer on the phone learns it is life or death.
    await app.say('+33611110004', 'I need a new passport');
    const id = incidentIdIn((await app.expectMessage('+33611110004', /Reference/)).text);
    expect((await getIncident(id)).severity).toBe('low');
    const raised = await app.api('PATCH', `/api/incidents/${id}`, { severity: 'critical', text: 'Caller says he is being held' });
    expect(raised.status).toBe(200);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id), 8_000);
    expect((await getIncident(id)).escalationLevel).toBeGreaterThan(0);
  });
});

describe('digests under a flood', () => {
  let flood: TestApp;
  beforeAll(async () => {
    flood = await startTestApp('incidents-digest', { config: { digest: { maxCardsPerWindow: 2, window: '6s' } } });
  });
  afterAll(async () => flood.stop());

  it('posts the first cards, then one digest for the rest; a critical incident still gets its own card', async () => {
    const reporters = Array.from({ length: 6 }, (_, i) => `+3362222000${i}`);
    for (const [i, phone] of reporters.entries()) await flood.say(phone, `We need information about flights home, family ${i}`);
    await flood.say('+33622229999', 'Trapped under the rubble with two children');
    // Reports that straddle two windows may give two digests: together they account for every incident once.
    const accounted = async () => {
      const posts = await flood.outbox(CELL_GROUP);
      const cards = posts.filter((m) => m.kind === 'card');
      const digested = posts.filter((m) => m.kind === 'digest').flatMap((m) => m.text.match(/INC-\d{4}/g) ?? []);
      return { cards, digested };
    };
    const { cards, digested } = await waitFor(
      async () => {
        const a = await accounted();
        return a.cards.length + a.digested.length >= 7 ? a : undefined;
      },
      15_000,
      'every incident in a card or a digest',
    );
    const critical = cards.filter((m) => m.text.includes('CRITICAL'));
    expect(critical).toHaveLength(1);
    const nonCritical = cards.length - critical.length;
    expect(nonCritical).toBeLessThanOrEqual(2);
    expect(digested.length).toBeGreaterThanOrEqual(4);
    expect(new Set(digested).size).toBe(digested.length);
    expect(nonCritical + digested.length).toBe(6);
  });
});

describe('a digest of a large flood', () => {
  let flood: TestApp;
  beforeAll(async () => {
    flood = await startTestApp('incidents-big-digest', { config: { digest: { maxCardsPerWindow: 1, window: '8s' } } });
  });
  afterAll(async () => flood.stop());

  it('lists the first 40 incidents and counts the rest, so every incident is accounted for', async () => {
    const reports = 50;
    // Starts early in a window, so that the reports all fall in one (windows are aligned to the clock).
    const into = Date.now() % 8_000;
    if (into > 4_000) await new Promise((r) => setTimeout(r, 8_000 - into + 100));
    await Promise.all(
      Array.from({ length: reports }, (_, i) =>
        flood.say(`+3362333${String(i).padStart(4, '0')}`, `Need information about flights, family ${i}`),
      ),
    );
    // Should they still straddle two windows, they give two digests (and two cards).
    const accounted = async () => {
      const posts = await flood.outbox(CELL_GROUP);
      const cards = posts.filter((m) => m.kind === 'card').length;
      const digests = posts.filter((m) => m.kind === 'digest').map((m) => m.text);
      const total = digests.reduce((n, text) => n + Number(/Digest: (\d+) new incidents?/.exec(text)?.[1] ?? 0), 0);
      return cards + total >= reports ? { cards, digests, total } : undefined;
    };
    const { cards, digests, total } = await waitFor(accounted, 25_000, 'every incident in a card or a digest');
    expect(cards + total).toBe(reports);
    const big = digests.find((text) => Number(/Digest: (\d+)/.exec(text)?.[1]) > 40);
    expect(big, 'one window held more than 40 incidents').toBeDefined();
    const count = Number(/Digest: (\d+)/.exec(big as string)?.[1]);
    expect(new Set((big as string).match(/INC-\d{4}/g)).size).toBe(40);
    expect(big).toContain(`…and ${count - 40} more: send /incidents`);
  });
});

/** Waits, if need be, until early in a clock-aligned window of `ms`, so a burst falls in one window. */
async function earlyInWindow(ms: number): Promise<void> {
  const into = Date.now() % ms;
  if (into > ms / 3) await new Promise((r) => setTimeout(r, ms - into + 100));
}

describe('an earthquake: most reports are critical', () => {
  let quake: TestApp;
  beforeAll(async () => {
    quake = await startTestApp('incidents-quake', {
      config: {
        digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 2, window: '9s' },
        escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1h' },
      },
    });
  });
  afterAll(async () => quake.stop());

  it('gives critical incidents cards up to their allowance, then one digest listing them first, and escalates them in one digest', async () => {
    await earlyInWindow(9_000);
    const phones = Array.from({ length: 7 }, (_, i) => `+3362444${String(i).padStart(4, '0')}`);
    // Two ordinary reports first, then five critical ones.
    for (const [i, phone] of phones.entries())
      await quake.say(phone, i < 2 ? `Need information about flights home, family ${i}` : `SOS trapped under rubble, building ${i}`);
    const ids = await Promise.all(phones.map(async (p) => incidentIdIn((await quake.expectMessage(p, /Reference/)).text)));
    const critical = ids.slice(2);
    const posts = await waitFor(
      async () => {
        const all = await quake.outbox(CELL_GROUP);
        return all.some((m) => m.kind === 'digest') && all.filter((m) => m.kind === 'escalation').length >= 2 ? all : undefined;
      },
      25_000,
      'the digest and the escalation notices',
    );
    // The group: one ordinary card, one critical card (the allowance of 2 is then full), one digest.
    const cards = posts.filter((m) => m.kind === 'card');
    expect(cards).toHaveLength(2);
    expect(cards.filter((m) => m.text.includes('CRITICAL'))).toHaveLength(1);
    const digest = posts.find((m) => m.kind === 'digest')?.text as string;
    expect(digest).toMatch(/Digest: 5 new incidents.*4 of them CRITICAL \(listed first\)/);
    const listed = digest.match(/INC-\d{4}/g) ?? [];
    expect(listed).toHaveLength(5);
    expect(listed.slice(0, 4).every((id) => critical.includes(id))).toBe(true);
    // Escalation: every critical incident passed its 1 s deadline; one notice fits the window
    // (the critical allowance was 2: it counts escalation notices apart from cards, so two fit),
    // and the others come as one escalation digest, to the group and to the duty officer.
    const notices = await waitFor(
      async () => {
        const all = (await quake.outbox(CELL_GROUP)).filter((m) => m.kind === 'escalation');
        const mentioned = new Set(all.flatMap((m) => m.text.match(/INC-\d{4}/g) ?? []));
        return critical.every((id) => mentioned.has(id)) ? all : undefined;
      },
      25_000,
      'every critical incident in an escalation notice',
    );
    const single = notices.filter((m) => /UNACKNOWLEDGED/.test(m.text));
    const gathered = notices.filter((m) => /reached (its|their) deadline unacknowledged/.test(m.text));
    expect(single).toHaveLength(2);
    expect(gathered).toHaveLength(1);
    expect(gathered[0]?.text).toMatch(/^⏰ 3 incidents reached their deadline unacknowledged, 3 of them CRITICAL/);
    const paged = (await quake.outbox(STAFF.duty)).filter((m) => m.kind === 'escalation');
    expect(paged).toHaveLength(3);
    for (const id of critical) expect((await quake.api<Incident>('GET', `/api/incidents/${id}`)).body.escalationLevel).toBe(1);
  });
});
