import { createHash } from 'node:crypto';
import makeWASocket, { type UserFacingSocketConfig, type WASocket } from '@whiskeysockets/baileys';
import type { Redis } from 'ioredis';
import { InOrder } from '../../domain/in-order.ts';
import type { Logger } from '../../observability/logger.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import type { RedisKeys } from '../../store/keys.ts';
import {
  type ChatAddress,
  type ChatSender,
  type ChatTransport,
  type ConnectionState,
  type GroupListing,
  type OutboundMessage,
  type RemovalOutcome,
  type SendHold,
  type SendRestriction,
  type SendResult,
  TransportError,
  type TransportEvents,
} from '../chat-transport.ts';
import { AccountRestriction, endOf, type Restriction, type RestrictionReason } from './account-restriction.ts';
import { type BackoffOptions, DEFAULT_BACKOFF, decideReconnect, lostConnection, statusCodeOf } from './connection-policy.ts';
import { GatewayLease, type GatewayLeaseOptions } from './gateway-lease.ts';
import { GroupAdmin } from './group-admin.ts';
import { HiddenNumbers } from './hidden-numbers.ts';
import { jidOf, lidOfJid, phoneOfJid } from './inbound-mapper.ts';
import { contentOf, quotedOf } from './outbound-content.ts';
import { keepQr, showPairing } from './pairing.ts';
import { type RedisAuthState, redisSignalKeyStore, useRedisAuthState } from './redis-auth-state.ts';
import { LID_MAPPING } from './session-lids.ts';
import { bindSocketEvents } from './socket-events.ts';
import { alertStaff, type TransportAlert } from './staff-alert.ts';
import { TrustedContacts } from './trusted-contacts.ts';
import { WhatsAppStore } from './whatsapp-store.ts';

/** The part of a Baileys socket the adapter uses (a test fake implements just this). */
export type BaileysSocket = Pick<
  WASocket,
  | 'ev'
  | 'sendMessage'
  | 'readMessages'
  | 'groupMetadata'
  | 'groupParticipantsUpdate'
  | 'groupCreate'
  | 'groupFetchAllParticipating'
  | 'requestPairingCode'
  | 'end'
  | 'user'
  | 'signalRepository'
>;

/** Makes a socket from a Baileys config; default: Baileys' makeWASocket. */
export type SocketFactory = (config: UserFacingSocketConfig) => BaileysSocket;

/** What the adapter needs and the knobs tests turn. */
export interface BaileysTransportOptions {
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  audit: AuditLog;
  /** Pair by code with this number (digits or E.164) instead of scanning a QR. */
  pairingNumber?: string;
  socketFactory?: SocketFactory;
  /** The one-holder-per-number lease; false to run without (tests of one gateway only). */
  lease?: GatewayLeaseOptions | false;
  backoff?: Partial<BackoffOptions>;
  random?: () => number;
  /** Prints the QR (or pairing code) in the terminal (default true). */
  printQr?: boolean;
  /** How often a restriction is re-read from Redis (an admin may lift it). Default 15 s. */
  restrictionPollMs?: number;
}

/** The WhatsApp id of a message derived from our idempotency key: a retried send is the same message. */
export function whatsappIdFor(idempotencyKey: string): string {
  return `3EB0${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 18).toUpperCase()}`;
}

/** The ChatTransport on a real WhatsApp number, through Baileys 7. */
export class BaileysTransport implements ChatTransport {
  readonly name = 'baileys' as const;
  readonly store: WhatsAppStore;
  /**
   * One chat's messages go to the app one at a time, in the order WhatsApp delivered them (across
   * upsert events too: a message whose key is slow to store holds back the ones after it, never
   * another chat's).
   */
  readonly inOrder = new InOrder();
  readonly restriction: AccountRestriction;
  readonly groups: GroupAdmin;
  /** The phones behind LIDs. */
  readonly hidden: HiddenNumbers;
  /** Contacts whose chat WhatsApp counts as established (they gave us their tctoken). */
  readonly trusted: TrustedContacts;
  private events: TransportEvents | undefined;
  private sock: BaileysSocket | undefined;
  private auth: RedisAuthState | undefined;
  private connection: ConnectionState = 'closed';
  private running = false;
  private generation = 0;
  private attempt = 0;
  private replacedInARow = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private restrictionTimer: NodeJS.Timeout | undefined;
  private readonly lease: GatewayLease | undefined;
  private readonly backoff: BackoffOptions;
  private readonly retryCounts = new Map<string, unknown>();
  /** Listens for DELETEs that erased LID pairs from the session (keys.waLidsForgotten). */
  private erasures: Redis | undefined;
  /**
   * Sends not recorded yet (saveSent), by WhatsApp id: resolved once recorded (or failed). WhatsApp's
   * answer to a message can be handled before Baileys' sendMessage returns (it still writes the
   * session keys then): a 463 for it waits for the record, which it needs to send the message again.
   */
  private readonly recording = new Map<string, Promise<void>>();

