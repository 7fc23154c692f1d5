import type { Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '../../src/store/redis.ts';
import { cleanPrefix, uniquePrefix } from '../fakes/test-app.ts';

const prefix = uniquePrefix('redis-writes');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const opened: Redis[] = [];
afterAll(async () => {
  await Promise.all(opened.map((c) => c.quit().catch(() => undefined)));
  await cleanPrefix(prefix);
});

/** Counts the writes that reach a connection's socket (each one a system call). */
function countWrites(conn: Redis): { readonly writes: number } {
  const socket = (conn as unknown as { stream: Socket & { _write: (...args: unknown[]) => void; _writev?: (...args: unknown[]) => void } })
    .stream;
  const counter = { writes: 0 };
  for (const name of ['_write', '_writev'] as const) {
    const original = socket[name];
    if (!original) continue;
    socket[name] = function (this: Socket, ...args: unknown[]) {
      counter.writes++;
      return original.apply(this, args);
    };
  }
  return counter;
}

/** Fifty commands issued in one turn of the event loop, then their replies. */
async function fiftyInOneTurn(conn: Redis, tag: string): Promise<{ writes: number; replies: (string | null)[] }> {
  const counter = countWrites(conn);
  const sets = Array.from({ length: 25 }, (_, i) => conn.set(`${prefix}:${tag}:${i}`, `value ${i}`));
  const gets = Array.from({ length: 25 }, (_, i) => conn.get(`${prefix}:${tag}:${i}`));
  await Promise.all(sets);
  const replies = await Promise.all(gets);
  return { writes: counter.writes, replies };
}

const expected = Array.from({ length: 25 }, (_, i) => `value ${i}`);

describe('commands sent to Redis in one turn of the event loop', () => {
  it('leave in one socket write, in order, each with its own reply', async () => {
    const conn = createRedis(url);
    opened.push(conn);
    await conn.ping();
    const { writes, replies } = await fiftyInOneTurn(conn, 'a');
    expect(replies).toEqual(expected);
    expect(writes).toBe(1);
  });

  it('do so on the duplicates BullMQ makes for its workers, and after a reconnect', async () => {
    const conn = createRedis(url);
    const copy = conn.duplicate();
    opened.push(conn, copy);
    await copy.ping();
    const first = await fiftyInOneTurn(copy, 'b');
    expect(first.replies).toEqual(expected);
    expect(first.writes).toBe(1);

    copy.disconnect(true);
    await new Promise((resolve) => copy.once('ready', resolve));
    const again = await fiftyInOneTurn(copy, 'c');
    expect(again.replies).toEqual(expected);
    expect(again.writes).toBe(1);
  });

  it('still answers a command issued alone at once', async () => {
    const conn = createRedis(url);
    opened.push(conn);
    await conn.set(`${prefix}:alone`, 'here');
    expect(await conn.get(`${prefix}:alone`)).toBe('here');
  });
});
