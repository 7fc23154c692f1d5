import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * Input nobody should send but somebody will: what the sender and the crisis cell see, and that
 * nothing is lost or half done.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('bad-input', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
/** Half of a surrogate pair, alone. */
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('a report of emojis longer than a summary', () => {
  it('is answered and carded: the summary is cut between two emojis, never inside one', async () => {
    // 501 UTF-16 units and no space: the 500-unit summary would end on half of the 250th 😭.
    const phone = '+33612900001';
    await app.say(phone, `a${'😭'.repeat(300)}`);
    const answer = await app.expectMessage(phone, /Reference: INC-\d{4}/);
    const id = /INC-\d{4}/.exec(answer.text)?.[0] as string;
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    const incident = await getIncident(id);
    expect(incident.summary).toBe(`a${'😭'.repeat(249)}…`);
    expect(incident.summary).not.toMatch(LONE);
  });
});
