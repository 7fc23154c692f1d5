import { describe, expect, it } from 'vitest';
import { InOrder, SenderShare } from '../../src/domain/in-order.ts';
import { senderKey } from '../../src/queues/workers/inbound-worker.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one person’s messages in order, different people’s alongside', () => {
  it('runs one key’s tasks one after another even when the first is the slowest, and a failure does not stop the next', async () => {
    const inOrder = new InOrder();
    const done: string[] = [];
    const a = inOrder.run('dm:+1', async () => {
      await tick(30);
      done.push('a1');
    });
    const b = inOrder.run('dm:+1', async () => {
      done.push('a2');
      throw new Error('bad message');
    });
    const c = inOrder.run('dm:+1', async () => void done.push('a3'));
    const other = inOrder.run('dm:+2', async () => void done.push('b1'));
    await Promise.allSettled([a, b, c, other]);
    expect(done).toEqual(['b1', 'a1', 'a2', 'a3']);
    await expect(b).rejects.toThrow('bad message');
    await tick(0);
    expect(inOrder.size).toBe(0);
  });

  it('keys a message by its chat and writer; other jobs are not held back', () => {
    const dm = { type: 'message', message: { chat: { kind: 'dm', phone: '+33612345678' }, from: { phone: '+33612345678' } } };
    expect(senderKey(dm)).toBe('dm:+33612345678');
    const group = { type: 'message', message: { chat: { kind: 'group', id: '1@g.us' }, from: { lid: '99@lid' } } };
    expect(senderKey(group)).toBe('group:1@g.us:99@lid');
    expect(senderKey({ type: 'membership', change: {} })).toBeUndefined();
    expect(senderKey('garbage')).toBeUndefined();
    expect(senderKey(null)).toBeUndefined();
  });
});

describe('one sender holds a share of the worker, not all of it', () => {
  const opts = { maxHeld: 2, parkMs: 500, lostAfterMs: 10_000 };
  /** Job `m<seq>` of sender `key`, whose messages in the worker are `held`. */
  const turn = (share: SenderShare, key: string, id: string, held: number, now: number, lastWaiting?: number) =>
    share.turn({ key, id, seq: Number(id.replace(/\D/g, '')) }, { count: held, lastWaiting }, now);

  it('runs one key’s tasks in the order they were received, even when handed over the other way round', async () => {
    const inOrder = new InOrder();
    const done: number[] = [];
    const runs = [3, 1, 2].map((seq) => inOrder.run('dm:+1', async () => void done.push(seq), seq));
    expect(inOrder.pending('dm:+1')).toBe(3);
    expect(inOrder.lastWaiting('dm:+1')).toBe(3);
    await Promise.all(runs);
    expect(done).toEqual([1, 2, 3]);
    await tick(0);
    expect(inOrder.pending('dm:+1')).toBe(0);
    expect(inOrder.size).toBe(0);
  });

  it('parks a sender’s messages beyond the share, and later ones behind them even when a slot frees up', () => {
    const share = new SenderShare(opts);
    expect(turn(share, 'dm:+1', 'm1', 0, 1000)).toBeUndefined();
    expect(turn(share, 'dm:+1', 'm2', 1, 1000)).toBeUndefined();
    expect(turn(share, 'dm:+1', 'm3', 2, 1000)).toBe(1500);
    // The rest of the line comes back right after the first, in line order.
    expect(turn(share, 'dm:+1', 'm4', 2, 1000)).toBe(1501);
    // Spread out: the next slice comes back half a second later.
    expect(turn(share, 'dm:+1', 'm5', 2, 1000)).toBe(2000);
    // m1 and m2 are done: a new message still waits behind the parked ones.
    expect(turn(share, 'dm:+1', 'm6', 0, 1001)).toBe(2001);
    // Another sender is not held back.
    expect(turn(share, 'dm:+2', 'x1', 0, 1001)).toBeUndefined();
    expect(share.parkedSenders).toBe(1);
  });

  it('takes parked messages back earliest first: one that comes back early is parked again', () => {
    const share = new SenderShare(opts);
    turn(share, 'dm:+1', 'm1', 2, 1000);
    turn(share, 'dm:+1', 'm2', 2, 1000);
    expect(turn(share, 'dm:+1', 'm2', 0, 1500)).toBe(1501);
    expect(turn(share, 'dm:+1', 'm1', 0, 1500)).toBeUndefined();
    expect(turn(share, 'dm:+1', 'm2', 1, 1600)).toBeUndefined();
    expect(share.parkedSenders).toBe(0);
    // A parked message that comes back while the sender holds its share waits again, still first.
    turn(share, 'dm:+1', 'm3', 2, 1700);
    turn(share, 'dm:+1', 'm4', 2, 1700);
    expect(turn(share, 'dm:+1', 'm3', 2, 2200)).toBe(2700);
    expect(turn(share, 'dm:+1', 'm4', 1, 2200)).toBe(2701);
    expect(turn(share, 'dm:+1', 'm3', 1, 2700)).toBeUndefined();
  });

  it('keeps the order messages were received in, whatever order the worker takes them in', () => {
    const share = new SenderShare(opts);
    // m6 was handed over before m5: m5 takes the first place in the line.
    expect(turn(share, 'dm:+1', 'm6', 2, 1000)).toBe(1500);
    expect(turn(share, 'dm:+1', 'm5', 2, 1000)).toBe(1500);
    expect(turn(share, 'dm:+1', 'm6', 0, 1500)).toBe(1501);
    expect(turn(share, 'dm:+1', 'm5', 0, 1500)).toBeUndefined();
    // m2 comes after m3 was let in but before m3 started: it goes in too, to take its place before it.
    const other = new SenderShare(opts);
    expect(turn(other, 'dm:+1', 'm3', 1, 1000)).toBeUndefined();
    expect(turn(other, 'dm:+1', 'm2', 2, 1000, 3)).toBeUndefined();
    expect(turn(other, 'dm:+1', 'm4', 3, 1000, 3)).toBe(1500);
  });

  it('a parked message another worker took stops holding the line once one due after it is back, a turn later', async () => {
    const share = new SenderShare(opts);
    turn(share, 'dm:+1', 'm1', 2, 1000);
    turn(share, 'dm:+1', 'm2', 2, 1000);
    turn(share, 'dm:+1', 'm3', 2, 1000);
    // m2 is back before m1: in the same turn m1 may still be on its way (handed over the other way round).
    expect(turn(share, 'dm:+1', 'm2', 0, 1500)).toBe(1501);
    await tick(0);
    // A turn later m1 is still not back: another worker process has it.
    expect(turn(share, 'dm:+1', 'm2', 0, 1501)).toBeUndefined();
    expect(turn(share, 'dm:+1', 'm3', 1, 1502)).toBeUndefined();
    expect(share.parkedSenders).toBe(0);
  });

  it('a parked message that never comes back (another worker took it) stops holding the line', () => {
    const share = new SenderShare(opts);
    turn(share, 'dm:+1', 'm1', 2, 1000);
    turn(share, 'dm:+1', 'm2', 2, 1000);
    expect(turn(share, 'dm:+1', 'm2', 0, 5000)).toBe(5001);
    expect(turn(share, 'dm:+1', 'm2', 0, 11_501)).toBeUndefined();
    // A line left with only lost messages is forgotten when another sender starts one.
    turn(share, 'dm:+3', 'm7', 2, 20_000);
    turn(share, 'dm:+4', 'm8', 2, 40_000);
    expect(share.parkedSenders).toBe(1);
  });
});