  constructor(private readonly opts: BaileysTransportOptions) {
    this.store = new WhatsAppStore(opts.redis, opts.keys);
    this.restriction = new AccountRestriction(opts.redis, opts.keys);
    this.trusted = new TrustedContacts(redisSignalKeyStore(opts.redis, opts.keys), opts.log);
    // A socket still connecting (or reconnecting) cannot act on groups: they wait for an open one.
    const open = () => (this.connection === 'open' ? this.sock : undefined);
    this.hidden = new HiddenNumbers(this.store, open);
    this.groups = new GroupAdmin(this.store, open, this.hidden);
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    if (opts.lease !== false) this.lease = new GatewayLease(opts.redis, opts.keys.gatewayLease, opts.log, opts.lease ?? {});
  }

  get log(): Logger {
    return this.opts.log;
  }

  async start(events: TransportEvents): Promise<void> {
    this.events = events;
    this.running = true;
    await this.restriction.refresh();
    this.restrictionTimer = setInterval(() => void this.checkRestriction(), this.opts.restrictionPollMs ?? 15_000);
    this.restrictionTimer.unref();
    this.report('connecting', this.lease ? { waitingFor: 'gateway lease' } : undefined);
    await this.listenForErasures();
    void this.run();
  }

  /**
   * A citizen's DELETE (run by a worker, maybe in another process) erases their LID pairs from the
   * session in Redis, then says so on keys.waLidsForgotten: the gateway empties the copies it keeps
   * in memory (its key cache's `lid-mapping` entries, and the socket's LIDMappingStore cache, which
   * Baileys rc14 empties with close(): the store stays usable and reads Redis again).
   */
  private async listenForErasures(): Promise<void> {
    const sub = this.opts.redis.duplicate();
    this.erasures = sub;
    sub.on('error', (err: Error) => this.log.warn({ err: err.message }, 'erasure listener: Redis error'));
    sub.on('message', () => this.forgetCachedLids());
    // What was said on the channel while this connection was down (a network blip, a Redis restart)
    // never reaches it: once subscribed again, the copies are emptied anyway (they are read again).
    sub.on('ready', () => {
      sub.subscribe(this.opts.keys.waLidsForgotten).then(
        () => this.forgetCachedLids(),
        () => {},
      );
    });
    await sub.subscribe(this.opts.keys.waLidsForgotten).catch((err: Error) => {
      this.log.error({ err: err.message }, 'cannot listen for erased LID pairs');
    });
  }

  /** Empties the in-memory LID mapping of the session (what Redis holds is what is true). */
  forgetCachedLids(): void {
    this.auth?.forgetCached(LID_MAPPING);
    this.sock?.signalRepository?.lidMapping?.close();
  }

  private async run(): Promise<void> {
    if (this.lease && !(await this.lease.acquire(() => void this.onLeaseLost()))) return;
    await this.connect();
  }

