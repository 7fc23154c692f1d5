import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const P = (n: number) => `+33688000${String(n).padStart(3, '0')}`;

describe('an alert missing a language its recipients read', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('alerts-languages', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } },
    });
    const langs: [string, string][] = [
      ['en', 'coast'],
      ['fr', 'coast'],
      ['fr', 'coast'],
      ['ar', 'coast'],
      ['ar', 'north'],
    ];
    await saveCitizens(
      app.deps,
      langs.map(([language, region], i) => ({
        phone: P(i),
        name: `Citizen ${i}`,
        region,
        household: 1,
        language,
        registeredAt: 1,
        updatedAt: 1,
        optedOut: false,
      })),
    );
  });
  afterAll(async () => app.stop());

  it('tells the officer over the API how many recipients get the fallback text, and in which language', async () => {
    const res = await app.api<Record<string, unknown>>('POST', '/api/alerts', {
      audience: { regions: ['coast'], cellGroups: true },
      text: { fr: 'Restez chez vous.', en: 'Stay at home.' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ total: 5, untranslated: { ar: 1 }, fallback: 'en' });
    await app.expectMessage(P(3), /Stay at home/);
    const full = await app.api<Record<string, unknown>>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { fr: 'Restez chez vous.', en: 'Stay at home.', ar: 'ابقوا في منازلكم.' },
    });
    expect(full.body.untranslated).toBeUndefined();
    await settle(app);
  });

  it('tells the officer in the cell group that /alert text (default language only) reaches others untranslated', async () => {
    await app.say(STAFF.duty, '/alert coast Water is unsafe to drink.', { group: CELL_GROUP });
    const reply = await app.expectMessage(CELL_GROUP, /^Alert ALR-\d+ \(verification code/);
    expect(reply.text).toMatch(/2 read fr, 1 read ar: they will get the en text/);
  });

  it('refuses all together with regions instead of sending to every region', async () => {
    const res = await app.api<{ error: { code: string; message: string } }>('POST', '/api/alerts', {
      audience: { all: true, regions: ['north'] },
      text: { en: 'Curfew in the north tonight.' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/regions.*either all: true or regions/);
    await settle(app);
    expect((await app.outbox(P(0))).some((m) => /Curfew/.test(m.text))).toBe(false);
  });
});
