import { type GroupMetadata, proto, type WAMessage, type WAMessageKey } from '@whiskeysockets/baileys';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../store/keys.ts';
import type { LidPair } from './inbound-mapper.ts';

/** How long sent messages are kept for Baileys' retries and poll decryption. */
const MESSAGE_TTL_S = 14 * 24 * 3600;
/**
 * How long a 1:1 message's idempotency key is kept: WhatsApp refuses within seconds, and the
 * outbound job it would be sent again from is kept a day.
 */
const SENT_KEY_TTL_S = 24 * 3600;
/** How long an inbound message key is kept for quoting and reacting. */
const KEY_TTL_S = 3 * 24 * 3600;
/** How long an answered call is remembered: far longer than a call that ends while a gateway restarts. */
const CALL_ANSWERED_TTL_S = 6 * 3600;
/** How long cached group metadata lives without a refresh. */
const GROUP_TTL_S = 24 * 3600;

/** A 1:1 message the bot sent: to whom (E.164 phone, or LID) and under which idempotency key. */
export interface SentRecord {
  key: string;
  to: string;
}

/** What the Baileys adapter keeps in Redis besides the session itself. */
export class WhatsAppStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /**
   * Keeps a message the bot sent, for `getMessage`; a 1:1 message also keeps who it went to under
   * which idempotency key (`refusable`), so that it can be sent again if WhatsApp refuses it (463).
   */
  async saveSent(id: string, message: proto.IMessage, refusable?: SentRecord): Promise<void> {
    const bytes = proto.Message.encode(proto.Message.fromObject(message)).finish();
    const multi = this.redis.multi().set(this.keys.waMessage(id), Buffer.from(bytes).toString('base64'), 'EX', MESSAGE_TTL_S);
    if (refusable) multi.set(this.keys.waSentKey(id), JSON.stringify(refusable), 'EX', SENT_KEY_TTL_S);
    await multi.exec();
  }

  /** Who a 1:1 message went to, under which idempotency key (see saveSent). */
  async sentRecord(id: string): Promise<SentRecord | undefined> {
    const raw = await this.redis.get(this.keys.waSentKey(id));
    return raw ? (JSON.parse(raw) as SentRecord) : undefined;
  }

  /** Forgets a message WhatsApp refused: sending it again is no duplicate. */
  async forgetSent(id: string): Promise<void> {
    await this.redis.del(this.keys.waMessage(id), this.keys.waSentKey(id));
  }

  /** A message the bot sent, or undefined. Baileys calls this to re-encrypt on retry and to decrypt poll votes. */
  async getSent(id: string | null | undefined): Promise<proto.IMessage | undefined> {
    if (!id) return undefined;
    const raw = await this.redis.get(this.keys.waMessage(id));
    return raw ? proto.Message.decode(Buffer.from(raw, 'base64')) : undefined;
  }

  /**
   * Keeps a citizen's media message (photo, video, voice note, document) as WhatsApp delivered
   * it, so that it can be forwarded to the cell: WhatsApp forwards it without downloading it.
   * Indexed by its sender, whose DELETE forgets it.
   */
  async saveMedia(m: WAMessage, sender: string): Promise<void> {
    const id = m.key?.id;
    if (!id) return;
    const bytes = proto.WebMessageInfo.encode(proto.WebMessageInfo.fromObject(m)).finish();
    await this.redis
      .multi()
      .set(this.keys.waMedia(id), Buffer.from(bytes).toString('base64'), 'EX', MESSAGE_TTL_S)
      .sadd(this.keys.waMediaOf(sender), id)
      .expire(this.keys.waMediaOf(sender), MESSAGE_TTL_S)
      .exec();
  }

  /** A citizen's media message kept by saveMedia, or undefined (never seen, expired or erased). */
  async getMedia(id: string): Promise<WAMessage | undefined> {
    const raw = await this.redis.get(this.keys.waMedia(id));
    const m = raw ? proto.WebMessageInfo.decode(Buffer.from(raw, 'base64')) : undefined;
    return m?.key ? (m as WAMessage) : undefined;
  }

  async wasSent(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.waMessage(id))) === 1;
  }

  /**
   * Remembers the key of an inbound message (so a reply can quote it with the right participant), listed
   * under its `sender` (a citizen's DELETE takes their keys too: a key's jid is their number).
   */
  async saveKey(key: WAMessageKey, sender?: string): Promise<void> {
    if (!key.id) return;
    const slim = {
      remoteJid: key.remoteJid,
      id: key.id,
      fromMe: !!key.fromMe,
      ...(key.participant ? { participant: key.participant } : {}),
    };
    const multi = this.redis.multi().set(this.keys.waMessageKey(key.id), JSON.stringify(slim), 'EX', KEY_TTL_S);
    // By time, the keys gone with their own expiry trimmed: a sender who writes every day (an officer in
    // the cell group) would otherwise keep every id they ever sent.
    const now = Date.now();
    if (sender)
      multi
        .zadd(this.keys.waMessageKeysOf(sender), now, key.id)
        .zremrangebyscore(this.keys.waMessageKeysOf(sender), '-inf', now - KEY_TTL_S * 1000)
        .expire(this.keys.waMessageKeysOf(sender), KEY_TTL_S);
    await multi.exec();
  }

  /** The key of a message we saw or sent, by id, in chat `jid`. */
  async keyOf(id: string, jid: string): Promise<WAMessageKey> {
    const raw = await this.redis.get(this.keys.waMessageKey(id));
    if (raw) return JSON.parse(raw) as WAMessageKey;
    return { remoteJid: jid, id, fromMe: await this.wasSent(id) };
  }

  /** A call was accepted on one of the embassy's devices: whoever sees it end (this gateway after a restart too) knows it was answered. */
  async callAnswered(id: string): Promise<void> {
    await this.redis.set(this.keys.waCallAnswered(id), '1', 'EX', CALL_ANSWERED_TTL_S);
  }

  /** Whether a call was accepted (see callAnswered). */
  async wasCallAnswered(id: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.waCallAnswered(id))) === 1;
  }

  async saveGroup(meta: GroupMetadata): Promise<void> {
    await this.redis.set(this.keys.waGroup(meta.id), JSON.stringify(meta), 'EX', GROUP_TTL_S);
  }

  /** Cached metadata of a group, for Baileys' `cachedGroupMetadata`. */
  async group(jid: string): Promise<GroupMetadata | undefined> {
    const raw = await this.redis.get(this.keys.waGroup(jid));
    return raw ? (JSON.parse(raw) as GroupMetadata) : undefined;
  }

  async forgetGroup(jid: string): Promise<void> {
    await this.redis.del(this.keys.waGroup(jid));
  }

  /** Records LID → phone pairs in the hash the chat pipeline reads (normaliseSender). */
  async learnLids(pairs: LidPair[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.redis.hset(this.keys.lidToPhone, ...pairs.flatMap((p) => [p.lid, p.phone]));
  }

  async phoneOfLid(lid: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.lidToPhone, lid)) ?? undefined;
  }

  /** The phones learnt for these LIDs (one read), by LID; a LID without one is absent. */
  async phonesOfLids(lids: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (lids.length === 0) return out;
    const phones = await this.redis.hmget(this.keys.lidToPhone, ...lids);
    lids.forEach((lid, i) => {
      const phone = phones[i];
      if (phone) out.set(lid, phone);
    });
    return out;
  }
}
