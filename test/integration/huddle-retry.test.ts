import { Boom } from '@hapi/boom';
import type { GroupMetadata } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatTransport } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const jidOf = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;
const EMBASSY = '15550000000@s.whatsapp.net';
const textOf = (content: unknown) => (content as { text?: string }).text ?? '';

/** The audit entries of one type, oldest first. */
async function audited(app: TestApp, type: string): Promise<{ subject?: string; data: Record<string, unknown> }[]> {
  const page = await app.api<{ items: { type: string; subject?: string; data: Record<string, unknown> }[] }>(
    'GET',
    '/api/audit?limit=1000',
  );
  return page.body.items.filter((e) => e.type === type);
}

/**
 * Makes the next createGroup of a transport fail right after the group was created, as a gateway
 * that crashed (or lost Redis) before recording it: the group exists, the job's try failed.
 */
function crashAfterNextCreate<T extends ChatTransport>(transport: T): { transport: T; arm(): void } {
  let armed = false;
  const create = transport.createGroup?.bind(transport);
  transport.createGroup = async (subject, participants) => {
    const id = await (create as NonNullable<typeof create>)(subject, participants);
    if (armed) {
      armed = false;
      throw new Error('gateway stopped before the group was recorded');
    }
    return id;
  };
  return { transport, arm: () => (armed = true) };
}

