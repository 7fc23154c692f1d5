import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SendLimiter } from '../../src/queues/workers/send-limiter.ts';

/** Most sends stamped within any window of `ms` (half-open, sliding). */
function mostInAnyWindow(stamps: number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < stamps.length; i++) {
    while ((stamps[i] as number) - (stamps[j] as number) >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('the send limiter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it.each([
    { max: 10, burst: 1 },
    { max: 25, burst: 3 },
  ])('never lets more than $max go in any sliding second, at most $burst in any tenth of it, and keeps up', async ({ max, burst }) => {
    const limiter = new SendLimiter(max, 1000, () => Date.now());
    const stamps: number[] = [];
    const start = Date.now();
    const count = max * 3 + 5;
    const all = Promise.all(Array.from({ length: count }, () => limiter.run(async () => stamps.push(Date.now() - start))));
    await vi.runAllTimersAsync();
    await all;
    expect(stamps).toHaveLength(count);
    expect(mostInAnyWindow(stamps, 1000)).toBe(max);
    expect(mostInAnyWindow(stamps, 100)).toBeLessThanOrEqual(burst);
    // Three seconds' worth of sends and a few more: the last goes out in the fourth second, not later.
    expect(stamps.at(-1)).toBeLessThan(3_500);
  });

  it('lets a reply (no priority) go before the alerts already waiting', async () => {
    const limiter = new SendLimiter(1, 100, () => Date.now());
    const order: string[] = [];
    const send = (name: string, priority?: number) => limiter.run(async () => order.push(name), priority);
    const all = Promise.all([send('alert 1', 5), send('alert 2', 5), send('alert 3', 5), send('staff card', 1), send('reply')]);
    await vi.runAllTimersAsync();
    await all;
    expect(order).toEqual(['alert 1', 'reply', 'staff card', 'alert 2', 'alert 3']);
  });

  it('passes a failed send on to its caller and goes on with the others', async () => {
    const limiter = new SendLimiter(5, 1000, () => Date.now());
    const failing = limiter.run(async () => {
      throw new Error('not on WhatsApp');
    });
    const throwing = limiter.run(() => {
      throw new Error('bad message');
    });
    const next = limiter.run(async () => 'sent');
    const outcomes = Promise.allSettled([failing, throwing, next]);
    await vi.runAllTimersAsync();
    const [a, b, c] = await outcomes;
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'not on WhatsApp' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'bad message' } });
    expect(c).toEqual({ status: 'fulfilled', value: 'sent' });
  });

  it("takes the last look in the send's turn: a slow look delays the count, a refused one counts nothing", async () => {
    const limiter = new SendLimiter(10, 1000, () => Date.now());
    const stamps: number[] = [];
    const start = Date.now();
    const looks: number[] = [];
    // Every third send is refused at its last look; each look takes 30 ms (a Redis round trip, slowed).
    const all = Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        limiter.runChecked(
          async () => {
            looks.push(i);
            await new Promise((r) => setTimeout(r, 30));
            return i % 3 !== 2;
          },
          async () => stamps.push(Date.now() - start),
        ),
      ),
    );
    await vi.runAllTimersAsync();
    const results = await all;
    expect(results.filter((r) => r === undefined)).toHaveLength(10);
    expect(stamps).toHaveLength(20);
    expect(looks).toHaveLength(30);
    expect(mostInAnyWindow(stamps, 1000)).toBeLessThanOrEqual(10);
  });

  it('fails the one send whose last look fails, and the others still go', async () => {
    const limiter = new SendLimiter(10, 1000, () => Date.now());
    const sends = [0, 1, 2].map((i) =>
      limiter.runChecked(
        async () => {
          if (i === 1) throw new Error('Redis down');
          return true;
        },
        async () => i,
      ),
    );
    const settled = Promise.allSettled(sends);
    await vi.runAllTimersAsync();
    expect((await settled).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });
});
