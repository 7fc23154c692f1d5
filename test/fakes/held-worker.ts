import { type ChildProcess, spawn } from 'node:child_process';
import { createApp, type RunningApp } from '../../src/app/create-app.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { startTestApp, type TestApp, testConfig } from './test-app.ts';

/**
 * Starts held-worker-child.ts for KEY_PREFIX `prefix` (a worker process the test can kill -9),
 * with `env` (CHILD_CONFIG, CHILD_HOLD); resolves once it is ready.
 */
export async function startHeldWorker(prefix: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--import', 'tsx', 'test/fakes/held-worker-child.ts'], {
    env: { ...process.env, CHILD_PREFIX: prefix, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    c.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    c.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
  });
  return c;
}

/** Kills a child process with SIGKILL (a crash) and waits for it to exit; nothing if it already has. */
export async function killChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise((r) => c.once('exit', r));
  c.kill('SIGKILL');
  await exited;
}

/**
 * The processes around a killable worker, in this test's process: the API (messages come in
 * through the simulator) and the gateway (it sends the answers). `stop` also kills `worker()`.
 */
export async function apiAndGateway(
  name: string,
  prefix: string,
  config: Partial<ConfigFile> = {},
): Promise<{ api: TestApp; gateway: RunningApp; stop(worker?: ChildProcess): Promise<void> }> {
  const api = await startTestApp(name, { prefix, config, env: { ROLE: 'api' } });
  const gateway = await createApp(testConfig(prefix, config, { ROLE: 'gateway' }), createLogger('silent'), { outboundRate: 1000 });
  return {
    api,
    gateway,
    async stop(worker) {
      await killChild(worker);
      await gateway.close();
      await api.stop();
    },
  };
}
