import { type BaileysEventMap, type GroupParticipant, proto, toNumber, type WAMessage } from '@whiskeysockets/baileys';
import type { DeliveryUpdate, MembershipChange } from '../chat-transport.ts';
import type { BaileysSocket, BaileysTransport } from './baileys-transport.ts';
import {
  forwardable,
  lidOfJid,
  lidPairsOf,
  phoneOfJid,
  senderOf,
  sentByOwnAccount,
  toInboundMessage,
  undecryptableOf,
} from './inbound-mapper.ts';
import { pollVoteOf } from './poll-votes.ts';
import type { RedisAuthState } from './redis-auth-state.ts';

const Status = proto.WebMessageInfo.Status;

/** Our delivery state for a Baileys message status (PENDING says nothing new). */
export function deliveryStateOf(status: number | null | undefined): DeliveryUpdate['state'] | undefined {
  if (status === Status.ERROR) return 'failed';
  if (status === Status.SERVER_ACK) return 'sent';
  if (status === Status.DELIVERY_ACK) return 'delivered';
  if (status === Status.READ || status === Status.PLAYED) return 'read';
  return undefined;
}

/**
 * Error code WhatsApp acks a 1:1 message with when it carries no trusted-contact token while the
 * account may not start chats: WhatsApp blocks new chats and keeps the existing ones (Baileys rc14,
 * Utils/decode-wa-message: SERVER_ERROR_CODES.MessageAccountRestriction; Socket/messages-recv: handleBadAck).
 */
const ACCOUNT_RESTRICTED = '463';

/**
 * Subscribes the adapter to one socket's events. `current` turns false once the socket is
 * replaced, so a dead socket's late events are ignored. A failing handler is logged, never thrown.
 */
export function bindSocketEvents(t: BaileysTransport, sock: BaileysSocket, auth: RedisAuthState, current: () => boolean): void {
  const on = <E extends keyof BaileysEventMap>(event: E, handler: (arg: BaileysEventMap[E]) => Promise<void>) => {
    sock.ev.on(event, (arg) => {
      if (!current()) return;
      handler(arg).catch((err: Error) => t.log.error({ event, err: err.message }, 'WhatsApp event handler failed'));
    });
  };
  let qrSeen = false;
  on('creds.update', () => auth.saveCreds());
  on('connection.update', async (u) => {
    if (u.qr) {
      await t.onQr(u.qr, sock, !qrSeen);
      qrSeen = true;
    }
    if (u.reachoutTimeLock) {
      if (u.reachoutTimeLock.isActive) await t.restrict('reachout_timelock', u.reachoutTimeLock.timeEnforcementEnds?.getTime());
      else await t.unrestrict('reachout_timelock');
    }
    if (u.connection === 'open') await t.onOpen();
    else if (u.connection === 'connecting' && !u.qr) t.report('connecting');
    else if (u.connection === 'close') await t.onClose(u.lastDisconnect?.error);
  });
  // 'notify' is a live message; 'append' is what WhatsApp held for us while the gateway was offline
  // (Baileys 7 tags offline stanzas so), our own send echoes, and group notices. History sync never comes
  // here (it is messaging-history.set), so both types are reports to handle; own messages are skipped.
  on('messages.upsert', async ({ messages }) => {
    await Promise.all(
      messages.map((m) =>
        t.inOrder
          .run(`${m.key?.remoteJid}|${m.key?.participant ?? ''}`, () => receive(t, sock, m))
          .catch((err: Error) => t.log.error({ id: m.key?.id, err: err.message }, 'cannot handle one inbound WhatsApp message')),
      ),
    );
  });
  on('messages.update', async (updates) => {
    for (const { key, update } of updates) {
      const state = deliveryStateOf(update.status);
      if (!key.fromMe || !key.id || !state) continue;
      const error = state === 'failed' ? String((update.messageStubParameters as unknown[] | undefined)?.[0] ?? 'error') : undefined;
      if (error === ACCOUNT_RESTRICTED) await t.refused(key.id, key.remoteJid);
      else {
        // Whom a failed message was for (a person; not a group): the app tells the cell who was not reached.
        const to = error !== undefined ? (phoneOfJid(key.remoteJid) ?? lidOfJid(key.remoteJid)) : undefined;
        await t.sink?.delivery?.({ messageId: key.id, state, at: Date.now(), ...(error ? { error } : {}), ...(to ? { to } : {}) });
      }
    }
  });
  on('message-receipt.update', async (receipts) => {
    for (const { key, receipt } of receipts) {
      if (!key.fromMe || !key.id) continue;
      const read = toNumber(receipt.readTimestamp ?? 0) || toNumber(receipt.playedTimestamp ?? 0);
      const delivered = toNumber(receipt.receiptTimestamp ?? 0);
      if (!read && !delivered) continue;
      await t.sink?.delivery?.({ messageId: key.id, state: read ? 'read' : 'delivered', at: (read || delivered) * 1000 });
    }
  });
  on('group-participants.update', async (e) => {
    await t.store.forgetGroup(e.id);
    void t.groups.fetch(e.id).catch(() => {});
    const change = membershipOf(e);
    await t.store.learnLids(change.participants.flatMap((p) => (p.lid && p.phone ? [{ lid: p.lid, phone: p.phone }] : [])));
    if (e.action === 'modify') return;
    // Someone added under a LID alone is named by their phone when the gateway or Baileys knows it:
    // a rostered officer is then no stranger to the membership guard.
    const participants = await t.hidden.identify(change.participants, sock);
    await t.sink?.membership?.({ ...change, participants } as MembershipChange);
  });
  // Calls nobody took: rang out (timeout), declined on the phone (reject), or hung up before anyone
  // answered (terminate without accept); a call made while the gateway was offline comes as an offline
  // offer. An answered call (accept, on the embassy's phone) is nobody's business here. The accept is
  // also kept in Redis for a few hours: a gateway restarted during the call (a new process, or a new
  // socket) sees the end without the accept, and must not report a call that was answered.
  const answered = new Set<string>();
  on('call', async (calls) => {
    for (const c of calls) {
      if (c.isGroup || c.groupJid || !c.id) continue;
      if (c.status === 'accept') {
        answered.add(c.id);
        await t.store.callAnswered(c.id);
        continue;
      }
      const ended = c.status === 'timeout' || c.status === 'reject' || c.status === 'terminate';
      if (!ended && !(c.status === 'offer' && c.offline)) continue;
      if (answered.delete(c.id)) continue;
      if (await t.store.wasCallAnswered(c.id)) continue;
      const from = senderOf(c.from, c.callerPn);
      if (!from.phone && !from.lid) continue;
      // The embassy account calling from another of its devices is no caller.
      if (sentByOwnAccount({ remoteJid: c.from, remoteJidAlt: c.callerPn, fromMe: false }, sock.user ?? {})) continue;
      const at = c.date instanceof Date && !Number.isNaN(c.date.getTime()) ? c.date.getTime() : Date.now();
      await t.sink?.missedCall?.({ id: c.id, from, at, video: !!c.isVideo });
    }
  });
  on('groups.update', async (updates) => {
    for (const g of updates) if (g.id) await t.store.forgetGroup(g.id);
  });
  on('groups.upsert', async (groups) => {
    for (const g of groups) await t.store.saveGroup(g);
  });
  on('lid-mapping.update', async (m) => learnPair(t, m.lid, m.pn));
  on('messaging-history.set', async (h) => {
    for (const m of h.lidPnMappings ?? []) await learnPair(t, m.lid, m.pn);
  });
  on('message-capping.update', async (cap) => {
    if (cap.capping_status === 'CAPPED') {
      const end = Number(cap.cycle_end_timestamp);
      await t.restrict('message_capping', Number.isFinite(end) && end > 0 ? end * 1000 : undefined);
      return;
    }
    await t.unrestrict('message_capping');
    if (cap.capping_status === 'FIRST_WARNING' || cap.capping_status === 'SECOND_WARNING') {
      await t.alert({
        code: 'message_capping',
        message: `WhatsApp warns the embassy number is near its cap on new chats (${cap.capping_status}, ${cap.used_quota ?? '?'} of ${cap.total_quota ?? '?'} used). Slow down broadcasts to people who never wrote to us.`,
        data: { status: cap.capping_status, used: cap.used_quota, total: cap.total_quota },
      });
    }
  });
}

