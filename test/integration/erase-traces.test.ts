import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseCitizenIncidents } from '../../src/app/incidents/erase.ts';
import { addNote } from '../../src/app/incidents/lifecycle.ts';
import { openIncident } from '../../src/app/incidents/open-incident.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** What a DELETE left behind until now: rumours only they forwarded, their number as staff typed it in jobs, a LID in notes. */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('erase-traces');
});
afterAll(async () => app.stop());

const RUMOUR_MINE = 'The embassy says all citizens must gather at the stadium at 6. Info from Élodie Durand +33687654321. Share!';
const RUMOUR_SHARED = 'The embassy announces evacuation flights tomorrow from the north airport, register at the gate. Share!';

describe('DELETE and the rumours the citizen forwarded', () => {
  it('a rumour only they forwarded goes, words and all; one others forwarded stays, without their report', async () => {
    const erased = '+33687654321';
    const other = '+33687654322';
    await app.say(erased, 'Our building is cracked, we slept outside');
    await app.expectMessage(erased, /INC-\d{4}/);
    await app.say(erased, RUMOUR_MINE, { forwarded: true });
    await app.say(erased, RUMOUR_SHARED, { forwarded: true });
    await app.say(other, RUMOUR_SHARED, { forwarded: true });
    await settle(app);
    const listed = async () =>
      (await app.api<{ items: { text: string; incidents?: string[] }[] }>('GET', '/api/rumours')).body.items as {
        text: string;
        incidents?: string[];
      }[];
    expect((await listed()).map((r) => r.text).sort()).toEqual([RUMOUR_SHARED, RUMOUR_MINE].sort());

    await app.say(erased, 'DELETE');
    await app.expectMessage(erased, /has been erased/);
    await settle(app);
    const after = await listed();
    expect(after.map((r) => r.text)).toEqual([RUMOUR_SHARED]);
    expect(after[0]?.incidents ?? []).toEqual([]);
    const keys = await app.deps.redis.keys(`${app.prefix}:rumour*`);
    for (const key of keys) expect(JSON.stringify(await dump(key))).not.toContain('Durand');
  });
});

describe('DELETE and their number as staff typed it', () => {
  it('finished jobs that hold it with spaces or as a national number go too', async () => {
    const erased = '+33612345671';
    await app.say(erased, 'My passport was stolen at the market');
    const id = /INC-\d{4}/.exec((await app.expectMessage(erased, /INC-\d{4}/)).text)?.[0] as string;
    await app.say('+15550000003', `/note ${id} called her back on +33 6 12 34 56 71, then 06 12 34 56 71`);
    await app.expectMessage('+15550000003', /Noted/);
    await settle(app);
    const holding = async () =>
      (await app.queues.inbound.getJobs(['completed', 'failed'], 0, -1)).filter((j) => JSON.stringify(j.data).includes('12 34 56 71'));
    expect(await holding()).toHaveLength(1);
    await app.say(erased, 'DELETE');
    await app.expectMessage(erased, /has been erased/);
    await settle(app);
    expect(await holding()).toEqual([]);
  });
});

describe('DELETE and a LID staff copied into a note', () => {
  it('the LID a report came from is taken out of the notes, with or without the phone behind it', async () => {
    const lid = '204181337709876@lid';
    const opened = await openIncident(app.deps, { reporter: lid, text: 'We are hiding in a basement', channel: 'chat' });
    await addNote(app.deps, {
      id: opened.id,
      text: 'hidden number 204181337709876, husband on +33 6 12 34 56 72',
      actor: { name: 'Chloe Officer' },
      channel: 'api',
    });
    await eraseCitizenIncidents(app.deps, lid, undefined, '+33612345672');
    const incident = (await app.api<Incident>('GET', `/api/incidents/${opened.id}`)).body;
    expect(incident.timeline.find((e) => e.type === 'note')?.text).toBe('hidden number [erased], husband on [erased]');
  });
});

async function dump(key: string): Promise<unknown> {
  const type = await app.deps.redis.type(key);
  if (type === 'hash') return app.deps.redis.hgetall(key);
  if (type === 'set') return app.deps.redis.smembers(key);
  if (type === 'zset') return app.deps.redis.zrange(key, '0', '-1');
  if (type === 'string') return app.deps.redis.get(key);
  return type;
}
