// DELETE from a citizen whose report is still open: they were told "A consular officer … will contact
// you on this number", which no longer holds once their number is erased. The answer says so.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('erase-open-report', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

/** `phone` reports `text`; the reference they are given. */
async function report(phone: string, text: string): Promise<string> {
  await app.say(phone, text);
  const ack = await app.expectMessage(phone, /INC-\d{4}/);
  await settle(app);
  return /INC-\d{4}/.exec(ack.text)?.[0] as string;
}

/** What the bot answers `phone`'s `text`, in one string. */
async function answer(phone: string, text: string): Promise<string> {
  const before = (await app.outbox(phone)).length;
  await app.say(phone, text);
  await settle(app);
  return (await app.outbox(phone))
    .slice(before)
    .map((m) => m.text)
    .join('\n');
}

describe('DELETE while a report is open', () => {
  it('tells the citizen the embassy can no longer follow it up, to write again if they need help, and the emergency number', async () => {
    const phone = '+33612770001';
    const id = await report(phone, 'my husband is not breathing, we are in Aleppo');
    const said = await answer(phone, 'DELETE');
    // Before: only "Your personal data has been erased…", though they were promised a call on this number.
    expect(said).toBe(
      'Your personal data has been erased from the embassy system. Send REGISTER if you want to register again.\n' +
        `The embassy can no longer follow up your report ${id} on this number. If you still need help, write to us again.\n` +
        '🚨 If your life is in danger, call the local emergency number 112 now.',
    );
    // The cell is told nobody can be contacted about it (as before).
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${id} (critical`) && /nobody can be written to/.test(m.text));
  });

  it('says it in the language of their report (SUPPRIMER, حذف)', async () => {
    const fr = '+33612770002';
    const frId = await report(fr, 'Notre immeuble est en feu, nous sommes bloqués au troisième étage');
    expect(await answer(fr, 'SUPPRIMER')).toMatch(
      new RegExp(`ne peut plus suivre votre signalement ${frId}[\\s\\S]*numéro d'urgence local 112`),
    );
    const ar = '+33612770003';
    const arId = await report(ar, 'بيتنا احترق ونحن محاصرون في الطابق الثالث');
    expect(await answer(ar, 'حذف')).toMatch(new RegExp(`متابعة بلاغك ${arId}[\\s\\S]*رقم الطوارئ المحلي 112`));
  });

  it('says nothing of a report already resolved', async () => {
    const phone = '+33612770004';
    const id = await report(phone, 'My passport was stolen at the market');
    expect((await app.api('PATCH', `/api/incidents/${id}`, { status: 'resolved' })).status).toBe(200);
    await settle(app);
    expect(await answer(phone, 'DELETE')).toBe(
      'Your personal data has been erased from the embassy system. Send REGISTER if you want to register again.',
    );
  });
});
