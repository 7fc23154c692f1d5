import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { AuditLog } from '../../src/store/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { BaileysTransport } from '../../src/transport/baileys/baileys-transport.ts';
import { GatewayLease } from '../../src/transport/baileys/gateway-lease.ts';
import type { ConnectionState } from '../../src/transport/chat-transport.ts';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { cleanPrefix, REDIS_URL, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const log = createLogger('silent');
const prefix = uniquePrefix('bl-lease');
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await cleanPrefix(prefix);
  await redis.quit();
});

describe('gateway lease: one holder per WhatsApp number', () => {
  it('a second gateway waits, and takes over when the first dies without releasing', async () => {
    const key = `${prefix}:lease-a`;
    const firstConn = new Redis(REDIS_URL);
    const first = new GatewayLease(firstConn, key, log, { ttlMs: 300, intervalMs: 50 });
    const second = new GatewayLease(redis, key, log, { ttlMs: 300, intervalMs: 50 });
    expect(await first.acquire(() => {})).toBe(true);
    let secondHolds = false;
    const waiting = second
      .acquire(() => {})
      .then((ok) => {
        secondHolds = ok;
      });
    expect(await second.tryAcquire()).toBe(false);
    expect(secondHolds).toBe(false);
    firstConn.disconnect(); // the first gateway dies: it stops renewing, and never releases
    await waiting;
    expect(secondHolds).toBe(true);
    expect(second.isHeld()).toBe(true);
    await second.release();
    await first.release();
    expect(await redis.exists(key)).toBe(0);
  });

  it('a holder that finds its lease taken stops using the session', async () => {
    const key = `${prefix}:lease-b`;
    const lease = new GatewayLease(redis, key, log, { ttlMs: 300, intervalMs: 30 });
    let lost = false;
    await lease.acquire(() => {
      lost = true;
    });
    await redis.set(key, 'someone-else', 'PX', 5_000);
    await waitFor(async () => lost);
    expect(lease.isHeld()).toBe(false);
    await lease.release();
    expect(await redis.get(key)).toBe('someone-else');
  });

  it('two Baileys gateways on one number: only the lease holder opens a socket; the other takes over on stop', async () => {
    const keys = redisKeys(prefix);
    const make = () => {
      const sockets = fakeSocketFactory();
      const states: ConnectionState[] = [];
      const transport = new BaileysTransport({
        redis,
        keys,
        log,
        audit: new AuditLog(redis, keys),
        socketFactory: sockets.factory,
        lease: { ttlMs: 5_000, intervalMs: 50 },
        printQr: false,
      });
      return {
        transport,
        sockets,
        states,
        start: () => transport.start({ message: async () => {}, connection: (s) => void states.push(s) }),
      };
    };
    const a = make();
    const b = make();
    await a.start();
    const aSock = await a.sockets.socket(1);
    await b.start();
    expect(b.states).toEqual(['connecting']);
    expect(b.sockets.sockets).toHaveLength(0);
    aSock.open();
    await a.transport.stop();
    expect(aSock.ended).toBe(true);
    const bSock = await b.sockets.socket(1);
    bSock.open();
    await waitFor(async () => b.transport.state() === 'open');
    expect(a.sockets.sockets).toHaveLength(1);
    await b.transport.stop();
  });
});
