import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditInput } from '../../src/store/audit-log.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('audit-first', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('an inbound message whose audit entry cannot be written', () => {
  it('is handled once, by the retry: a staff note is not added twice', async () => {
    const citizen = '+33612121212';
    await app.say(citizen, 'My son was arrested at the border');
    const id = /INC-\d{4}/.exec((await app.expectMessage(citizen, /Reference/)).text)?.[0] as string;
    const audit = app.deps.audit;
    const append = audit.append.bind(audit);
    let failures = 0;
    let noteId = '';
    audit.append = (input: AuditInput) => {
      if (input.type === 'message.in' && failures === 0) {
        failures += 1;
        return Promise.reject(new Error('Redis refused the write'));
      }
      return append(input);
    };
    try {
      noteId = await app.say(STAFF.officer, `/note ${id} Lawyer contacted`, { group: CELL_GROUP });
      await app.expectMessage(CELL_GROUP, new RegExp(`Noted on ${id}`), 15_000);
      // The failed attempt is retried after its backoff: wait until no inbound job is left to run.
      await waitFor(async () => {
        const counts = await app.queues.inbound.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        return Object.values(counts).every((n) => n === 0) ? true : undefined;
      }, 15_000);
      await settle(app);
    } finally {
      audit.append = append;
    }
    expect(failures).toBe(1);
    // The entry that failed was written by the retry: the message is in the trail.
    const trail = (await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000')).body.items;
    expect(trail.filter((e) => e.type === 'message.in' && e.subject === noteId)).toHaveLength(1);
    const incident = (await app.api<{ timeline: { type: string; text?: string }[] }>('GET', `/api/incidents/${id}`)).body;
    expect(incident.timeline.filter((e) => e.type === 'note' && e.text === 'Lawyer contacted')).toHaveLength(1);
  });
});
