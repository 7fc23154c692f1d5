import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A crisis-cell process started as `node --import tsx src/main.ts`, as `npm start` would. */
export interface MainProcess {
  child: ChildProcess;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

/** Starts src/main.ts with `env` layered over a minimal environment (no inherited REDIS_URL, PORT, ...). */
export function startMain(env: Record<string, string>, basePath = process.env.PATH ?? ''): MainProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: basePath, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs src/main.ts to completion; for start-up failures. */
export async function runMain(
  env: Record<string, string>,
  basePath?: string,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const p = startMain(env, basePath);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Polls `url` until it answers 200, or fails after `timeoutMs`. A start in a fresh clone compiles every
 * source file (tsx's cache is empty): beside another test file on two cores it took over 20 s in CI.
 */
export async function waitForHttp(url: string, proc: MainProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`crisis-cell exited early: ${proc.stderr()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${url}; stderr: ${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
