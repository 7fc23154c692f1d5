import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { startTestApp, type TestApp } from '../fakes/test-app.ts';

/** POST /api/welfare-checks `{audience, text?}` of DESIGN.md, as an external test sends it. */
describe('POST /api/welfare-checks', () => {
  let app: TestApp;
  const citizen = aCitizen({ region: 'coast' });
  beforeAll(async () => {
    app = await startTestApp('contract-welfare');
    await saveCitizens(app.deps, [citizen]);
  });
  afterAll(async () => app.stop());

  it('takes `text` as one string: the question in the default language, as /welfare takes it in chat', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', {
      audience: { regions: ['coast'] },
      text: 'Storm on the coast tonight: are you safe?',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.id).toMatch(/^WFC-\d{4}$/);
    await app.expectMessage(citizen.phone, /Storm on the coast tonight: are you safe\?/);
  });

  it('still takes the text by language, and refuses an empty one naming body.text', async () => {
    const byLanguage = await app.api('POST', '/api/welfare-checks', { audience: { regions: ['coast'] }, text: { en: 'Are you safe?' } });
    expect(byLanguage.status).toBe(201);
    for (const text of ['', '   ', 5]) {
      const res = await app.api<{ error: { code: string; message: string } }>('POST', '/api/welfare-checks', {
        audience: { regions: ['coast'] },
        text,
      });
      expect(res.status, JSON.stringify(text)).toBe(400);
      expect(res.body.error.message).toMatch(/^body\.text/);
    }
  });
});
