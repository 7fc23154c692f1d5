import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../store/keys.ts';
import { LuaScript } from '../../store/lua-script.ts';
import {
  addressKey,
  type ChatAddress,
  type ChatSender,
  type ChatTransport,
  type ConnectionState,
  type GeoPoint,
  type GroupListing,
  type OutboundMessage,
  type RemovalOutcome,
  type SendResult,
  type TransportEvents,
} from '../chat-transport.ts';

/** One message the bot sent, as the simulator shows it. */
export interface SimOutboxItem {
  seq: number;
  id: string;
  to: string;
  text: string;
  kind: string;
  at: string;
  replyTo?: string;
  mentions?: string[];
}

/**
 * Records a send once per idempotency key, atomically.
 * KEYS: seq, idem, outbox, outboxTo. ARGV: idemKey, itemJsonWithoutSeq, id.
 * Returns {id, duplicate(0|1), seq}.
 */
const SEND_SCRIPT = new LuaScript(`
local existing = redis.call('HGET', KEYS[2], ARGV[1])
if existing then return {existing, 1, 0} end
local seq = redis.call('INCR', KEYS[1])
local item = string.sub(ARGV[2], 1, -2) .. ',"seq":' .. seq .. '}'
redis.call('ZADD', KEYS[3], seq, item)
redis.call('ZADD', KEYS[4], seq, item)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return {ARGV[3], 0, seq}
`);

/**
 * A page of an outbox and the last sequence number given out, read together.
 * KEYS: outbox, seq. ARGV: after, limit. Returns {items, seq}.
 */
const OUTBOX_SCRIPT = new LuaScript(`
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'LIMIT', 0, tonumber(ARGV[2]))
return {items, redis.call('GET', KEYS[2])}
`);

/** Input of POST /sim/messages. */
export interface SimInbound {
  from: string;
  group?: string;
  text?: string;
  location?: GeoPoint;
  /** A photo, video, voice note, document or sticker (its text, if any, is the caption). */
  media?: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  id?: string;
  replyTo?: string;
  reaction?: { messageId: string; emoji: string };
  /** An edit of the sender's earlier message `of` (`text` is the new wording). */
  edit?: { of: string };
  /** The sender deleted their earlier message `of` for everyone. */
  deletion?: { of: string };
  /** Marked as forwarded, as WhatsApp labels a passed-on message. */
  forwarded?: boolean;
}

/**
 * An in-process WhatsApp stand-in. All of its state lives in Redis, so any process
 * (gateway, API, tests) sees the same outbox, and a retried send is recognised by
 * its idempotency key even after a crash.
 */
