import { Curve, initAuthCreds, proto } from '@whiskeysockets/baileys';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { AuditLog } from '../../src/store/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { BaileysTransport } from '../../src/transport/baileys/baileys-transport.ts';
import { redisSignalKeyStore, useRedisAuthState } from '../../src/transport/baileys/redis-auth-state.ts';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { cleanPrefix, REDIS_URL, uniquePrefix } from '../fakes/test-app.ts';

const prefix = uniquePrefix('bl-auth');
const keys = redisKeys(prefix);
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterAll(async () => {
  await cleanPrefix(prefix);
  await redis.quit();
});

describe('WhatsApp session in Redis', () => {
  it('round-trips the v7 key types with their Buffers, writes only changes, and deletes on null', async () => {
    const store = redisSignalKeyStore(redis, keys);
    const pair = Curve.generateKeyPair();
    await store.set({
      'pre-key': { '1': pair, '2': Curve.generateKeyPair() },
      session: { 'alice.0': Buffer.from([1, 2, 3, 255]) },
      'lid-mapping': { '15550000001': '987654321098765', '987654321098765_reverse': '15550000001' },
      'device-list': { '15550000001': ['0', '7'] },
      tctoken: { '987654321098765@lid': { token: Buffer.from('token-bytes'), timestamp: '1790000000' } },
      'app-state-sync-key': { AAAA: { keyData: Buffer.from([9, 9, 9]), timestamp: 5 } },
    });
    const got = await store.get('pre-key', ['1', '2', 'missing']);
    expect(Buffer.isBuffer(got['1']?.private)).toBe(true);
    expect(Buffer.from(got['1']?.private ?? []).equals(Buffer.from(pair.private))).toBe(true);
    expect(got.missing).toBeUndefined();
    expect((await store.get('session', ['alice.0']))['alice.0']).toEqual(Buffer.from([1, 2, 3, 255]));
    expect((await store.get('lid-mapping', ['15550000001']))['15550000001']).toBe('987654321098765');
    expect((await store.get('device-list', ['15550000001']))['15550000001']).toEqual(['0', '7']);
    expect((await store.get('tctoken', ['987654321098765@lid']))['987654321098765@lid']?.token.toString()).toBe('token-bytes');
    const sync = (await store.get('app-state-sync-key', ['AAAA'])).AAAA;
    expect(sync).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(sync?.keyData ?? []).equals(Buffer.from([9, 9, 9]))).toBe(true);

    await store.set({ 'pre-key': { '1': null } });
    const after = await store.get('pre-key', ['1', '2']);
    expect(after['1']).toBeUndefined();
    expect(after['2']).toBeDefined();
    expect(await redis.hlen(keys.waKeys('pre-key'))).toBe(1);
  });

  it('a restarted gateway resumes the same paired session (no new QR), and clear() forgets it', async () => {
    const first = await useRedisAuthState(redis, keys);
    first.state.creds.registered = true;
    first.state.creds.me = { id: '15550000000:7@s.whatsapp.net', lid: '990000000000001:7@lid' };
    await first.saveCreds();

    const audit = new AuditLog(redis, keys);
    const sockets = fakeSocketFactory();
    const transport = new BaileysTransport({
      redis,
      keys,
      log: createLogger('silent'),
      audit,
      socketFactory: sockets.factory,
      lease: false,
    });
    await transport.start({ message: async () => {} });
    const sock = await sockets.socket(1);
    const resumed = sock.config.auth.creds;
    expect(resumed.registered).toBe(true);
    expect(resumed.me?.id).toBe('15550000000:7@s.whatsapp.net');
    expect(Buffer.from(resumed.noiseKey.private).equals(Buffer.from(first.state.creds.noiseKey.private))).toBe(true);
    expect(Buffer.isBuffer(resumed.signedIdentityKey.public)).toBe(true);
    await transport.stop();

    await first.clear();
    const fresh = await useRedisAuthState(redis, keys);
    expect(fresh.state.creds.registered).toBe(false);
    expect(fresh.state.creds.me).toBeUndefined();
    expect(await redis.exists(keys.waKeys('pre-key'))).toBe(0);
    expect(initAuthCreds().registered).toBe(false);
  });
});
