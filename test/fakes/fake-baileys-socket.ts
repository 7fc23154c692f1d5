import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Boom } from '@hapi/boom';
import {
  ACCOUNT_RESTRICTED_TEXT,
  type AnyMessageContent,
  addTransactionCapability,
  aesEncryptGCM,
  type BaileysEventMap,
  type BinaryNode,
  type GroupMetadata,
  generateForwardMessageContent,
  hmacSign,
  jidNormalizedUser,
  type MiscMessageGenerationOptions,
  proto,
  type UserFacingSocketConfig,
  type WAMessage,
  type WAMessageKey,
  WAMessageStatus,
} from '@whiskeysockets/baileys';
import { LIDMappingStore } from '@whiskeysockets/baileys/lib/Signal/lid-mapping.js';
import { resolveTcTokenJid, storeTcTokensFromIqResult } from '@whiskeysockets/baileys/lib/Utils/tc-token-utils.js';
import type { CoreDeps } from '../../src/app/deps.ts';
import { type BaileysSocket, BaileysTransport, type SocketFactory } from '../../src/transport/baileys/baileys-transport.ts';
import { waitFor } from './test-app.ts';

/** One sendMessage call the fake recorded. */
export interface FakeSend {
  jid: string;
  content: AnyMessageContent;
  options: MiscMessageGenerationOptions | undefined;
}

/**
 * A stand-in for a Baileys socket: an event emitter that records the handlers the adapter
 * subscribes, and records what the adapter asks of WhatsApp. Tests drive it with real
 * Baileys objects (proto.WebMessageInfo.fromObject) and Boom close errors.
 */
export class FakeBaileysSocket {
  readonly ev = new EventEmitter();
  readonly sent: FakeSend[] = [];
  readonly read: WAMessageKey[] = [];
  readonly removed: { jid: string; participants: string[] }[] = [];
  readonly pairingRequests: string[] = [];
  readonly groups = new Map<string, GroupMetadata>();
  ended = false;
  /** Per participant JID: the error WhatsApp answers its removal with (e.g. '403'). */
  readonly removalErrors = new Map<string, string>();
  /** Every group groupCreate made, in order. */
  readonly created: GroupMetadata[] = [];
  /** When set, the next groupCreate creates the group, then throws it (see groupCreate). */
  loseGroupCreateAnswer: Error | undefined;
  /** When set, sendMessage throws it. */
  failSend: Error | undefined;
  /**
   * When set, called with each send before sendMessage returns: WhatsApp's answer to a message (its
   * ack) can be handled while Baileys still writes the send's session keys, before sendMessage returns.
   */
  duringSend: ((send: FakeSend) => void) | undefined;
  user = { id: '15550000000:7@s.whatsapp.net', lid: '990000000000001:7@lid' };
  /** What WhatsApp answers a usync query with the LID protocol: phone JID (digits@s.whatsapp.net) → LID. */
  readonly usyncLids = new Map<string, string>();
  /** The phone JIDs each usync LID query asked about. */
  readonly usyncQueries: string[][] = [];
  /** Baileys' own LID mapping on this socket's key store; its network lookup is the fake usync above. */
  readonly signalRepository: { lidMapping: LIDMappingStore };

  constructor(readonly config: UserFacingSocketConfig) {
    const keys = addTransactionCapability(config.auth.keys, SILENT, { maxCommitRetries: 1, delayBetweenTriesMs: 1 });
    // As Baileys' pnFromLIDUSync: the pairs WhatsApp knows, for the phones asked about.
    const usync = async (jids: string[]) => {
      this.usyncQueries.push(jids);
      return jids.flatMap((pn) => {
        const lid = this.usyncLids.get(pn);
        return lid ? [{ pn, lid }] : [];
      });
    };
    this.signalRepository = { lidMapping: new LIDMappingStore(keys, SILENT, usync) };
  }

