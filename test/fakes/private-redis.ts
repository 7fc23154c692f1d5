import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../../src/store/redis.ts';
import { freePort } from './spawn-main.ts';
import { waitFor } from './test-app.ts';

/**
 * A private redis-server (AOF on, data in its own temporary folder) for tests that stop, restart
 * or demote Redis under a running app without touching the shared one.
 */
export class PrivateRedis {
  readonly dir: string;
  port = 0;
  private server: ChildProcess | undefined;

  constructor(
    name: string,
    private readonly extraArgs: string[] = [],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `cc-${name}-`));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** True while the server process runs. */
  get running(): boolean {
    return this.server !== undefined && this.server.exitCode === null && this.server.signalCode === null;
  }

  /** Starts it (on the same port and data after a stop) and waits until it answers. */
  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', ''];
    this.server = spawn('redis-server', [...args, ...this.extraArgs], { stdio: 'ignore' });
    await waitFor(async () => (await redisAnswers(this.url, 200)) || undefined, 10_000, 'redis-server');
  }

  /** Stops it (SIGTERM: AOF flushed) and waits for the process to exit. */
  async stop(): Promise<void> {
    const s = this.server;
    if (!s || s.exitCode !== null || s.signalCode !== null) return;
    await new Promise<void>((done) => {
      s.once('exit', () => done());
      s.kill('SIGTERM');
    });
  }

  /** Stops it and deletes its data. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
