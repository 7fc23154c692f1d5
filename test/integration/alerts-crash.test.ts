import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app/create-app.ts';
import { createAlert, getAlert } from '../../src/broadcast/alerts.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { cleanPrefix, testConfig, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const COUNT = 60;
/**
 * The send rate of the gateway killed twice: slow, so its messages wait in flight long enough to be
 * caught there at both deaths on a machine busy with other test files (at 25/s the window was missed).
 */
const SLOW = 8;
const phones = Array.from({ length: COUNT }, (_, i) => `+4915100${String(i).padStart(5, '0')}`);

/** Starts a gateway in its own process, so it can be killed like a crashed worker. */
async function startGateway(prefix: string, rate = 25): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/alerts-gateway-child.ts'], {
    env: { ...process.env, CHILD_PREFIX: prefix, CHILD_RATE: String(rate) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return child;
}

/** Kills the gateway process, if one runs, and waits for it to exit. */
async function kill(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

describe('a gateway killed mid-broadcast', () => {
  const prefix = uniquePrefix('alerts-crash');
  let worker: RunningApp;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    const config = testConfig(
      prefix,
      { broadcast: { ratePerSecond: 25, approvalThreshold: 1000, welfareReminderAfter: '1h', welfareFollowUpAfter: '2h' } },
      { ROLE: 'worker' },
    );
    worker = await createApp(config, createLogger('silent'));
    const now = Date.now();
    await saveCitizens(
      worker.deps,
      phones.map((phone, i) => ({
        phone,
        name: `C${i}`,
        region: 'north',
        household: 1,
        language: 'en',
        registeredAt: now,
        updatedAt: now,
        optedOut: false,
      })),
    );
  });
  const stopGateway = () => kill(child);
  afterAll(async () => {
    await stopGateway();
    await worker.close();
    await cleanPrefix(prefix);
  });

  const received = async (phone: string) =>
    (await worker.deps.redis.zrange(worker.deps.keys.simOutboxTo(phone), '0', '-1')).filter((m) => m.includes('Evacuation'));

  it('sends exactly one message per recipient after a kill -9 and a restart', async () => {
    const { id } = await createAlert(worker.deps, {
      author: { name: 'Ana Duty' },
      audience: { all: true },
      text: { en: 'Evacuation flights tomorrow.' },
    });
    child = await startGateway(prefix);
    await waitFor(async () => (await worker.deps.redis.zcard(worker.deps.keys.simOutbox)) >= 15, 20_000, 'some messages sent');
    child.kill('SIGKILL');
    await new Promise((r) => child?.once('exit', r));
    const sentBeforeKill = await worker.deps.redis.zcard(worker.deps.keys.simOutbox);
    expect(sentBeforeKill).toBeLessThan(COUNT);
    child = await startGateway(prefix);
    const done = await waitFor(
      async () => {
        const a = await getAlert(worker.deps, id);
        return a.status === 'sent' ? a : undefined;
      },
      25_000,
      'the alert to be fully sent',
    );
    const perRecipient = await Promise.all(phones.map(received));
    expect(perRecipient.map((m) => m.length)).toEqual(phones.map(() => 1));
    expect(done.counts).toMatchObject({ total: COUNT, sent: COUNT, queued: 0, failed: 0 });
  }, 60_000);

  it('sends exactly one message per recipient when the gateway is killed twice with the same messages in flight', async () => {
    await stopGateway(); // the one the test before left running
    const { id } = await createAlert(worker.deps, {
      author: { name: 'Ana Duty' },
      audience: { all: true },
      text: { en: 'Curfew from 18:00.' },
    });
    const curfew = async (phone: string) =>
      (await worker.deps.redis.zrange(worker.deps.keys.simOutboxTo(phone), '0', '-1')).filter((m) => m.includes('Curfew'));
    const active = () => worker.deps.redis.lrange(`${prefix}:outbound:active`, 0, -1);
    child = await startGateway(prefix, SLOW);
    // Frozen with several messages in flight (waiting for their turn at the send rate), then killed:
    // the next gateway sends the first one taken back at once, and the others wait their turn, so one
    // is still in flight when it is frozen in its turn (with a single one, the window was often missed).
    await waitFor(async () => (await active()).length >= 4 || undefined, 20_000, 'messages in flight');
    child.kill('SIGSTOP');
    const inFlight = new Set(await active());
    await stopGateway();
    expect(inFlight.size).toBeGreaterThan(0);
    // The next gateway takes them back; it dies while one of them is in flight again.
    child = await startGateway(prefix, SLOW);
    // Taken back (its stall counted) and in flight again.
    const again = async () => {
      for (const j of await active()) {
        if (inFlight.has(j) && (await worker.deps.redis.hget(`${prefix}:outbound:${j}`, 'stc')) === '1') return true;
      }
      return false;
    };
    await waitFor(
      async () => {
        if (!(await again())) return undefined;
        child?.kill('SIGSTOP');
        if (await again()) return true;
        child?.kill('SIGCONT');
        return undefined;
      },
      40_000,
      'a message in flight at both deaths',
    );
    await stopGateway();
    child = await startGateway(prefix, SLOW);
    const done = await waitFor(
      async () => {
        const a = await getAlert(worker.deps, id);
        return a.counts.queued === 0 ? a : undefined;
      },
      40_000,
      'every message of the alert sent or failed',
    );
    expect(done.counts).toMatchObject({ total: COUNT, sent: COUNT, queued: 0, failed: 0 });
    expect((await Promise.all(phones.map(curfew))).map((m) => m.length)).toEqual(phones.map(() => 1));
  }, 120_000);
});