  private async onLeaseLost(): Promise<void> {
    this.dropSocket();
    this.report('closed', { reason: 'gateway lease lost' });
    if (this.running) void this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.restrictionTimer);
    this.dropSocket();
    await this.erasures?.quit().catch(() => this.erasures?.disconnect());
    this.erasures = undefined;
    await this.lease?.release();
    this.report('closed');
  }

  /** The connection: a restriction on new chats leaves it open (groups and recent chats go on). */
  state(): ConnectionState {
    return this.connection;
  }

  sendRestriction(): SendRestriction | undefined {
    const r = this.restriction.get();
    return r ? { reason: r.reason, since: r.since, until: endOf(r) } : undefined;
  }

  /** Opens a new socket on the stored session. */
  private async connect(): Promise<void> {
    if (!this.running) return;
    const generation = ++this.generation;
    try {
      this.auth = await useRedisAuthState(this.opts.redis, this.opts.keys, this.log);
      const sock = (this.opts.socketFactory ?? (makeWASocket as unknown as SocketFactory))({
        auth: this.auth.state,
        logger: this.log.child({ module: 'baileys' }, { level: 'warn' }) as never,
        markOnlineOnConnect: false,
        syncFullHistory: false,
        getMessage: (key) => this.store.getSent(key.id),
        cachedGroupMetadata: (jid) => this.store.group(jid),
        msgRetryCounterCache: this.retryCache(),
      });
      this.sock = sock;
      bindSocketEvents(this, sock, this.auth, () => generation === this.generation);
      this.report('connecting');
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'cannot open a WhatsApp socket');
      const d = decideReconnect(undefined, this.attempt, 0, this.backoff, this.opts.random);
      this.scheduleReconnect(undefined, d.action === 'backoff' ? d.delayMs : this.backoff.baseMs);
    }
  }

  /** A retry-count cache that outlives sockets (Baileys' advice: avoids retry loops across restarts). */
  private retryCache() {
    const m = this.retryCounts;
    return {
      get: <T>(k: string) => m.get(k) as T | undefined,
      set: <T>(k: string, v: T) => {
        if (m.size > 10_000) m.clear();
        m.set(k, v);
      },
      del: (k: string) => void m.delete(k),
      flushAll: () => m.clear(),
    };
  }

  private dropSocket(): void {
    this.generation++;
    const sock = this.sock;
    this.sock = undefined;
    if (sock) void sock.end(undefined)?.catch?.(() => {});
  }

  /** Tells the app (and through it /readyz and the outbound worker) the connection state, and any restriction. */
  report(state: ConnectionState, detail?: Record<string, unknown>): void {
    this.connection = state;
    const r = this.restriction.get();
    this.events?.connection?.(state, r ? { ...detail, ...restrictionDetail(r) } : detail);
  }

  get sink(): TransportEvents | undefined {
    return this.events;
  }

  /** Socket opened: reset the backoff, forget the QR. */
  async onOpen(): Promise<void> {
    this.attempt = 0;
    this.replacedInARow = 0;
    await this.opts.redis.del(this.opts.keys.waQr, this.opts.keys.waPairingCode);
    this.log.info('WhatsApp connection open');
    this.report('open');
    // The embassy account's own LID is its number: a cell group that lists members by LID only
    // lists the bot so too, and the membership guard must not take it for a stranger to remove.
    const lid = lidOfJid(this.sock?.user?.lid);
    const phone = phoneOfJid(this.sock?.user?.id);
    if (lid && phone) await this.store.learnLids([{ lid, phone }]);
  }

  /** A QR to scan: keep it for the admin API, print it, and ask for a pairing code when configured. */
  async onQr(qr: string, sock: BaileysSocket, firstOfSocket: boolean): Promise<void> {
    const { redis, keys, pairingNumber } = this.opts;
    const pairing = { redis, keys, pairingNumber, print: this.opts.printQr !== false };
    await keepQr(pairing, qr);
    this.report('waiting_for_pairing');
    await showPairing(pairing, sock, qr, firstOfSocket);
  }

  /** The connection closed: decide by DisconnectReason what to do next. */
  async onClose(error: unknown): Promise<void> {
    this.generation++; // the closed socket's late events (e.g. creds) must not touch what follows
    this.sock = undefined;
    const code = statusCodeOf(error);
    const decision = decideReconnect(code, this.attempt, this.replacedInARow, this.backoff, this.opts.random);
    if (decision.action === 'logged_out') {
      this.report('logged_out');
      await this.auth?.clear();
      await this.opts.redis.del(this.opts.keys.waQr);
      await this.alert({
        code: 'logged_out',
        message:
          'WhatsApp logged the embassy number out; the session was cleared. Pair the number again (GET /api/whatsapp/qr or PAIRING_NUMBER).',
      });
      return this.connect();
    }
    if (decision.action === 'restart') {
      this.log.info({ statusCode: code }, 'WhatsApp asked for a restart; reconnecting now');
      return this.connect();
    }
    if (decision.action === 'refused') {
      this.report('closed', { reason: decision.reason, statusCode: code });
      await this.alert({
        code: 'account_refused',
        message: `WhatsApp refuses the embassy number (${code}: ${decision.reason.replace('_', ' ')}); the gateway stopped reconnecting so as not to make it worse. Check the number on the phone (WhatsApp shows why), then restart the gateway, or pair again if the phone unlinked it.`,
        data: { statusCode: code, reason: decision.reason },
      });
      return;
    }
    if (decision.action === 'replaced') {
      this.replacedInARow++;
      this.report('closed', { reason: 'replaced' });
      if (!decision.giveUp) this.later(decision.delayMs);
      await this.alert({
        code: 'replaced',
        message: decision.giveUp
          ? 'Another WhatsApp client keeps taking over the embassy session; the gateway stopped reconnecting. Close the other client, then restart the gateway.'
          : 'Another WhatsApp client took over the embassy session; the gateway will try once more later.',
        data: { inARow: this.replacedInARow },
      });
      return;
    }
    this.scheduleReconnect(code, decision.delayMs);
  }

  private scheduleReconnect(code: number | undefined, ms: number): void {
    this.attempt++;
    this.log.warn({ statusCode: code, attempt: this.attempt, delayMs: ms }, 'WhatsApp connection closed; reconnecting after backoff');
    this.report('closed', { reconnectInMs: ms, attempt: this.attempt, ...(code ? { statusCode: code } : {}) });
    this.later(ms);
  }

  private later(ms: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), ms);
  }

  async alert(alert: TransportAlert): Promise<void> {
    await alertStaff(this.opts, alert);
  }

  /**
   * WhatsApp stops the account from starting chats: messages to new chats are held (see holdFor),
   * groups and recent chats go on; staff are alerted once per restriction and reason.
   */
  async restrict(reason: RestrictionReason, until?: number): Promise<void> {
    const already = this.restriction.get();
    const r = await this.restriction.set(reason, until);
    this.report(this.connection);
    if (already?.reason === r.reason && already.until === r.until) return;
    const end = new Date(endOf(r)).toISOString();
    await this.alert({
      code: 'account_restricted',
      message: `WhatsApp stops the embassy number from starting new chats (${r.reason.replace(/_/g, ' ')}) ${r.until ? `until ${end}` : `(no end given: held until ${end})`}. Replies to people who wrote to the number in the last weeks and posts in the cell groups still go out; messages to anyone else (alerts to citizens who never wrote, DMs to staff who never wrote to it) are held and sent once it lifts. Nothing is retried into the restriction. An admin who knows WhatsApp lifted it resumes with DELETE /api/whatsapp/restriction.`,
      data: { reason: r.reason, until: endOf(r) },
    });
  }

  /**
   * WhatsApp says its time lock is over, or that the new-chat cap is no longer reached: that part
   * of the restriction lifts; once nothing is left, held messages go out.
   */
  async unrestrict(reason: 'reachout_timelock' | 'message_capping'): Promise<void> {
    const before = this.restriction.get();
    const sources = before?.sources ?? (before ? { [before.reason]: before } : {});
    if (!sources[reason] && !(reason === 'reachout_timelock' && sources.error_463)) return;
    const after = await this.restriction.lift(reason);
    this.log.info(
      { reason, still: after?.reason },
      after ? 'part of the WhatsApp restriction lifted' : 'WhatsApp restriction on new chats lifted; held messages go out',
    );
    this.report(this.connection);
  }

  /**
   * Under a restriction, a message to a chat WhatsApp would count as new must wait: a 1:1 chat
   * without the contact's tctoken (they have not written to the number in the last weeks), a
   * contact WhatsApp refused during this restriction, and the creation of a group (WhatsApp Web
   * offers no "new group" while time-locked). Groups the bot is in are no new chats.
   */
  async holdFor(to: ChatAddress, opts: { newGroup?: boolean } = {}): Promise<SendHold | undefined> {
    const r = this.restriction.get();
    if (!r) return undefined;
    const hold = { reason: r.reason, until: endOf(r) };
    if (opts.newGroup) return hold;
    if (to.kind === 'group') return undefined;
    if (await this.restriction.wasRefused(to.phone)) return hold;
    return (await this.trusted.has(to.phone)) ? undefined : hold;
  }

  /**
   * WhatsApp refused a message it had taken (error 463): the account may not start chats. The
   * restriction is recorded, the contact is held until it lifts, and the message is handed back to
   * the app to be sent again then (under the same id: WhatsApp never delivered it). A message that
   * cannot be handed back is reported failed.
   */
  async refused(messageId: string, remoteJid: string | null | undefined): Promise<void> {
    await this.recording.get(messageId);
    const sent = await this.store.sentRecord(messageId);
    const lid = lidOfJid(remoteJid);
    const contacts = [sent?.to, phoneOfJid(remoteJid), lid, lid ? await this.store.phoneOfLid(lid) : undefined];
    await this.restrict('error_463');
    await this.restriction.refuse([...new Set(contacts.filter((c): c is string => !!c))]);
    let again = false;
    if (sent && this.sink?.refused) {
      await this.store.forgetSent(messageId);
      again = await this.sink.refused({ messageId, idempotencyKey: sent.key, reason: '463' }).catch((err: Error) => {
        this.log.error({ id: messageId, err: err.message }, 'cannot queue a refused WhatsApp message again');
        return false;
      });
    }
    const to = sent?.to ?? phoneOfJid(remoteJid) ?? lid;
    if (!again) await this.sink?.delivery?.({ messageId, state: 'failed', at: Date.now(), error: '463', ...(to ? { to } : {}) });
  }

  private async checkRestriction(): Promise<void> {
    const before = this.restriction.get();
    const after = await this.restriction.refresh().catch(() => before);
    if (before && !after) this.report(this.connection);
  }

  async send(msg: OutboundMessage): Promise<SendResult> {
    const hold = await this.holdFor(msg.to);
    if (hold) {
      throw new TransportError(`WhatsApp stops the account from starting chats (${hold.reason}); held`, 'held', true, {
        holdUntil: hold.until,
      });
    }
    const sock = this.sock;
    if (!sock || this.connection !== 'open') throw new TransportError('WhatsApp is not connected', 'not_connected', true);
    const messageId = whatsappIdFor(msg.idempotencyKey);
    if (await this.store.wasSent(messageId)) return { messageId, duplicate: true };
    const jid = jidOf(msg.to);
    const content = await contentOf(this.store, msg, jid);
    const quoted = msg.replyTo && !msg.reaction ? await quotedOf(this.store, msg.replyTo, jid) : undefined;
    let recorded = () => {};
    this.recording.set(messageId, new Promise<void>((resolve) => (recorded = resolve)));
    try {
      let sent: Awaited<ReturnType<BaileysSocket['sendMessage']>>;
      try {
        sent = await sock.sendMessage(jid, content, { messageId, ...(quoted ? { quoted } : {}) });
      } catch (err) {
        // The connection went while sending (Baileys: "Connection Closed", a send that timed out): the
        // message is not at fault, and goes again once WhatsApp is back.
        const dropped = this.sock !== sock || this.connection !== 'open' || lostConnection(err);
        throw new TransportError(`WhatsApp send failed: ${(err as Error).message}`, dropped ? 'not_connected' : 'send_failed', true, {
          cause: err,
        });
      }
      const refusable = msg.to.kind === 'dm' ? { key: msg.idempotencyKey, to: msg.to.phone } : undefined;
      await this.store.saveSent(messageId, sent?.message ?? {}, refusable);
      return { messageId, duplicate: false };
    } finally {
      this.recording.delete(messageId);
      recorded();
    }
  }

  async groupMembers(groupId: string): Promise<ChatSender[]> {
    return this.groups.members(groupId);
  }

  async lidsOf(phones: string[]): Promise<{ phone: string; lid: string }[]> {
    return this.hidden.lidsOf(phones);
  }

  async createGroup(subject: string, participants: string[]): Promise<string> {
    return this.groups.create(subject, participants);
  }

  async listGroups(): Promise<GroupListing[]> {
    return this.groups.list();
  }

  async removeFromGroup(groupId: string, phones: string[]): Promise<RemovalOutcome> {
    return this.groups.remove(groupId, phones);
  }
}

/** How a restriction shows in the connection report (and so in /readyz and GET /api/whatsapp). */
function restrictionDetail(r: Restriction): Record<string, unknown> {
  return { restricted: r.reason, until: new Date(endOf(r)).toISOString(), holding: 'new_chats' };
}
