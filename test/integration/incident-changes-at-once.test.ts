import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNote, changeStatus, updateIncident } from '../../src/app/incidents/lifecycle.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { IncidentStore } from '../../src/store/incident-store.ts';
import { auditTrail, CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * Two officers on one incident at the same moment, and one request run twice at once: each change is
 * told once, by its own words, and written once, on the timeline and in the audit trail.
 */
let app: TestApp;
let n = 0;
const citizen = () => `+3362277${String(1000 + n++).padStart(4, '0')}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;

async function reports(count: number, text: string): Promise<{ id: string; phone: string }[]> {
  const phones = Array.from({ length: count }, citizen);
  await Promise.all(phones.map((phone) => app.say(phone, text)));
  return Promise.all(phones.map(async (phone) => ({ id: incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text), phone })));
}

beforeAll(async () => {
  app = await startTestApp('incident-changes-at-once', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('an acknowledgement and a resolution at the same moment', () => {
  it('the citizen is told each once, in its own words; never twice "closed", never a timeline line as the officer’s words', async () => {
    const opened = await reports(12, 'Lost my passport at the airport, flight tomorrow');
    await Promise.all(
      opened.flatMap(({ id }) => [
        app.api('PATCH', `/api/incidents/${id}`, { status: 'acknowledged' }),
        app.api('PATCH', `/api/incidents/${id}`, { status: 'resolved', text: 'passport reissued' }),
      ]),
    );
    await settle(app);
    for (const { id, phone } of opened) {
      expect((await getIncident(id)).status).toBe('resolved');
      const told = (await app.outbox(phone)).map((m) => m.text).filter((t) => t.includes(id) && !/Reference/.test(t));
      const closed = told.filter((t) => /closed/.test(t));
      expect(closed, `${id}: ${told.join(' | ')}`).toHaveLength(1);
      expect(closed[0]).toContain('“passport reissued”');
      expect(told.filter((t) => /seen by/.test(t)).length).toBeLessThanOrEqual(1);
      const mirrored = (await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith(`✔️ ${id} resolved`));
      expect(mirrored).toHaveLength(1);
    }
  });

  it('an /ack and a /resolve sent together in the cell group: one "closed", quoting the resolution’s words only', async () => {
    const opened = await reports(8, 'Our hotel asks us to leave, we need a place to stay');
    await Promise.all(
      opened.flatMap(({ id }) => [
        app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP }),
        app.say(STAFF.duty, `/resolve ${id} moved to the embassy shelter`, { group: CELL_GROUP }),
      ]),
    );
    await settle(app);
    for (const { id, phone } of opened) {
      const closed = (await app.outbox(phone)).map((m) => m.text).filter((t) => t.includes(id) && /closed/.test(t));
      expect(closed).toHaveLength(1);
      expect(closed[0]).toContain('“moved to the embassy shelter”');
      expect(closed[0]).not.toContain('taken on by');
    }
  });
});

describe('two officers changing the triage at the same moment', () => {
  it('each line of the timeline starts where the incident was; a link written meanwhile stays', async () => {
    const { id } = (await reports(1, 'I lost my passport at the market'))[0] as { id: string };
    const before = await getIncident(id);
    const [a, b] = await Promise.all([
      updateIncident(app.deps, { id, category: 'medical', actor: { name: 'Chloe Officer', phone: STAFF.officer }, channel: 'api' }),
      updateIncident(app.deps, { id, category: 'arrest_detention', actor: { name: 'Ana Duty', phone: STAFF.duty }, channel: 'api' }),
    ]);
    expect([a.category, b.category].sort()).toEqual(['arrest_detention', 'medical']);
    const now = await getIncident(id);
    const changes = now.timeline.filter((e) => e.type === 'category').map((e) => [e.data?.from, e.data?.to]);
    expect(changes).toHaveLength(2);
    expect(changes[0]?.[0]).toBe(before.category);
    expect(changes[1]?.[0]).toBe(changes[0]?.[1]);
    expect(now.category).toBe(changes[1]?.[1]);

    // A link another writer adds between this change's read and its write (a welfare check's HELP) is kept.
    const store = new IncidentStore(app.deps.redis, app.deps.keys);
    const read = (await store.get(id)) as Incident;
    await app.deps.redis.hset(app.deps.keys.incident(id), 'links', JSON.stringify({ ...read.links, welfareCheck: 'WFC-0042' }));
    expect((await store.apply(read, read, { links: { ...read.links, exercise: 'true' } }, [])).made).toBe(true);
    expect((await getIncident(id)).links).toMatchObject({ welfareCheck: 'WFC-0042', exercise: 'true' });
  });
});

describe('one request run twice at once', () => {
  it('a note written with one key by several runs at once is on the timeline once', async () => {
    const opened = await reports(10, 'We are stuck at the border crossing with two children');
    await Promise.all(
      opened.flatMap(({ id }) =>
        Array.from({ length: 4 }, () =>
          addNote(app.deps, {
            id,
            text: 'called the border post',
            actor: { name: 'Chloe Officer' },
            channel: 'api',
            // A base64 Idempotency-Key: Redis's cjson writes its "/" as "\/" in the timeline entry.
            key: `api:Ops Bot:ab/c+d==${id}`,
          }),
        ),
      ),
    );
    await settle(app);
    const { entries } = await auditTrail(app);
    for (const { id } of opened) {
      expect((await getIncident(id)).timeline.filter((e) => e.type === 'note')).toHaveLength(1);
      expect((entries as { type: string; subject: string }[]).filter((e) => e.type === 'incident.note' && e.subject === id)).toHaveLength(
        1,
      );
    }
  });
});

describe('a change whose audit entry could not be written', () => {
  it('is audited once when its command is retried', async () => {
    const { id, phone } = (await reports(1, 'My wallet and passport were stolen on the bus'))[0] as { id: string; phone: string };
    const audit = app.deps.audit;
    const append = audit.append.bind(audit);
    let failed = 0;
    audit.append = async (e) => {
      if (failed === 0 && e.type === 'incident.acknowledged' && e.subject === id) {
        failed++;
        throw new Error('Connection is closed.');
      }
      return append(e);
    };
    try {
      await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
      await app.expectMessage(phone, /seen by/, 20_000);
      await waitFor(async () => (await app.outbox(CELL_GROUP)).some((m) => m.text.includes(`acknowledged ${id}`)), 20_000);
      await settle(app);
    } finally {
      audit.append = append;
    }
    const { entries } = await auditTrail(app);
    expect(failed).toBe(1);
    expect(
      (entries as { type: string; subject: string }[]).filter((e) => e.type === 'incident.acknowledged' && e.subject === id),
    ).toHaveLength(1);
  }, 40_000);
});

describe('a citizen’s "thank you" as their report is resolved', () => {
  it('opens no new report when the resolution lands between reading the open report and taking the words in', async () => {
    const { id, phone } = (await reports(1, 'Our flight was cancelled, we need help to leave'))[0] as { id: string; phone: string };
    await app.api('PATCH', `/api/incidents/${id}`, { status: 'acknowledged' });
    // The officer's resolution lands just after the citizen's message has read the report as open.
    const read = IncidentStore.prototype.activeOf;
    IncidentStore.prototype.activeOf = async function (this: IncidentStore, reporter: string) {
      const active = await read.call(this, reporter);
      if (active && reporter === phone) await changeStatus(app.deps, { id, to: 'resolved', actor: { name: 'Ana Duty' }, channel: 'api' });
      return active;
    };
    try {
      await app.say(phone, 'thank you so much 🙏');
      await app.expectMessage(phone, (m) => m.kind === 'thanks');
      await settle(app);
    } finally {
      IncidentStore.prototype.activeOf = read;
    }
    const mine = (await app.api<{ items: Incident[] }>('GET', '/api/incidents?status=open&limit=100')).body.items.filter(
      (i) => i.reporter === phone,
    );
    expect(mine).toEqual([]);
    expect((await getIncident(id)).status).toBe('resolved');
  });
});

describe('an acknowledgement as the escalation pages the duty officers', () => {
  it('the duty officers paged are told it was taken, when the page lands between the /ack reading the incident and writing', async () => {
    const { id } = (await reports(1, 'My son has a high fever and we cannot find a doctor'))[0] as { id: string; phone: string };
    // The escalation's write lands just after the acknowledgement has read the incident as not escalated.
    const read = IncidentStore.prototype.get;
    let raced = false;
    IncidentStore.prototype.get = async function (this: IncidentStore, incidentId: string) {
      const got = await read.call(this, incidentId);
      if (incidentId === id && !raced) {
        raced = true;
        await app.deps.redis.hset(app.deps.keys.incident(id), 'escalationLevel', '1');
      }
      return got;
    };
    try {
      await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
      await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`acknowledged ${id}`));
    } finally {
      IncidentStore.prototype.get = read;
    }
    const told = await app.expectMessage(STAFF.duty, (m) => m.text.includes(id) && m.text.includes('which you were paged about'));
    expect(told.text).toContain('was taken by Chloe Officer');
  });
});
