import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app/create-app.ts';
import { createAlert, getAlert } from '../../src/broadcast/alerts.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { cleanPrefix, testConfig, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const COUNT = 60;
const phones = Array.from({ length: COUNT }, (_, i) => `+4915100${String(i).padStart(5, '0')}`);

/** Starts a gateway in its own process, so it can be killed like a crashed worker. */
async function startGateway(prefix: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/alerts-gateway-child.ts'], {
    env: { ...process.env, CHILD_PREFIX: prefix, CHILD_RATE: '25' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
  });
  return child;
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
  afterAll(async () => {
    child?.kill('SIGKILL');
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
});