  /**
   * Baileys learnt that `lid` hides `pn` on its own (a message key's alternate JID, a usync answer to
   * one of its sends, a notification): stored in its mapping, with no event the adapter sees.
   */
  async baileysLearns(lid: string, pn: string): Promise<void> {
    await this.signalRepository.lidMapping.storeLIDPNMappings([{ lid, pn }]);
  }

  emitEvent<E extends keyof BaileysEventMap>(event: E, arg: BaileysEventMap[E]): void {
    this.ev.emit(event, arg);
  }

  open(): void {
    this.emitEvent('connection.update', { connection: 'open' });
  }

  /** Closes the connection as Baileys does: a Boom carrying a DisconnectReason status code. */
  close(statusCode: number): void {
    this.emitEvent('connection.update', {
      connection: 'close',
      lastDisconnect: { error: new Boom('Connection Failure', { statusCode }), date: new Date() },
    });
  }

  /**
   * A contact's phone gave us its trusted-contact token, as it does when the contact writes to the
   * embassy number: Baileys' own code stores the LID mapping and the `<notification type="privacy_token">`
   * token (Socket/messages-recv: handlePrivacyTokenNotification) into this socket's auth key store.
   */
  async trustedContact(o: { phone: string; lid?: string; at?: number }): Promise<void> {
    const keys = addTransactionCapability(this.config.auth.keys, SILENT, { maxCommitRetries: 1, delayBetweenTriesMs: 1 });
    const pn = `${o.phone.replace(/\D/g, '')}@s.whatsapp.net`;
    const lids = new LIDMappingStore(keys, SILENT);
    if (o.lid) await lids.storeLIDPNMappings([{ lid: o.lid, pn }]);
    const getLIDForPN = (jid: string) => lids.getLIDForPN(jid);
    const token: BinaryNode = {
      tag: 'token',
      attrs: { jid: this.user.id, t: String(o.at ?? Math.floor(Date.now() / 1000)), type: 'trusted_contact' },
      content: randomBytes(24),
    };
    const node: BinaryNode = {
      tag: 'notification',
      attrs: { from: pn, type: 'privacy_token', ...(o.lid ? { sender_lid: o.lid } : {}) },
      content: [{ tag: 'tokens', attrs: {}, content: [token] }],
    };
    await storeTcTokensFromIqResult({ result: node, fallbackJid: o.lid ?? (await resolveTcTokenJid(pn, getLIDForPN)), keys, getLIDForPN });
  }

  /**
   * WhatsApp refuses a message it took with error 463 (no trusted-contact token while the account
   * may not start chats): what Baileys rc14 emits for that ack (Socket/messages-recv: handleBadAck).
   */
  refuse463(messageId: string, jid: string): void {
    this.emitEvent('messages.update', [
      {
        key: { remoteJid: jid, fromMe: true, id: messageId },
        update: { status: WAMessageStatus.ERROR, messageStubParameters: ['463', ACCOUNT_RESTRICTED_TEXT] },
      },
    ]);
  }

  /** Delivers messages as `messages.upsert`. */
  upsert(messages: WAMessage[], type: 'notify' | 'append' = 'notify'): void {
    this.emitEvent('messages.upsert', { messages, type });
  }

  async sendMessage(jid: string, content: AnyMessageContent, options?: MiscMessageGenerationOptions): Promise<WAMessage> {
    if (this.failSend) throw this.failSend;
    this.sent.push({ jid, content, options });
    this.duringSend?.({ jid, content, options });
    return proto.WebMessageInfo.fromObject({
      key: { remoteJid: jid, id: options?.messageId, fromMe: true },
      message: messageOf(content),
      messageTimestamp: Math.floor(Date.now() / 1000),
    }) as WAMessage;
  }

  async readMessages(keys: WAMessageKey[]): Promise<void> {
    this.read.push(...keys);
  }