describe('a huddle whose first try failed after WhatsApp created the group (Baileys adapter, fake socket)', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  let crash: () => void = () => {};
  const sockets = fakeSocketFactory();
  const huddle = async (id: string, name: string) => {
    sock.upsert([
      waMessage({ id, remoteJid: CELL_GROUP, participant: jidOf(STAFF.duty), message: { conversation: `/huddle ${name} +15550000003` } }),
    ]);
    await waitFor(async () => sock.read.some((k) => k.id === id), 10_000, `the /huddle ${id} to be taken`);
  };
  /** The group's welcome, once sent, and every group created with this name. */
  const welcomeIn = (groupId: string, name: string) =>
    waitFor(
      async () => sock.sent.find((s) => s.jid === groupId && textOf(s.content).startsWith(`👥 ${name}`)),
      15_000,
      `the welcome in ${name}`,
    );
  const createdNamed = (name: string) => sock.created.filter((g) => g.subject === name);
  const recordOf = (messageId: string) => app.deps.redis.hget(app.deps.keys.huddleByKey, `huddle:chat:${messageId}`);

  beforeAll(async () => {
    app = await startTestApp('bl-huddle', {
      options: {
        transport: (deps) => {
          const t = crashAfterNextCreate(sockets.transport(deps));
          crash = t.arm;
          return t.transport;
        },
      },
    });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('adopts the group when WhatsApp created it but its answer never came: one group, welcomed once, recorded', async () => {
    sock.loseGroupCreateAnswer = new Boom('Timed Out', { statusCode: 408 });
    await huddle('WA-HUDDLE-LOST', 'Hospital team');
    const [group] = await waitFor(async () => createdNamed('Hospital team').length > 0 && createdNamed('Hospital team'));
    const id = (group as GroupMetadata).id;
    await welcomeIn(id, 'Hospital team');
    await settle(app);

    expect(createdNamed('Hospital team')).toHaveLength(1);
    expect(sock.sent.filter((s) => textOf(s.content).startsWith('👥 Hospital team'))).toHaveLength(1);
    expect(await recordOf('WA-HUDDLE-LOST')).toBe(id);
    expect(await app.deps.redis.sismember(app.deps.keys.huddles, id)).toBe(1);
    expect(await app.deps.redis.hlen(app.deps.keys.huddleIntent)).toBe(0);
    expect((await audited(app, 'huddle.adopted')).map((e) => e.subject)).toEqual([id]);
    expect((await audited(app, 'huddle.created')).map((e) => e.subject)).not.toContain(id);
  });

  it('adopts the group its first try created when the gateway failed before recording it, not an older one of the same name', async () => {
    // The embassy number already has a "Flood team" group from an hour ago (an earlier exercise).
    const creation = Math.floor(Date.now() / 1000) - 3600;
    sock.groups.set('120363999000000001@g.us', {
      id: '120363999000000001@g.us',
      subject: 'Flood team',
      owner: EMBASSY,
      creation,
      participants: [{ id: EMBASSY }],
    } as GroupMetadata);
    crash();
    await huddle('WA-HUDDLE-CRASH', 'Flood team');
    const [group] = await waitFor(async () => createdNamed('Flood team').length > 0 && createdNamed('Flood team'));
    const id = (group as GroupMetadata).id;
    await welcomeIn(id, 'Flood team');
    await settle(app);

    expect(createdNamed('Flood team')).toHaveLength(1);
    expect(await recordOf('WA-HUDDLE-CRASH')).toBe(id);
    expect(sock.sent.filter((s) => s.jid === '120363999000000001@g.us')).toHaveLength(0);
    expect((await audited(app, 'huddle.adopted')).map((e) => e.subject)).toContain(id);
  });

  it('creates the group when the first try created none, ignoring a same-named group made before it or by someone else', async () => {
    const now = Math.floor(Date.now() / 1000);
    sock.groups.set('120363999000000002@g.us', {
      id: '120363999000000002@g.us',
      subject: 'Shelter team',
      owner: EMBASSY,
      creation: now - 3600,
      participants: [{ id: EMBASSY }],
    } as GroupMetadata);
    // A staff member just made their own "Shelter team" group and added the embassy number.
    sock.groups.set('120363999000000003@g.us', {
      id: '120363999000000003@g.us',
      subject: 'Shelter team',
      owner: jidOf(STAFF.officer),
      creation: now,
      participants: [{ id: jidOf(STAFF.officer) }, { id: EMBASSY }],
    } as GroupMetadata);
    // The connection closed before WhatsApp was asked: nothing was created.
    let refused = false;
    const create = sock.groupCreate.bind(sock);
    sock.groupCreate = async (subject, participants) => {
      if (!refused) {
        refused = true;
        throw new Boom('Connection Closed', { statusCode: 428 });
      }
      return create(subject, participants);
    };
    await huddle('WA-HUDDLE-NONE', 'Shelter team');
    const [group] = await waitFor(async () => createdNamed('Shelter team').length > 0 && createdNamed('Shelter team'));
    const id = (group as GroupMetadata).id;
    await welcomeIn(id, 'Shelter team');
    await settle(app);

    expect(refused).toBe(true);
    expect(createdNamed('Shelter team')).toHaveLength(1);
    expect(await recordOf('WA-HUDDLE-NONE')).toBe(id);
    expect(sock.sent.filter((s) => s.jid === '120363999000000002@g.us' || s.jid === '120363999000000003@g.us')).toHaveLength(0);
    expect((await audited(app, 'huddle.created')).map((e) => e.subject)).toContain(id);
  });

  it('never adopts a same-named group another huddle created and recorded meanwhile', async () => {
    // The first huddle's tries fail before WhatsApp creates anything until the second one, of the
    // same name and other people, has its group recorded.
    const create = sock.groupCreate.bind(sock);
    const firstPeople = jidOf(STAFF.officer);
    sock.groupCreate = async (subject, participants) => {
      if (participants.includes(firstPeople) && !(await recordOf('WA-HUDDLE-B'))) throw new Boom('Connection Closed', { statusCode: 428 });
      return create(subject, participants);
    };
    await huddle('WA-HUDDLE-A', 'Rescue team');
    sock.upsert([
      waMessage({
        id: 'WA-HUDDLE-B',
        remoteJid: CELL_GROUP,
        participant: jidOf(STAFF.duty),
        message: { conversation: '/huddle Rescue team +15550000004' },
      }),
    ]);
    const a = await waitFor(async () => (await recordOf('WA-HUDDLE-A')) ?? undefined, 15_000, 'the first huddle recorded');
    const b = (await recordOf('WA-HUDDLE-B')) as string;
    await welcomeIn(a, 'Rescue team');
    await settle(app);

    expect(a).not.toBe(b);
    expect(createdNamed('Rescue team').map((g) => g.id)).toEqual([b, a]);
    expect(sock.groups.get(a)?.participants.map((p) => p.id)).toContain(firstPeople);
    expect(sock.sent.filter((s) => s.jid === b && textOf(s.content).startsWith('👥 Rescue team'))).toHaveLength(1);
  });
});

describe('a huddle whose first try failed after the group was created (simulator)', () => {
  let app: TestApp;
  let crash: () => void = () => {};

  beforeAll(async () => {
    app = await startTestApp('sim-huddle', {
      options: {
        transport: (deps, queues) => {
          const t = crashAfterNextCreate(new SimulatorTransport(deps.redis, deps.keys, queues.sink()));
          crash = t.arm;
          return t.transport;
        },
      },
    });
  });
  afterAll(async () => app.stop());

  it('adopts the group the first try created', async () => {
    crash();
    await app.say(STAFF.duty, '/huddle Hospital team +15550000003', { group: CELL_GROUP, id: 'SIM-HUDDLE-1' });
    const id = await waitFor(
      async () => (await app.deps.redis.hget(app.deps.keys.huddleByKey, 'huddle:chat:SIM-HUDDLE-1')) ?? undefined,
      15_000,
    );
    await app.expectMessage(id, /Roles in this group/);
    await settle(app);
    const named = Object.entries(await app.deps.redis.hgetall(app.deps.keys.simGroups)).filter(
      ([, subject]) => subject === 'Hospital team',
    );
    expect(named.map(([g]) => g)).toEqual([id]);
    expect(await app.deps.redis.smembers(app.deps.keys.huddles)).toEqual([id]);
  });
});
