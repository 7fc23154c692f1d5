// The four-eyes rule of alerts: the officer who drafted an alert cannot approve it, whatever form of
// their name or which of their tokens they approve with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCitizens } from '../fakes/citizens.ts';
import { CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';

const phone = (n: number) => `+3361299${String(n).padStart(4, '0')}`;
const HELENE = '+15550000011';

describe('an alert is approved by a second officer, never by its author under another form of her name', () => {
  let app: TestApp;
  const tokenFor = async (name: string, role: string, tokenPhone?: string) =>
    (await app.api<{ token: string }>('POST', '/api/tokens', { name, role, ...(tokenPhone ? { phone: tokenPhone } : {}) })).body.token;
  const draft = async (text: string) => {
    await app.say(HELENE, `/alert capital ${text}`, { group: CELL_GROUP });
    const reply = await app.expectMessage(CELL_GROUP, (m) => m.text.includes('Waiting for a second officer') && m.text.includes(text));
    return /ALR-\d+/.exec(reply.text)?.[0] as string;
  };
  const approve = (id: string, token?: string) => app.api<{ status: string }>('POST', `/api/alerts/${id}/approve`, undefined, token);

  beforeAll(async () => {
    app = await startTestApp('four-eyes', {
      config: {
        broadcast: { ratePerSecond: 1000, approvalThreshold: 1 },
        staff: [
          { name: 'Hélène Duty', phone: HELENE, roles: ['duty_officer', 'officer'] },
          { name: 'Ben Consul', phone: '+15550000002', roles: ['admin', 'duty_officer'] },
        ],
      },
    });
    await seedCitizens(app.deps, phone, 1, 3, { region: 'capital' });
  });
  afterAll(async () => app.stop());

  it('refuses her token whose name is written with decomposed accents (pasted from a Mac)', async () => {
    const id = await draft('Curfew from 8pm.');
    const nfd = 'Hélène Duty'.normalize('NFD');
    expect(nfd).not.toBe('Hélène Duty');
    // Before: compared without normalising, "Hélène" decomposed was someone else, and she approved her own alert.
    expect((await approve(id, await tokenFor(nfd, 'duty_officer'))).status).toBe(403);
    expect((await approve(id)).status).toBe(200);
  });

  it('refuses her token without a phone when the roster gives her name the phone the alert was drafted from', async () => {
    // Drafted through the API with a token of hers that carries her phone, under a shorter name.
    const short = await tokenFor('H. Duty', 'duty_officer', HELENE);
    const created = await app.api<{ id: string; status: string }>(
      'POST',
      '/api/alerts',
      { audience: { regions: ['capital'] }, text: { en: 'Shelter in place.' } },
      short,
    );
    expect(created.body.status).toBe('pending_approval');
    expect((await approve(created.body.id, await tokenFor('hélène duty', 'duty_officer'))).status).toBe(403);
    expect((await approve(created.body.id)).status).toBe(200);
  });
});