/** How long a message waits for its LID pair and key to be stored before it goes to the app anyway. */
const STORE_WAIT_MS = 3_000;

/**
 * One upserted message: learn its LID pair, hand it to the app, then mark it read. While Redis is
 * down the store writes wait for it, so the message goes on to the app (whose sink keeps it in the
 * local spool) after STORE_WAIT_MS instead of waiting in memory only.
 */
async function receive(t: BaileysTransport, sock: BaileysSocket, m: WAMessage): Promise<void> {
  const learning = t.store.learnLids(lidPairsOf(m.key));
  // The embassy's own messages (a broadcast list sent from its phone) are no report, nor a vote.
  if (sentByOwnAccount(m.key, sock.user ?? {})) {
    await learning;
    return;
  }
  const direct = toInboundMessage(m, sock.user ?? {});
  if (!direct) await learning;
  const unreadable = direct ? undefined : undecryptableOf(m);
  if (unreadable) {
    t.log.warn({ id: unreadable.id, reason: unreadable.reason }, 'a WhatsApp message could not be decrypted; waiting for its retry');
    await t.sink?.undecryptable?.(unreadable);
    return;
  }
  const inbound = direct ?? (await pollVoteOf(t.store, m, sock.user ?? {}));
  if (!inbound) return;
  // A photo, video, voice note or document is kept as delivered, to be forwarded to the cell.
  const sender = inbound.from.phone ?? inbound.from.lid;
  const media = inbound.media && !inbound.fromMe && sender && forwardable(m) ? t.store.saveMedia(m, sender) : undefined;
  const storing = Promise.all([learning, t.store.saveKey(m.key, sender), media]);
  storing.catch((err: Error) => t.log.warn({ id: m.key?.id, err: err.message }, 'cannot store an inbound message key'));
  await Promise.race([storing, new Promise((r) => setTimeout(r, STORE_WAIT_MS).unref())]);
  await t.sink?.message(inbound);
  await sock.readMessages([m.key]).catch(() => {});
}

async function learnPair(t: BaileysTransport, lidJid: string, pnJid: string): Promise<void> {
  const lid = lidOfJid(lidJid);
  const phone = phoneOfJid(pnJid) ?? phoneOfJid(`${pnJid}@s.whatsapp.net`);
  if (lid && phone) await t.store.learnLids([{ lid, phone }]);
}

/** Our membership change from Baileys' v7 event (participants are objects with id, phoneNumber, lid). */
export function membershipOf(e: BaileysEventMap['group-participants.update']): Omit<MembershipChange, 'action'> & { action: string } {
  const participants = e.participants.map((p: GroupParticipant | string) =>
    typeof p === 'string' ? senderOf(p) : senderOf(p.id, p.phoneNumber, p.lid),
  );
  const by = e.author ? senderOf(e.author, e.authorPn) : undefined;
  return { groupId: e.id, action: e.action, participants, ...(by && (by.phone || by.lid) ? { by } : {}), at: Date.now() };
}