  async groupMetadata(jid: string): Promise<GroupMetadata> {
    const g = this.groups.get(jid);
    if (!g) throw new Boom('item-not-found', { statusCode: 404 });
    return g;
  }

  /**
   * Removes members as WhatsApp does, answering member by member (Baileys: status '200', else the
   * error code): a JID the group does not list a member under (say a phone JID in a group that lists
   * members by LID) is not a participant, '404'; `removalErrors` scripts other refusals by JID.
   */
  async groupParticipantsUpdate(jid: string, participants: string[]) {
    this.removed.push({ jid, participants });
    const group = this.groups.get(jid);
    const answers = participants.map((p) => {
      const listed = !group || group.participants.some((m) => m.id === p);
      return { status: this.removalErrors.get(p) ?? (listed ? '200' : '404'), jid: p };
    });
    const gone = new Set(answers.filter((a) => a.status === '200').map((a) => a.jid));
    if (group) this.groups.set(jid, { ...group, participants: group.participants.filter((m) => !gone.has(m.id)) });
    return answers;
  }

  /**
   * Creates a group as WhatsApp does: the embassy account its creator, `creation` in whole seconds.
   * With `loseGroupCreateAnswer` set, WhatsApp creates the group but its answer never comes: the
   * call throws that error (Baileys: a query that timed out, or the connection closed meanwhile).
   */
  async groupCreate(subject: string, participants: string[]): Promise<GroupMetadata> {
    const id = `1203639${this.groups.size}@g.us`;
    const now = Math.floor(Date.now() / 1000);
    const meta = {
      id,
      subject,
      subjectOwner: jidNormalizedUser(this.user.id),
      subjectTime: now,
      creation: now,
      owner: jidNormalizedUser(this.user.id),
      size: participants.length,
      participants: participants.map((p) => ({ id: p })),
    } as GroupMetadata;
    this.groups.set(id, meta);
    this.created.push(meta);
    const lost = this.loseGroupCreateAnswer;
    if (lost) {
      this.loseGroupCreateAnswer = undefined;
      throw lost;
    }
    return meta;
  }

  /**
   * The groups the account is in, keyed by id, as Baileys rc14 answers it (and, as Baileys does,
   * emitted as `groups.update`).
   */
  async groupFetchAllParticipating(): Promise<{ [id: string]: GroupMetadata }> {
    const data = Object.fromEntries(this.groups);
    this.emitEvent('groups.update', Object.values(data));
    return data;
  }

  async requestPairingCode(phone: string): Promise<string> {
    this.pairingRequests.push(phone);
    return 'ABCD1234';
  }

  async end(): Promise<void> {
    this.ended = true;
  }
}

