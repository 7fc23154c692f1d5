import { Boom } from '@hapi/boom';
import type { GroupMetadata } from '@whiskeysockets/baileys';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOVALS, reconcileCellGroups } from '../../src/app/membership-guard.ts';
import type { ChatTransport } from '../../src/transport/chat-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** A second cell group, addressed by phone as groups were before WhatsApp's LIDs. */
const PN_GROUP = '120363000000000002@g.us';
const OWN_LID = '990000000000001@lid';
const DUTY_LID = '301000000000001@lid';

type Audit = { items: { type: string; subject: string | null; data: Record<string, unknown> }[] };

/**
 * WhatsApp addresses the members of a LID-addressed group (Baileys 7: `addressingMode: 'lid'`,
 * participants with `id` = LID and `phoneNumber`) by LID: a removal naming a stranger by their phone
 * JID does not take them out, and they stay in the cell group reading every incident card. The
 * guard removes each stranger by the address the group knows them by; a phone-addressed group is
 * unchanged; a removal WhatsApp refuses is told to the cell.
 */
describe('the membership guard removing a stranger by the address the group uses', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();

  const textsTo = (jid: string) =>
    sock.sent.filter((s) => s.jid === jid && 'text' in s.content).map((s) => String((s.content as { text: string }).text));
  const audit = async () => (await app.api<Audit>('GET', '/api/audit?limit=1000')).body.items;
  const audited = async (type: string, group: string) => (await audit()).filter((e) => e.type === type && e.subject === group);

  /** A LID-addressed cell group: the bot and the duty officer, plus `extra`. */
  const lidGroup = (extra: GroupMetadata['participants']): GroupMetadata =>
    ({
      id: CELL_GROUP,
      subject: 'Crisis cell',
      addressingMode: 'lid',
      participants: [
        { id: OWN_LID, phoneNumber: '15550000000@s.whatsapp.net', admin: 'admin' },
        { id: DUTY_LID, phoneNumber: '15550000001@s.whatsapp.net', admin: 'superadmin' },
        ...extra,
      ],
    }) as GroupMetadata;

  /** Someone an admin adds: in the group's member list, and announced as WhatsApp does. */
  const added = (group: string, meta: GroupMetadata, p: { id: string; phoneNumber?: string }) => {
    sock.groups.set(group, meta);
    sock.emitEvent('group-participants.update', {
      id: group,
      author: DUTY_LID,
      participants: [{ ...p, admin: null } as GroupMetadata['participants'][number]],
      action: 'add',
    });
  };

  beforeAll(async () => {
    app = await startTestApp('bl-guard-lid-removal', {
      options: { transport: sockets.transport },
      config: {
        cellGroups: [
          { id: CELL_GROUP, name: 'Crisis cell' },
          { id: PN_GROUP, name: 'Consular cell' },
        ],
        membershipGuard: { removeUnknown: true, reconcileEvery: '1h' },
      },
    });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app?.stop());

  it('removes a stranger added to a LID-addressed group by their LID, not their phone', async () => {
    const lid = '777000000000001@lid';
    added(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915112345678@s.whatsapp.net', admin: null }]), {
      id: lid,
      phoneNumber: '4915112345678@s.whatsapp.net',
    });
    await waitFor(async () => sock.removed.length > 0 || undefined, 10_000, 'the removal');
    await waitFor(async () => (await audited('membership.removed', CELL_GROUP)).length > 0 || undefined, 10_000, 'the audit');
    await settle(app);
    expect(sock.removed).toEqual([{ jid: CELL_GROUP, participants: [lid] }]);
    expect(sock.groups.get(CELL_GROUP)?.participants.map((p) => p.id)).toEqual([OWN_LID, DUTY_LID]);
    expect(textsTo(CELL_GROUP)).toEqual([
      '⚠️ Membership guard: +4915112345678 is in "Crisis cell" but not on the staff roster (just added). They are being removed automatically.',
      '✅ Membership guard: +4915112345678 was removed from the group.',
    ]);
    expect(await audited('membership.removal_failed', CELL_GROUP)).toEqual([]);
  });

  it('removes by LID a stranger the periodic check finds listed by LID alone, whose number the gateway knows', async () => {
    const lid = '777000000000002@lid';
    // The pair came earlier (a message key's alternate JID); the member list shows no phone.
    await app.deps.redis.hset(app.deps.keys.lidToPhone, lid, '+4915122222222');
    sock.groups.set(CELL_GROUP, lidGroup([{ id: lid, admin: null }]));
    const before = sock.removed.length;
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await waitFor(async () => sock.removed.length > before || undefined, 10_000, 'the removal');
    await settle(app);
    expect(sock.removed.slice(before)).toEqual([{ jid: CELL_GROUP, participants: [lid] }]);
    expect(sock.groups.get(CELL_GROUP)?.participants.map((p) => p.id)).not.toContain(lid);
  });

  it('warns once and removes once when the periodic check sees a stranger before the "added" notice is handled', async () => {
    const lid = '777000000000009@lid';
    const phone = '4915199999999@s.whatsapp.net';
    const meta = lidGroup([{ id: lid, phoneNumber: phone, admin: null }]);
    const about = () => textsTo(CELL_GROUP).filter((t) => t.includes('+4915199999999'));
    const before = sock.removed.length;
    const original = sock.groupParticipantsUpdate;
    // The removal waits until both have been handled: one removal job, or two, is then visible.
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    sock.groupParticipantsUpdate = async (...args) => {
      await held;
      return original.apply(sock, args);
    };
    try {
      sock.groups.set(CELL_GROUP, meta);
      await reconcileCellGroups(app.deps, app.transport as ChatTransport);
      const notices = (await audited('group.membership', CELL_GROUP)).length;
      added(CELL_GROUP, meta, { id: lid, phoneNumber: phone });
      await waitFor(async () => (await audited('group.membership', CELL_GROUP)).length > notices || undefined, 10_000, 'the notice');
      await settle(app);
      release();
      await waitFor(async () => about().find((t) => t.startsWith('✅')), 10_000, 'the removal told');
      await settle(app);
    } finally {
      sock.groupParticipantsUpdate = original;
      release();
    }
    expect(about()).toEqual([
      '⚠️ Membership guard: +4915199999999 is in "Crisis cell" but not on the staff roster (found by the periodic check). They are being removed automatically.',
      '✅ Membership guard: +4915199999999 was removed from the group.',
    ]);
    expect(sock.removed.slice(before)).toEqual([{ jid: CELL_GROUP, participants: [lid] }]);
  });

  it('reports at the next check a stranger whose warning could not be queued (Redis failing), not an hour later', async () => {
    const lid = '777000000000010@lid';
    const about = () => textsTo(CELL_GROUP).filter((t) => t.includes('+4915110101010'));
    sock.groups.set(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915110101010@s.whatsapp.net', admin: null }]));
    const send = app.deps.outbox.send;
    app.deps.outbox.send = async () => {
      throw new Error('Connection is closed.');
    };
    try {
      await expect(reconcileCellGroups(app.deps, app.transport as ChatTransport)).rejects.toThrow('Connection is closed.');
    } finally {
      app.deps.outbox.send = send;
    }
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await waitFor(async () => about().find((t) => t.startsWith('✅')), 10_000, 'the removal told');
    expect(about()[0]).toContain('(found by the periodic check). They are being removed automatically.');
  });

  it('warns about and removes again a stranger added again right after the bot removed them', async () => {
    const lid = '777000000000011@lid';
    const phone = '4915111111112@s.whatsapp.net';
    const about = () => textsTo(CELL_GROUP).filter((t) => t.includes('+4915111111112'));
    for (const round of [1, 2]) {
      added(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: phone, admin: null }]), { id: lid, phoneNumber: phone });
      await waitFor(async () => about().filter((t) => t.startsWith('✅')).length === round || undefined, 10_000, `removal ${round}`);
    }
    expect(about().filter((t) => t.startsWith('⚠️'))).toHaveLength(2);
  });

  it('does not report again a stranger removed while a periodic check was reading the group', async () => {
    const lid = '777000000000013@lid';
    const phone = '4915113131313@s.whatsapp.net';
    const about = () => textsTo(CELL_GROUP).filter((t) => t.includes('+4915113131313'));
    const listed = lidGroup([{ id: lid, phoneNumber: phone, admin: null }]);
    // The check reads the member list, and WhatsApp answers only after the removal went through.
    let answer = () => {};
    const answered = new Promise<void>((r) => {
      answer = r;
    });
    const slow = Object.create(app.transport as ChatTransport) as ChatTransport;
    const members = (app.transport as ChatTransport).groupMembers?.bind(app.transport);
    let read: Awaited<ReturnType<NonNullable<ChatTransport['groupMembers']>>> | undefined;
    slow.groupMembers = async (id: string) => {
      if (id !== CELL_GROUP) return (await members?.(id)) ?? [];
      read ??= (await members?.(id)) ?? [];
      await answered;
      return read;
    };
    sock.groups.set(CELL_GROUP, listed);
    const check = reconcileCellGroups(app.deps, slow);
    await waitFor(async () => read !== undefined || undefined, 10_000, 'the check reading the group');
    added(CELL_GROUP, listed, { id: lid, phoneNumber: phone });
    await waitFor(async () => about().find((t) => t.startsWith('✅')), 10_000, 'the removal told');
    answer();
    await check;
    await settle(app);
    expect(about().filter((t) => t.startsWith('⚠️'))).toHaveLength(1);
  });

  it('reports a stranger whose report was claimed by a process that died before making it, once its lease ran out', async () => {
    const lid = '777000000000012@lid';
    const about = () => textsTo(CELL_GROUP).filter((t) => t.includes('+4915112121212'));
    // Claimed two minutes ago by a check that never told anyone (its process was killed).
    await app.deps.redis.zadd(app.deps.keys.membershipReported(CELL_GROUP), String(Date.now() - 120_000), '+4915112121212');
    await app.deps.redis.hset(app.deps.keys.membershipReportedBy(CELL_GROUP), '+4915112121212', 'membership-check:dead:1');
    sock.groups.set(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915112121212@s.whatsapp.net', admin: null }]));
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await waitFor(async () => about().find((t) => t.startsWith('✅')), 10_000, 'the removal told');
    expect(about()[0]).toContain('(found by the periodic check)');
  });

  it('still removes a stranger from a phone-addressed group by their phone', async () => {
    const stranger = '4915133333333@s.whatsapp.net';
    const meta = {
      id: PN_GROUP,
      subject: 'Consular cell',
      addressingMode: 'pn',
      participants: [
        { id: '15550000000@s.whatsapp.net', lid: OWN_LID, admin: 'admin' },
        { id: '15550000001@s.whatsapp.net', lid: DUTY_LID, admin: 'superadmin' },
        { id: stranger, lid: '777000000000003@lid', admin: null },
      ],
    } as GroupMetadata;
    const before = sock.removed.length;
    added(PN_GROUP, meta, { id: stranger });
    await waitFor(async () => sock.removed.length > before || undefined, 10_000, 'the removal');
    await waitFor(async () => (await audited('membership.removed', PN_GROUP)).length > 0 || undefined, 10_000, 'the audit');
    expect(sock.removed.slice(before)).toEqual([{ jid: PN_GROUP, participants: [stranger] }]);
    expect(sock.groups.get(PN_GROUP)?.participants.map((p) => p.id)).not.toContain(stranger);
  });

  it('tells the cell when WhatsApp refuses to remove the stranger, and does not record them as removed', async () => {
    const lid = '777000000000004@lid';
    sock.removalErrors.set(lid, '403');
    const removedBefore = (await audited('membership.removed', CELL_GROUP)).length;
    added(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915144444444@s.whatsapp.net', admin: null }]), {
      id: lid,
      phoneNumber: '4915144444444@s.whatsapp.net',
    });
    const refusal = await waitFor(
      async () => textsTo(CELL_GROUP).find((t) => t.startsWith('⚠️ Membership guard could not remove')),
      10_000,
      'the refusal told to the cell',
    );
    await settle(app);
    expect(refusal).toBe(
      '⚠️ Membership guard could not remove the unknown member(s): WhatsApp refused to remove +4915144444444 (error 403). A group admin must do it.',
    );
    expect(sock.removed.at(-1)).toEqual({ jid: CELL_GROUP, participants: [lid] });
    const failed = await audited('membership.removal_failed', CELL_GROUP);
    expect(failed.map((e) => ({ code: e.data.code, reason: e.data.reason }))).toEqual([{ code: 'refused', reason: 'error 403' }]);
    expect(JSON.stringify(failed)).not.toContain('4915144444444');
    expect(await audited('membership.removed', CELL_GROUP)).toHaveLength(removedBefore);
  });

  it('sends no removal for a stranger who left before it, and audits them as gone', async () => {
    const lid = '777000000000006@lid';
    const removedBefore = (await audited('membership.removed', CELL_GROUP)).length;
    const before = sock.removed.length;
    // Announced as added, but gone from the member list by the time of the removal.
    added(CELL_GROUP, lidGroup([]), { id: lid, phoneNumber: '4915166666666@s.whatsapp.net' });
    const entries = await waitFor(
      async () => {
        const all = await audited('membership.removed', CELL_GROUP);
        return all.length > removedBefore ? all.slice(removedBefore) : undefined;
      },
      10_000,
      'the audit',
    );
    await settle(app);
    expect(entries.map((e) => e.data.alreadyGone)).toEqual([true]);
    expect(sock.removed).toHaveLength(before);
  });

  it('tells the cell when WhatsApp refuses the whole removal request', async () => {
    const lid = '777000000000005@lid';
    const original = sock.groupParticipantsUpdate;
    // What Baileys throws for an <error code="400" text="bad-request"/> answer (assertNodeErrorFree).
    sock.groupParticipantsUpdate = async () => {
      throw new Boom('bad-request', { data: 400 });
    };
    const before = textsTo(CELL_GROUP).filter((t) => t.startsWith('⚠️ Membership guard could not remove')).length;
    added(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915155555555@s.whatsapp.net', admin: null }]), {
      id: lid,
      phoneNumber: '4915155555555@s.whatsapp.net',
    });
    const refusal = await waitFor(
      async () => textsTo(CELL_GROUP).filter((t) => t.startsWith('⚠️ Membership guard could not remove'))[before],
      10_000,
      'the refusal told to the cell',
    );
    sock.groupParticipantsUpdate = original;
    expect(refusal).toBe(
      '⚠️ Membership guard could not remove the unknown member(s): WhatsApp refused the removal (error 400: bad-request). A group admin must do it.',
    );
  });

  it('tells the cell once, after the last try, when WhatsApp answers every try with a server error', async () => {
    const lid = '777000000000007@lid';
    const original = sock.groupParticipantsUpdate;
    let tries = 0;
    // What Baileys throws for an <error code="500" text="internal-server-error"/> answer, every time.
    sock.groupParticipantsUpdate = async () => {
      tries++;
      throw new Boom('internal-server-error', { data: 500 });
    };
    const removals = new Queue(REMOVALS, { connection: app.deps.queueConnection, prefix: app.prefix });
    const told = () => textsTo(CELL_GROUP).filter((t) => t.startsWith('⚠️ Membership guard could not remove'));
    const toldBefore = told().length;
    const failedBefore = (await audited('membership.removal_failed', CELL_GROUP)).length;
    try {
      added(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915177777777@s.whatsapp.net', admin: null }]), {
        id: lid,
        phoneNumber: '4915177777777@s.whatsapp.net',
      });
      // Five tries; between them, the retry waiting out its backoff is made due now.
      for (let t = 1; t < 5; t++) {
        await waitFor(async () => (tries >= t && (await removals.getDelayedCount()) > 0) || undefined, 10_000, `try ${t}`);
        expect(told(), `after try ${t}`).toHaveLength(toldBefore);
        await removals.promoteJobs();
      }
      const message = await waitFor(async () => told()[toldBefore], 10_000, 'the failure told to the cell');
      await waitFor(async () => (await removals.getFailedCount()) > 0 || undefined, 10_000, 'the job failed');
      await settle(app);
      expect(tries).toBe(5);
      expect(message).toBe(
        '⚠️ Membership guard could not remove the unknown member(s): 5 tries to remove +4915177777777 failed (WhatsApp answered error 500: internal-server-error). A group admin must do it.',
      );
      expect(told()).toHaveLength(toldBefore + 1);
      const failed = (await audited('membership.removal_failed', CELL_GROUP)).slice(failedBefore);
      expect(failed.map((e) => e.data)).toEqual([{ code: 'removal_error', tries: 5 }]);
    } finally {
      sock.groupParticipantsUpdate = original;
      await removals.close();
    }
  });

  it('counts a removal that times out while WhatsApp is connected as a try, and tells the cell after the last one', async () => {
    const lid = '777000000000008@lid';
    const original = sock.groupParticipantsUpdate;
    let tries = 0;
    // What Baileys throws for a query WhatsApp does not answer in time (the connection stays open).
    sock.groupParticipantsUpdate = async () => {
      tries++;
      throw new Boom('Timed Out', { statusCode: 408, data: { startTime: new Date() } });
    };
    const removals = new Queue(REMOVALS, { connection: app.deps.queueConnection, prefix: app.prefix });
    const told = () => textsTo(CELL_GROUP).filter((t) => t.startsWith('⚠️ Membership guard could not remove'));
    const toldBefore = told().length;
    const failedBefore = (await audited('membership.removal_failed', CELL_GROUP)).length;
    try {
      added(CELL_GROUP, lidGroup([{ id: lid, phoneNumber: '4915188888888@s.whatsapp.net', admin: null }]), {
        id: lid,
        phoneNumber: '4915188888888@s.whatsapp.net',
      });
      // Five tries; between them, the retry waiting out its backoff (or, before, the wait for a
      // connection that was open all along) is made due now.
      for (let t = 1; t < 5; t++) {
        await waitFor(async () => (tries >= t && (await removals.getDelayedCount()) > 0) || undefined, 10_000, `try ${t}`);
        expect(told(), `after try ${t}`).toHaveLength(toldBefore);
        await removals.promoteJobs();
      }
      const message = await waitFor(async () => told()[toldBefore], 10_000, 'the failure told to the cell');
      await waitFor(async () => (await removals.getFailedCount()) > 1 || undefined, 10_000, 'the job failed');
      await settle(app);
      expect(tries).toBe(5);
      expect(message).toBe(
        '⚠️ Membership guard could not remove the unknown member(s): 5 tries to remove +4915188888888 failed (WhatsApp did not answer in time: Timed Out). A group admin must do it.',
      );
      expect(told()).toHaveLength(toldBefore + 1);
      const failed = (await audited('membership.removal_failed', CELL_GROUP)).slice(failedBefore);
      expect(failed.map((e) => e.data)).toEqual([{ code: 'removal_timeout', tries: 5 }]);
    } finally {
      sock.groupParticipantsUpdate = original;
      await removals.close();
    }
  });
});
