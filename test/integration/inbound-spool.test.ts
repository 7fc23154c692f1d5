import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import type { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { PrivateRedis } from '../fakes/private-redis.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** A private Redis, so this test can stop it under the app without touching the shared one. */
const redis = new PrivateRedis('inbound-spool');
const { dir } = redis;
const startRedis = () => redis.start();
const stopRedis = () => redis.stop();
const apps: TestApp[] = [];

const startApp = async (name: string, spool: string) => {
  const app = await startTestApp(name, {
    env: { REDIS_URL: redis.url, INBOUND_SPOOL: spool },
    config: { cellGroups: [] },
  });
  apps.push(app);
  return app;
};
const spoolLines = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : []);
const incidentsOf = async (app: TestApp, phone: string) =>
  (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=100')).body.items.filter((i) => i.reporter === phone);

beforeAll(async () => {
  await startRedis();
});
// Redis is stopped and the files removed whatever happened; an app whose Redis went away may not close promptly.
afterAll(async () => {
  await Promise.race([Promise.all(apps.map((a) => a.stop().catch(() => {}))), new Promise((r) => setTimeout(r, 20_000).unref())]);
  await redis.remove();
}, 60_000);

describe('inbound spool', () => {
  it('keeps citizens’ messages on disk while Redis is down and handles each once when it is back', async () => {
    const spool = join(dir, 'live', 'spool.jsonl');
    const app = await startApp('inbound-spool', spool);
    const sim = app.deps.simulator as SimulatorTransport;
    const [a, b, c] = ['+33612345001', '+33612345002', '+33612345003'];
    await stopRedis();

    const first = await sim.inject({ from: a, text: 'My brother is trapped under the rubble in Aleppo', id: 'SPOOL-A1' });
    await sim.inject({ from: b, text: 'Our building collapsed in Damascus, we need help' });
    await sim.inject({ from: c, text: 'I am injured in Homs and need a doctor' });
    // WhatsApp redelivers A's message: the same id must still make one report.
    await sim.inject({ from: a, text: 'My brother is trapped under the rubble in Aleppo', id: first });
    expect(app.queues.spooled).toBe(4);
    const lines = spoolLines(spool).map((l) => JSON.parse(l) as { jobId: string; data: { type: string } });
    expect(lines.map((l) => l.data.type)).toEqual(['message', 'message', 'message', 'message']);
    expect(lines[0]?.jobId).toBe(jobIdFor('m', 'SPOOL-A1'));
    // The gateway died mid-append once: a torn last line is skipped, not a reason to stop.
    appendFileSync(spool, '{"jobId":"m-torn","data":{"type":"mess');

    await startRedis();
    for (const phone of [a, b, c]) await app.expectMessage(phone, /Reference: INC-\d{4}/, 20_000);
    await waitFor(async () => !existsSync(spool) || undefined, 10_000, 'the spool to empty');
    expect(app.queues.spooled).toBe(0);
    for (const phone of [a, b, c]) {
      const incidents = await incidentsOf(app, phone);
      expect(incidents).toHaveLength(1);
      expect(incidents[0]?.timeline).toHaveLength(1);
      expect((await app.outbox(phone)).filter((m) => /Reference: INC-/.test(m.text))).toHaveLength(1);
    }
  }, 60_000);

  it('replays a spool left by an earlier run at start-up, skipping corrupt and torn lines', async () => {
    if (!redis.running) await startRedis(); // whatever the test before did
    const spool = join(dir, 'restart', 'spool.jsonl');
    const [d, e] = ['+33612345004', '+33612345005'];
    const entry = (phone: string, id: string, text: string) =>
      JSON.stringify({
        jobId: jobIdFor('m', id),
        data: { type: 'message', message: { id, chat: { kind: 'dm', phone }, from: { phone }, text, fromMe: false, at: Date.now() } },
        spooledAt: Date.now(),
      });
    mkdirSync(join(dir, 'restart'), { recursive: true });
    writeFileSync(
      spool,
      `${entry(d, 'SPOOL-D1', 'My mother is injured in Aleppo')}\nnot json at all\n${entry(e, 'SPOOL-E1', 'We are trapped in Homs')}\n{"jobId":"m-x","da`,
    );
    const app = await startApp('inbound-spool-restart', spool);
    for (const phone of [d, e]) await app.expectMessage(phone, /Reference: INC-\d{4}/, 20_000);
    await waitFor(async () => !existsSync(spool) || undefined, 10_000, 'the spool to empty');
    for (const phone of [d, e]) expect(await incidentsOf(app, phone)).toHaveLength(1);
  }, 60_000);
});