/** A logger that says nothing, for the Baileys helpers the fake runs. */
const SILENT = {
  level: 'silent',
  child: () => SILENT,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** The message Baileys would build for some content (polls carry a secret for vote encryption, as in Baileys). */
function messageOf(content: AnyMessageContent): proto.IMessage {
  const c = content as { text?: string; poll?: { name: string; values: string[]; selectableCount?: number }; forward?: WAMessage };
  if (c.text !== undefined) return { extendedTextMessage: { text: c.text } };
  // What Baileys itself sends for a forward: the same media (key, url), marked forwarded.
  if (c.forward) return generateForwardMessageContent(c.forward, false);
  if (c.poll) {
    return {
      messageContextInfo: { messageSecret: randomBytes(32) },
      pollCreationMessageV3: {
        name: c.poll.name,
        options: c.poll.values.map((optionName) => ({ optionName })),
        selectableOptionsCount: c.poll.selectableCount ?? 0,
      },
    };
  }
  return { conversation: '' };
}

/** Encrypts a vote the way a voter's phone does (the inverse of Baileys' decryptPollVote). */
export function encryptPollVote(o: { secret: Uint8Array; pollId: string; creatorJid: string; voterJid: string; options: string[] }) {
  const sign = Buffer.concat([
    Buffer.from(o.pollId),
    Buffer.from(o.creatorJid),
    Buffer.from(o.voterJid),
    Buffer.from('Poll Vote'),
    Buffer.from([1]),
  ]);
  const key = hmacSign(sign, hmacSign(o.secret, new Uint8Array(32)));
  const iv = randomBytes(12);
  const vote = proto.Message.PollVoteMessage.encode({
    selectedOptions: o.options.map((n) => createHash('sha256').update(n).digest()),
  }).finish();
  return { encPayload: aesEncryptGCM(vote, key, iv, Buffer.from(`${o.pollId}\u0000${o.voterJid}`)), encIv: iv };
}

/** A socket factory for the adapter that keeps every socket it made. */
export function fakeSocketFactory() {
  const sockets: FakeBaileysSocket[] = [];
  const waiters: ((s: FakeBaileysSocket) => void)[] = [];
  const factory: SocketFactory = (config) => {
    const s = new FakeBaileysSocket(config);
    sockets.push(s);
    for (const w of waiters.splice(0)) w(s);
    return s as unknown as BaileysSocket;
  };
  const made = {
    factory,
    sockets,
    /** The real Baileys adapter of an app over these fake sockets (no lease, fast reconnects, no QR print). */
    transport: (deps: CoreDeps) =>
      new BaileysTransport({
        redis: deps.redis,
        keys: deps.keys,
        log: deps.log,
        audit: deps.audit,
        socketFactory: factory,
        lease: false,
        backoff: { baseMs: 5, maxMs: 20 },
        printQr: false,
        restrictionPollMs: 50,
      }),
    latest: () => sockets.at(-1) as FakeBaileysSocket,
    /** Resolves with the socket number `n` (1-based) once the adapter made it; fails after `timeoutMs`. */
    socket: (n: number, timeoutMs = 10_000) =>
      new Promise<FakeBaileysSocket>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the adapter never opened socket #${n} (it opened ${sockets.length})`)), timeoutMs);
        const check = () => {
          const s = sockets[n - 1];
          if (!s) return void waiters.push(check);
          clearTimeout(timer);
          resolve(s);
        };
        check();
      }),
  };
  return {
    ...made,
    /** Opens the adapter's first socket and resolves with it once the app at `url` reports ready. */
    async openFirst(url: string): Promise<FakeBaileysSocket> {
      const sock = await made.socket(1);
      sock.open();
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200);
      return sock;
    },
  };
}

/** Builds a received message the way Baileys 7 delivers it (alt JIDs are extra key fields in v7). */
export function waMessage(o: {
  id: string;
  remoteJid: string;
  participant?: string;
  remoteJidAlt?: string;
  participantAlt?: string;
  fromMe?: boolean;
  pushName?: string;
  message: proto.IMessage;
  at?: number;
}): WAMessage {
  const msg = proto.WebMessageInfo.fromObject({
    key: { id: o.id, remoteJid: o.remoteJid, fromMe: o.fromMe ?? false, ...(o.participant ? { participant: o.participant } : {}) },
    message: o.message,
    messageTimestamp: o.at ?? 1_790_000_000,
    ...(o.pushName ? { pushName: o.pushName } : {}),
  }) as WAMessage;
  Object.assign(msg.key, {
    ...(o.remoteJidAlt ? { remoteJidAlt: o.remoteJidAlt } : {}),
    ...(o.participantAlt ? { participantAlt: o.participantAlt } : {}),
  });
  return msg;
}

/** The media fields a phone's upload gives a photo, sticker or document (what a Forward reuses). */
export const upload = (n: number) => ({
  url: `https://mmg.whatsapp.net/v/t62.7118-24/${n}.enc`,
  mediaKey: Buffer.alloc(32, n),
  fileSha256: Buffer.alloc(32, n + 1),
  fileEncSha256: Buffer.alloc(32, n + 2),
  directPath: `/v/t62.7118-24/${n}.enc`,
});
