import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../../src/http/dashboard/event-hub.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { TokenStore } from '../../src/store/token-store.ts';
import { alertStaff } from '../../src/transport/baileys/staff-alert.ts';
import { ADMIN_TOKEN, cleanPrefix, REDIS_URL, startTestApp, type TestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/** Reads a Server-Sent Events stream, collecting its raw text. */
async function stream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  let text = '';
  let ended = false;
  const reading = (async () => {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted by the test
    }
    ended = true;
  })();
  return {
    res,
    text: () => text,
    ended: () => ended,
    changes: () =>
      [...text.matchAll(/event: change\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1] as string) as { type: string; id: string }),
    close: async () => {
      controller.abort();
      await reading;
    },
  };
}

describe('dashboard session and live events', () => {
  let app: TestApp;
  let pub: Redis;
  beforeAll(async () => {
    app = await startTestApp('live');
    pub = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await pub.quit();
    await app.stop();
  });

  it('signs in only with a valid token, into an HttpOnly SameSite=Strict cookie', async () => {
    const post = (token: unknown) =>
      fetch(`${app.url}/dashboard/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    const wrong = await post('cc_wrong-token-123456');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect((await post(42)).status).toBe(400);
    const ok = await post(ADMIN_TOKEN);
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^cc_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const out = await fetch(`${app.url}/dashboard/session`, { method: 'DELETE' });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/cc_session=;.*Expires=Thu, 01 Jan 1970/);
  });

  it('fans valid changes out to every browser through one Redis subscriber, dropping malformed ones', async () => {
    expect((await fetch(`${app.url}/dashboard/events`)).status).toBe(401);
    const cookie = { cookie: `cc_session=${ADMIN_TOKEN}` };
    const clients = await Promise.all([1, 2, 3].map(() => stream(`${app.url}/dashboard/events`, cookie)));
    for (const c of clients) expect(c.res.headers.get('content-type')).toMatch(/text\/event-stream/);
    await waitFor(async () => clients.every((c) => c.text().includes('event: ready')));
    const [, subscribers] = (await pub.pubsub('NUMSUB', app.deps.keys.events)) as [string, number];
    expect(subscribers).toBe(1);
    await pub.publish(app.deps.keys.events, 'not json');
    await pub.publish(app.deps.keys.events, JSON.stringify({ type: 'incident.deleted', id: 'X' }));
    await pub.publish(app.deps.keys.events, JSON.stringify({ type: 'incident.created', id: 'INC-7' }));
    await waitFor(async () => clients.every((c) => c.changes().length === 1), 5_000, 'the change on every stream');
    for (const c of clients) expect(c.changes()).toEqual([{ type: 'incident.created', id: 'INC-7' }]);
    await Promise.all(clients.map((c) => c.close()));
  });

  it("passes the WhatsApp gateway's alerts about the number on to the browsers", async () => {
    const client = await stream(`${app.url}/dashboard/events`, { cookie: `cc_session=${ADMIN_TOKEN}` });
    await waitFor(async () => client.text().includes('event: ready'));
    // What the gateway does when WhatsApp logs the embassy number out.
    await alertStaff(app.deps, { code: 'logged_out', message: 'WhatsApp logged the embassy number out: link the phone again.' });
    await pub.publish(app.deps.keys.events, JSON.stringify({ type: 'incident.updated', id: 'INC-8' }));
    await waitFor(async () => client.changes().some((c) => c.id === 'INC-8'), 5_000, 'the change after the alert');
    expect(client.changes()).toEqual([
      { type: 'transport.alert', id: 'logged_out' },
      { type: 'incident.updated', id: 'INC-8' },
    ]);
    await client.close();
  });

  it('ends open streams when the app shuts down instead of hanging', async () => {
    const other = await startTestApp('live-close');
    const client = await stream(`${other.url}/dashboard/events`, { authorization: `Bearer ${ADMIN_TOKEN}` });
    await waitFor(async () => client.text().includes('event: ready'));
    await other.stop();
    await waitFor(async () => client.ended(), 5_000, 'the stream to end');
  });

  it('subscribes to live changes only while a browser watches, and says ready once subscribed', async () => {
    const channel = `${uniquePrefix('hub-idle')}:events`;
    const sub = new Redis(REDIS_URL);
    const hub = new EventHub(sub, channel, createLogger('silent'), { lingerMs: 50 });
    await hub.start();
    const web = express().get('/events', (req, res) => hub.attach(req, res));
    const server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
    const subscribers = async () => ((await pub.pubsub('NUMSUB', channel)) as [string, number])[1];
    // Nobody watching: a flood's changes are not even received.
    expect(await subscribers()).toBe(0);
    expect(await pub.publish(channel, JSON.stringify({ type: 'incident.created', id: 'INC-1' }))).toBe(0);

    const first = await stream(url);
    await waitFor(async () => first.text().includes('event: ready'), 5_000, 'ready');
    // By the time the browser hears "ready" (and reloads), the next change reaches it.
    expect(await subscribers()).toBe(1);
    await pub.publish(channel, JSON.stringify({ type: 'incident.created', id: 'INC-2' }));
    await waitFor(async () => first.changes().length === 1, 5_000, 'the change');
    expect(first.changes()).toEqual([{ type: 'incident.created', id: 'INC-2' }]);

    await first.close();
    await waitFor(async () => (await subscribers()) === 0, 5_000, 'the hub to unsubscribe');
    expect(hub.listening).toBe(false);

    // A browser coming back gets a working stream again.
    const again = await stream(url);
    await waitFor(async () => again.text().includes('event: ready'), 5_000, 'ready again');
    await pub.publish(channel, JSON.stringify({ type: 'incident.updated', id: 'INC-2' }));
    await waitFor(async () => again.changes().length === 1, 5_000, 'the change after coming back');
    await again.close();
    await hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sub.quit();
  });

  it('tells browsers to reload when its Redis connection comes back (changes in the gap were never pushed)', async () => {
    const channel = `${uniquePrefix('hub-reconnect')}:events`;
    const name = uniquePrefix('hub-conn').replace(/[^\w-]/g, '-');
    const sub = new Redis(REDIS_URL, { connectionName: name });
    const hub = new EventHub(sub, channel, createLogger('silent'));
    await hub.start();
    const web = express().get('/events', (req, res) => hub.attach(req, res));
    const server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const client = await stream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
    await waitFor(async () => client.text().includes('event: ready'), 5_000, 'ready');
    const readies = () => client.text().split('event: ready').length - 1;
    expect(readies()).toBe(1);
    // The connection drops (a Redis restart, a network cut) and ioredis reconnects by itself.
    const list = (await pub.call('CLIENT', 'LIST')) as string;
    const id = /id=(\d+) .*name=(\S+)/.exec(list.split('\n').find((l) => l.includes(`name=${name} `)) ?? '')?.at(1);
    expect(id).toBeDefined();
    await pub.call('CLIENT', 'KILL', 'ID', id as string);
    await waitFor(async () => readies() === 2, 10_000, 'a second ready after the reconnection');
    // Subscribed again: changes flow.
    await waitFor(
      async () =>
        (await pub.publish(channel, JSON.stringify({ type: 'incident.updated', id: 'INC-9' }))) > 0 && client.changes().length > 0,
      10_000,
      'a change after the reconnection',
    );
    await client.close();
    await hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sub.quit();
  });

  it('ends the live stream of a browser whose token was revoked, at the next heartbeat', async () => {
    const prefix = uniquePrefix('hub-revoke');
    const tokens = new TokenStore(pub, redisKeys(prefix));
    const token = await tokens.create({ name: 'Temp Viewer', role: 'viewer' });
    const channel = `${prefix}:events`;
    const sub = new Redis(REDIS_URL);
    const hub = new EventHub(sub, channel, createLogger('silent'), { heartbeatMs: 20 });
    await hub.start();
    // As the dashboard's route does: the stream lasts while the token it was opened with verifies.
    const web = express().get('/events', (req, res) => hub.attach(req, res, async () => (await tokens.verify(token)) !== undefined));
    const server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const client = await stream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
    await waitFor(async () => client.text().includes(': heartbeat'), 5_000, 'a heartbeat');
    expect(client.ended()).toBe(false);
    await tokens.revoke('Temp Viewer');
    await waitFor(async () => client.ended(), 5_000, 'the stream of the revoked token to end');
    expect(hub.size).toBe(0);
    await hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sub.quit();
    await cleanPrefix(prefix);
  });

  it('sends heartbeats so idle streams stay open', async () => {
    const channel = `${uniquePrefix('hub')}:events`;
    const sub = new Redis(REDIS_URL);
    const hub = new EventHub(sub, channel, createLogger('silent'), { heartbeatMs: 20 });
    await hub.start();
    const web = express().get('/events', (req, res) => hub.attach(req, res));
    const server = web.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const client = await stream(`http://127.0.0.1:${(server.address() as AddressInfo).port}/events`);
    await waitFor(async () => client.text().includes(': heartbeat'), 5_000, 'a heartbeat');
    expect(hub.size).toBe(1);
    await client.close();
    await waitFor(async () => hub.size === 0, 5_000, 'the hub to forget the browser');
    await hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await sub.quit();
  });
});
