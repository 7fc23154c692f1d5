import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * Text the API sends to people (an alert, a welfare question, a message to the reporter) or shows
 * staff (a note): a NUL or a zero-width space alone passed `trim().min(1)` and went out blank.
 */
describe('text with nothing visible in it', () => {
  let app: TestApp;
  const citizen = aCitizen({ region: 'north' });
  beforeAll(async () => {
    app = await startTestApp('contract-visible');
    await saveCitizens(app.deps, [citizen]);
  });
  afterAll(async () => app.stop());

  const blanks = ['\u0000', '\u200b', ' \u200b\u0007 ', '\u2060\ufeff'];
  type ApiError = { error: { code: string; message: string } };

  it('is refused with a 400 naming the field: no alert, welfare check, note or message goes out blank', async () => {
    const report = await app.api<{ id: string }>('POST', '/api/incidents', { reporter: citizen.phone, text: 'Our car was stolen' });
    expect(report.status).toBe(201);
    await settle(app);
    const before = (await app.outbox(citizen.phone)).length;
    for (const blank of blanks) {
      const cases: [string, unknown, RegExp][] = [
        ['/api/alerts', { audience: { all: true }, text: { en: blank } }, /^body\.text\.en: /],
        ['/api/welfare-checks', { audience: { all: true }, text: { en: blank } }, /^body\.text\.en: /],
        [`/api/incidents/${report.body.id}/notes`, { text: blank }, /^body\.text: a note needs some text/],
        [`/api/incidents/${report.body.id}/messages`, { text: blank }, /^body\.text: the message needs some text/],
        ['/api/incidents', { reporter: '+33618009999', text: blank }, /^body\.text: /],
      ];
      for (const [path, body, message] of cases) {
        const res = await app.api<ApiError>('POST', path, body);
        expect(res.status, `${path} ${JSON.stringify(blank)}`).toBe(400);
        expect(res.body.error.message).toMatch(message);
      }
    }
    await settle(app);
    expect((await app.outbox(citizen.phone)).length).toBe(before);
    expect((await app.api<{ items: unknown[] }>('GET', '/api/alerts')).body.items).toEqual([]);
  });

  it('still takes text that has something to read, emoji and Arabic included', async () => {
    const res = await app.api('POST', '/api/alerts', { audience: { all: true }, text: { en: '⚠️', ar: 'ابقوا في منازلكم' } });
    expect(res.status).toBe(201);
  });

  it('is no name for a token holder: the audit trail and approvals would name nobody', async () => {
    for (const name of ['\u200b', '\u2060\u200b']) {
      const res = await app.api<ApiError>('POST', '/api/tokens', { name, role: 'duty_officer' });
      expect(res.status, JSON.stringify(name)).toBe(400);
      expect(res.body.error.message).toMatch(/^body\.name: /);
    }
  });
});