export class SimulatorTransport implements ChatTransport {
  readonly name = 'simulator' as const;
  private events: TransportEvents | undefined;
  private connection: ConnectionState = 'closed';

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    /** Where injected events go when this process has not started the transport (e.g. ROLE=api). */
    private readonly sink: TransportEvents,
  ) {}

  private get out(): TransportEvents {
    return this.events ?? this.sink;
  }

  async start(events: TransportEvents): Promise<void> {
    this.events = events;
    this.connection = 'open';
    events.connection?.('open');
  }

  async stop(): Promise<void> {
    this.connection = 'closed';
    this.events?.connection?.('closed');
  }

  state(): ConnectionState {
    return this.connection;
  }

  async send(msg: OutboundMessage): Promise<SendResult> {
    const id = `SIM-OUT-${randomUUID()}`;
    const to = addressKey(msg.to);
    const text = msg.reaction
      ? msg.reaction.emoji
      : msg.poll
        ? renderPoll(msg.poll)
        : msg.forward
          ? `↪️ Forwarded ${msg.forward.media} (${msg.forward.messageId})`
          : (msg.text ?? '');
    const item: Omit<SimOutboxItem, 'seq'> = {
      id,
      to,
      text,
      kind: msg.reaction ? 'reaction' : msg.poll ? 'poll' : msg.kind,
      at: new Date().toISOString(),
      ...(msg.replyTo || msg.reaction ? { replyTo: msg.replyTo ?? msg.reaction?.messageId } : {}),
      ...(msg.mentions?.length ? { mentions: msg.mentions } : {}),
    };
    const [sentId, dup] = (await SEND_SCRIPT.run(
      this.redis,
      [this.keys.simSeq, this.keys.simIdem, this.keys.simOutbox, this.keys.simOutboxTo(to)],
      [msg.idempotencyKey, JSON.stringify(item), id],
    )) as [string, number, number];
    if (!dup && this.out.delivery) {
      await this.out.delivery({ messageId: sentId, state: 'delivered', at: Date.now() });
    }
    return { messageId: sentId, duplicate: dup === 1 };
  }

  /** A message typed by a simulated person; resolves with its id once it is queued. */
  async inject(input: SimInbound): Promise<string> {
    const id = input.id ?? `SIM-${randomUUID()}`;
    const chat: ChatAddress = input.group ? { kind: 'group', id: input.group } : { kind: 'dm', phone: input.from };
    await this.out.message({
      id,
      chat,
      from: { phone: input.from },
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.location ? { location: input.location } : {}),
      ...(input.media ? { media: input.media } : {}),
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      ...(input.reaction ? { reaction: input.reaction } : {}),
      ...(input.edit ? { edit: input.edit } : {}),
      ...(input.deletion ? { deletion: input.deletion } : {}),
      ...(input.forwarded ? { forwarded: true } : {}),
      fromMe: false,
      at: Date.now(),
    });
    return id;
  }

  /** A call from a simulated person that nobody answers; resolves with its id once it is queued. */
  async call(input: { from: string; id?: string; video?: boolean }): Promise<string> {
    const id = input.id ?? `SIM-CALL-${randomUUID()}`;
    await this.out.missedCall?.({ id, from: { phone: input.from }, at: Date.now(), video: !!input.video });
    return id;
  }

  /**
   * What the bot sent, after sequence number `after`, optionally to one phone or group, at most
   * `limit` items; `last` is what to ask after next: the last sequence number given out, or, when
   * the page is full, the last item's (read together, so no item falls between the two).
   */
  async outbox(to: string | undefined, after: number, limit = 500): Promise<{ items: SimOutboxItem[]; last: number }> {
    const key = to ? this.keys.simOutboxTo(to) : this.keys.simOutbox;
    const [rows, last] = (await OUTBOX_SCRIPT.run(this.redis, [key, this.keys.simSeq], [after, limit])) as [string[], string | null];
    const items = rows.map((r) => JSON.parse(r) as SimOutboxItem);
    const full = items.length >= limit;
    return { items, last: full ? (items.at(-1)?.seq ?? after) : Number(last ?? 0) };
  }

  async createGroup(subject: string, participants: string[], id?: string): Promise<string> {
    const groupId = id ?? `1203630${Date.now()}${Math.floor(Math.random() * 1000)}@g.us`;
    await this.redis
      .multi()
      .hset(this.keys.simGroups, groupId, subject)
      .hset(this.keys.simGroupsCreated, groupId, Date.now())
      .del(this.keys.simGroup(groupId))
      .sadd(this.keys.simGroup(groupId), ...(participants.length ? participants : ['']))
      .srem(this.keys.simGroup(groupId), '')
      .exec();
    return groupId;
  }

  /** Every simulated group, with its name and when it was created (the simulator does not say by whom). */
  async listGroups(): Promise<GroupListing[]> {
    const res = await this.redis.multi().hgetall(this.keys.simGroups).hgetall(this.keys.simGroupsCreated).exec();
    const [subjects, created] = (res ?? []).map(([err, v]) => {
      if (err) throw err;
      return v as Record<string, string>;
    }) as [Record<string, string>, Record<string, string>];
    return Object.entries(subjects).map(([id, subject]) => {
      const at = Number(created[id]);
      return { id, subject, ...(Number.isFinite(at) && at > 0 ? { createdAt: at } : {}) };
    });
  }

  async groupMembers(groupId: string): Promise<ChatSender[]> {
    const phones = await this.redis.smembers(this.keys.simGroup(groupId));
    return phones.map((phone) => ({ phone }));
  }

  async groupExists(groupId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.simGroups, groupId)) === 1;
  }

  /** Adds or removes members as a simulated person (or the bot) would, and reports it. */
  async changeMembers(groupId: string, action: 'add' | 'remove', participants: string[], by?: string): Promise<void> {
    const key = this.keys.simGroup(groupId);
    if (action === 'add') await this.redis.sadd(key, ...participants);
    else await this.redis.srem(key, ...participants);
    await this.out.membership?.({
      groupId,
      action,
      participants: participants.map((phone) => ({ phone })),
      ...(by ? { by: { phone: by } } : {}),
      at: Date.now(),
    });
  }

  async removeFromGroup(groupId: string, phones: string[]): Promise<RemovalOutcome> {
    await this.redis.srem(this.keys.simGroup(groupId), ...phones);
    return { refused: [], absent: [] };
  }
}

function renderPoll(poll: { question: string; options: string[] }): string {
  return [poll.question, ...poll.options.map((o, i) => `${i + 1}. ${o}`)].join('\n');
}
