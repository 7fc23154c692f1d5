import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../observability/logger.ts';
import type { InboundJob } from './job-schemas.ts';

/** One inbound job kept on local disk while Redis could not take it. */
export interface SpooledJob {
  jobId: string;
  data: InboundJob;
  /** Epoch milliseconds when it was spooled. */
  spooledAt: number;
}

/** A spool line is checked lightly: the inbound worker validates the payload itself (and keeps a bad one as a failed job). */
const spooledJobSchema = z.object({
  jobId: z.string().min(1),
  data: z.looseObject({ type: z.enum(['message', 'membership', 'delivery']) }),
  spooledAt: z.number(),
});

const NEWLINE = 0x0a;

/**
 * A local, append-only file of inbound jobs (JSON lines, fsync'd) that Redis refused or could
 * not be reached for. Exactly one process writes it (the gateway, which holds the WhatsApp
 * lease). Entries are removed from the front only once their job is in the queue; a corrupt
 * line is logged and dropped, never blocking the lines after it.
 */
export class InboundSpool {
  private chain: Promise<unknown> = Promise.resolve();
  private count: number;

  constructor(
    readonly path: string,
    private readonly log: Logger,
  ) {
    this.count = this.repairTail();
  }

  /** Entries waiting to be queued. */
  get waiting(): number {
    return this.count;
  }

  /** Appends one job and returns once it is on disk (fsync'd); resolves with the number waiting. */
  append(job: SpooledJob): Promise<number> {
    return this.serial(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const created = !existsSync(this.path);
      const fh = await open(this.path, 'a');
      try {
        await fh.write(`${JSON.stringify(job)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (created) await syncDir(dirname(this.path));
      this.count += 1;
      return this.count;
    });
  }

  /**
   * Hands each entry, oldest first, to `add`; stops at the first that fails (Redis went away
   * again) and removes from the file exactly the entries handed over or found corrupt.
   */
  async replay(add: (job: SpooledJob) => Promise<void>): Promise<{ replayed: number; skipped: number; left: number }> {
    const snapshot = await this.serial(async () => (existsSync(this.path) ? readFileSync(this.path) : Buffer.alloc(0)));
    let offset = 0;
    let replayed = 0;
    let skipped = 0;
    let failure: unknown;
    for (let line = 1; offset < snapshot.length; line++) {
      const end = snapshot.indexOf(NEWLINE, offset);
      const next = end === -1 ? snapshot.length : end + 1;
      const text = snapshot
        .subarray(offset, end === -1 ? snapshot.length : end)
        .toString('utf8')
        .trim();
      const job = text ? parseLine(text) : undefined;
      if (job) {
        try {
          await add(job);
        } catch (err) {
          failure = err;
          break;
        }
        replayed += 1;
      } else if (text) {
        skipped += 1;
        this.log.error({ path: this.path, line }, 'skipping a corrupt line in the inbound spool (the rest is replayed)');
      }
      offset = next;
    }
    if (offset > 0) await this.serial(() => this.dropFront(offset));
    if (failure) throw failure;
    return { replayed, skipped, left: this.count };
  }

  /** Removes the first `bytes` of the file (entries appended since the snapshot stay). */
  private async dropFront(bytes: number): Promise<void> {
    const rest = readFileSync(this.path).subarray(bytes);
    this.count = countLines(rest);
    if (rest.length === 0) {
      await rm(this.path, { force: true });
    } else {
      const tmp = `${this.path}.tmp`;
      const fh = await open(tmp, 'w');
      try {
        await fh.write(rest);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    }
    await syncDir(dirname(this.path));
  }

  /** A line torn by a crash mid-append is ended, so the next append starts a line of its own. */
  private repairTail(): number {
    if (!existsSync(this.path)) return 0;
    const content = readFileSync(this.path);
    if (content.length > 0 && content[content.length - 1] !== NEWLINE) {
      const fd = openSync(this.path, 'a');
      try {
        writeSync(fd, '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    const waiting = countLines(content);
    if (waiting > 0)
      this.log.warn(
        { path: this.path, waiting },
        'inbound spool holds messages from an earlier Redis outage; they are queued as soon as Redis answers',
      );
    return waiting;
  }

  /** Runs file operations one at a time. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => {});
    return run;
  }
}

function parseLine(text: string): SpooledJob | undefined {
  try {
    const parsed = spooledJobSchema.safeParse(JSON.parse(text));
    return parsed.success ? (parsed.data as SpooledJob) : undefined;
  } catch {
    return undefined;
  }
}

function countLines(content: Buffer): number {
  return content
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim()).length;
}

/** Makes a file's creation, rename or removal durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync().catch(() => {});
  } finally {
    await fh.close();
  }
}
