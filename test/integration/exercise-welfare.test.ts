import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('exercise-welfare');
});
afterAll(async () => app.stop());

describe('a drill welfare check', () => {
  it('asks staff only, and a HELP answer opens an incident marked EXERCISE on its card', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true }, exercise: true });
    expect(res.status).toBe(201);
    await app.expectMessage(STAFF.officer, /EXERCISE/);
    await app.say(STAFF.officer, '2');
    const reply = await app.expectMessage(STAFF.officer, /INC-\d{4}/);
    const id = /INC-\d{4}/.exec(reply.text)?.[0] as string;
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    expect(card.text).toMatch(/^🧪 EXERCISE — /);
    const incident = await app.api<{ links: Record<string, string>; summary: string }>('GET', `/api/incidents/${id}`);
    expect(incident.body.links).toMatchObject({ welfareCheck: res.body.id, exercise: 'true' });
    expect(incident.body.summary).toMatch(/^EXERCISE — /);
  });

  it('closes with a final tally marked EXERCISE, and a HELP after the close still opens a drill incident', async () => {
    // The drill above is closed first: an answer goes to the newest open check before any closed one.
    const earlier = (await app.api<{ items: { id: string }[] }>('GET', '/api/welfare-checks')).body.items;
    for (const c of earlier) expect((await app.api('POST', `/api/welfare-checks/${c.id}/close`)).status).toBe(200);
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true }, exercise: true });
    const check = res.body.id;
    await waitFor(async () => (await app.outbox(STAFF.viewer)).some((m) => m.text.includes(check)));
    await app.say(STAFF.duty, `/close ${check}`, { group: CELL_GROUP });
    const post = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`EXERCISE — 🔒 Welfare check ${check} closed by Ana Duty.`));
    expect(post.text).toMatch(/Final tally: 0 safe \(0 people\), 0 need help, \d+ no answer of \d+/);
    await app.say(STAFF.viewer, '2');
    const reply = await app.expectMessage(STAFF.viewer, /request for help \(reference INC-\d{4}\)/);
    const id = /INC-\d{4}/.exec(reply.text)?.[0] as string;
    const incident = await app.api<{ links: Record<string, string>; summary: string }>('GET', `/api/incidents/${id}`);
    expect(incident.body.links).toMatchObject({ welfareCheck: check, exercise: 'true' });
    expect(incident.body.summary).toMatch(new RegExp(`^EXERCISE — Welfare check ${check} \\(closed before this answer\\)`));
    const view = await app.api<{ late: { help: number } }>('GET', `/api/welfare-checks/${check}`);
    expect(view.body.late).toEqual({ safe: 0, help: 1 });
  });
});
