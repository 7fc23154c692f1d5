import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** In a crisis people call before they write: a call nobody took is answered in writing, and the cell told. */
describe('a call to the embassy number that nobody answers', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('missed-calls', {
      config: { embassy: { name: 'Embassy of Testland', number: '+15550000000', country: 'SY', emergencyNumber: '112' } },
    });
  });
  afterAll(async () => app.stop());
  const calls = (from: string, extra: Record<string, unknown> = {}) => app.api<{ id: string }>('POST', '/sim/calls', { from, ...extra });
  const cellPosts = async () => (await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith('📞'));

  it('asks a registered caller in their language to write, with the emergency number, and tells the cell who to call back; a redial changes nothing', async () => {
    const phone = '+33698100001';
    await saveCitizens(app.deps, [
      { phone, name: 'Leïla Mansour', region: 'north', household: 4, language: 'fr', registeredAt: 1, updatedAt: 1, optedOut: false },
    ]);
    const first = await calls(phone, { video: true });
    expect(first.status).toBe(202);
    const answer = await app.expectMessage(phone, /appel/);
    expect(answer.text).toBe(
      "📞 Nous n'avons pas pu prendre votre appel. Écrivez-nous ici ce qui se passe et où vous êtes (votre position aide : 📎 → Position) : la cellule de crise de l'Embassy of Testland lit chaque message.\n🚨 " +
        answer.text.split('\n🚨 ')[1],
    );
    expect(answer.text).toContain('112');
    const post = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('📞') && m.text.includes(phone));
    expect(post.text).toMatch(
      /^📞 Missed WhatsApp video call from \+33698100001 \(Leïla Mansour, registered in Northern Province\), \d\d:\d\d UTC\. They were asked to write what is happening and where\. Call back on \+33698100001 if you can\.$/,
    );
    // Redials in a panic: the same call reported again, and two more calls.
    await calls(phone, { id: first.body.id });
    await calls(phone);
    await calls(phone);
    await settle(app);
    expect((await app.outbox(phone)).filter((m) => m.text.startsWith('📞'))).toHaveLength(1);
    expect((await cellPosts()).filter((m) => m.text.includes(phone))).toHaveLength(1);
    const audit = await app.api<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'call.missed').map((e) => e.data)).toEqual([{ video: true, registered: true }]);
  });

  it('names the open report of a caller who already wrote, and answers in its language', async () => {
    const phone = '+33698100002';
    await app.say(phone, 'We are trapped in the basement, the building collapsed');
    const id = /INC-\d{4}/.exec((await app.expectMessage(phone, /Reference/)).text)?.[0] as string;
    await calls(phone);
    await app.expectMessage(phone, /We could not take your call/);
    const post = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('📞') && m.text.includes(phone));
    expect(post.text).toContain('(not registered)');
    expect(post.text).toContain(`Their open report: ${id} (critical).`);
  });

  it('leaves a member of staff who calls alone', async () => {
    const before = (await cellPosts()).length;
    await calls(STAFF.duty);
    await settle(app);
    expect((await app.outbox(STAFF.duty)).filter((m) => m.text.startsWith('📞'))).toEqual([]);
    expect((await cellPosts()).length).toBe(before);
  });

  it('refuses a bad call body, naming the field, and queues nothing', async () => {
    const bad = await app.api<{ error: { message: string } }>('POST', '/sim/calls', { from: '+33698100003', video: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('body.video');
    await settle(app);
    expect(await app.outbox('+33698100003')).toEqual([]);
  });
});
