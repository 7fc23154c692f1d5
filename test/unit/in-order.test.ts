import { describe, expect, it } from 'vitest';
import { InOrder } from '../../src/domain/in-order.ts';
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
