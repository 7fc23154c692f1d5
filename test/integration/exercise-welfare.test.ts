import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';

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
});
