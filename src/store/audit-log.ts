import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.ts';
import { LuaScript } from './lua-script.ts';

/** One fact for the audit trail. Never put message text or a citizen's phone here. */
export interface AuditInput {
  /** What happened, e.g. `message.in`, `incident.acknowledged`, `auth.refused`. */
  type: string;
  /** Who did it: a staff name, a token name, `citizen:<pseudonym>`, or `system`. */
  actor: string;
  /** What it was done to, e.g. an incident id. */
  subject?: string;
  data?: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  id: string;
  at: string;
  prev: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  firstBroken?: { id: string; reason: string };
  /** With a seal to check: the entry whose hash it is, and how many entries the trail had then. */
  seal?: { found: boolean; id?: string; entries?: number };
}

/** The chain's head as published outside Redis (the sitrep in the cell groups): its first SEAL_LENGTH hex digits. */
export interface AuditSeal {
  seal: string;
  entries: number;
}

/**
 * Hex digits of the head hash a seal keeps: 64 bits, so rewriting the trail into one that still
 * holds an entry with that prefix takes about 2^64 hashes.
 */
export const SEAL_LENGTH = 16;

const GENESIS = '0'.repeat(64);

/**
 * Appends a batch only if the chain head is still the one the batch was built on
 * (compare-and-set), so several processes can share one chain without locks.
 * KEYS: stream, head, turn. ARGV: expectedHead, newHead, writer id, then (body, prev, hash) triples.
 * Returns {1} or {0, currentHead, 1 when another writer has the turn}.
 *
 * The first writer refused for a stale head takes the turn (for TURN_MS at most): until it has
 * appended, every other writer is refused, so it gets through on its next attempt with the head
 * it was just given. Without the turn, the busiest process, which always knows the newest head
 * first, could keep refusing the others on a loaded machine until they gave up.
 */
const APPEND_SCRIPT = new LuaScript(`
local head = redis.call('GET', KEYS[2]) or '${GENESIS}'
local turn = redis.call('GET', KEYS[3])
if turn and turn ~= ARGV[3] then
  return {0, head, 1}
end
if head ~= ARGV[1] then
  redis.call('SET', KEYS[3], ARGV[3], 'PX', ${1_000})
  return {0, head, 0}
end
for i = 4, #ARGV, 3 do
  redis.call('XADD', KEYS[1], '*', 'body', ARGV[i], 'prev', ARGV[i+1], 'hash', ARGV[i+2])
end
redis.call('SET', KEYS[2], ARGV[2])
if turn then redis.call('DEL', KEYS[3]) end
return {1}
`);

/** How long a writer waiting for another's turn waits before it tries again. */
const TURN_WAIT_MS = 1;
/** How long a writer keeps trying before its entries are refused (Redis answers, but the chain never frees). */
const GIVE_UP_MS = 30_000;

function chainHash(prev: string, body: string): string {
  return createHash('sha256').update(prev).update('\n').update(body).digest('hex');
}

/**
 * The tamper-evident audit trail: a Redis stream in which each entry carries the
 * SHA-256 of the previous entry and of itself. Appends from one process are batched.
 */
export class AuditLog {
  private head: string | undefined;
  private pending: { body: string; done: (err?: Error) => void }[] = [];
  private flushing = false;
  /** Who this writer is, for the turn a refused writer takes (APPEND_SCRIPT). */
  private readonly writer = randomBytes(8).toString('hex');
  private pepper: Buffer | undefined;
  /** Recent phone → pseudonym, so a conversation is not hashed at every message. */
  private readonly pseudonyms = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Appends one entry; resolves once it is durable in Redis. */
  append(input: AuditInput): Promise<void> {
    const body = JSON.stringify({
      at: new Date().toISOString(),
      type: input.type,
      actor: input.actor,
      subject: input.subject ?? null,
      data: input.data ?? {},
    });
    return new Promise((resolve, reject) => {
      this.pending.push({ body, done: (err) => (err ? reject(err) : resolve()) });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, 200);
        try {
          await this.writeBatch(batch.map((b) => b.body));
          for (const b of batch) b.done();
        } catch (err) {
          for (const b of batch) b.done(err as Error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async writeBatch(bodies: string[]): Promise<void> {
    let head = this.head ?? ((await this.redis.get(this.keys.auditHead)) || GENESIS);
    const deadline = Date.now() + GIVE_UP_MS;
    while (Date.now() < deadline) {
      const args: string[] = [];
      let prev = head;
      for (const body of bodies) {
        const hash = chainHash(prev, body);
        args.push(body, prev, hash);
        prev = hash;
      }
      const res = (await APPEND_SCRIPT.run(
        this.redis,
        [this.keys.audit, this.keys.auditHead, this.keys.auditWaiting],
        [head, prev, this.writer, ...args],
      )) as [1] | [0, string, number];
      // Refused for a head that is this batch's own last hash: Redis had already appended it (a
      // command it ran whose answer a restart or a dropped connection lost, sent again by ioredis).
      if (res[0] === 1 || res[1] === prev) {
        this.head = prev;
        return;
      }
      head = res[1];
      if (res[2] === 1) await new Promise((r) => setTimeout(r, TURN_WAIT_MS));
    }
    throw new Error('audit chain is too contended to append');
  }

  /** A stable pseudonym for a citizen's phone, so the trail links their actions without naming them. */
  async pseudonym(phone: string): Promise<string> {
    if (!this.pepper) {
      await this.redis.set(this.keys.auditPepper, randomBytes(32).toString('hex'), 'NX');
      this.pepper = Buffer.from((await this.redis.get(this.keys.auditPepper)) ?? '', 'hex');
    }
    let name = this.pseudonyms.get(phone);
    if (!name) {
      name = `citizen:${createHmac('sha256', this.pepper).update(phone).digest('hex').slice(0, 12)}`;
      if (this.pseudonyms.size >= 10_000) this.pseudonyms.clear();
      this.pseudonyms.set(phone, name);
    }
    return name;
  }

  /** Entries after stream id `after` (exclusive), oldest first. */
  async page(
    after: string | undefined,
    limit: number,
    order: 'oldest' | 'newest' = 'oldest',
  ): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    // Newest first: `after` is then the last entry of the previous page, and the page goes back from it.
    // Nothing comes before 0-0 (and Redis refuses a range ending just before it).
    if (order === 'newest' && after && /^0+-0+$/.test(after)) return { items: [], nextCursor: null };
    const rows =
      order === 'newest'
        ? await this.redis.xrevrange(this.keys.audit, after ? `(${after}` : '+', '-', 'COUNT', limit)
        : await this.redis.xrange(this.keys.audit, after ? `(${after}` : '-', '+', 'COUNT', limit);
    const items = rows.map(([id, fields]) => toEntry(id, fields));
    return { items, nextCursor: items.length === limit ? (items.at(-1)?.id ?? null) : null };
  }

  /**
   * The chain as it stands, to publish where a Redis writer cannot reach (the cell groups' WhatsApp
   * history): a trail rewritten and re-hashed afterwards still verifies on its own, but no longer
   * holds the sealed head (verify(seal)).
   */
  async seal(): Promise<AuditSeal> {
    const [[, head], [, entries]] = (await this.redis.multi().get(this.keys.auditHead).xlen(this.keys.audit).exec()) as [
      [unknown, string | null],
      [unknown, number],
    ];
    return { seal: (head || GENESIS).slice(0, SEAL_LENGTH), entries };
  }

  /**
   * Recomputes the whole chain; reports the first entry whose link or content does not match. With
   * a seal (published earlier by seal()), also that the chain still holds the entry it was taken at.
   */
  async verify(seal?: string): Promise<AuditVerification> {
    let prev = GENESIS;
    let count = 0;
    let cursor = '-';
    let sealed: AuditVerification['seal'] = seal === undefined ? undefined : { found: seal === GENESIS.slice(0, SEAL_LENGTH) };
    for (;;) {
      const rows = await this.redis.xrange(this.keys.audit, cursor, '+', 'COUNT', 1000);
      for (const [id, fields] of rows) {
        const f = fieldMap(fields);
        count++;
        if (f.prev !== prev)
          return {
            ok: false,
            entries: count,
            firstBroken: { id, reason: 'link to previous entry broken (an entry was removed or reordered)' },
          };
        if (chainHash(f.prev ?? '', f.body ?? '') !== f.hash)
          return { ok: false, entries: count, firstBroken: { id, reason: 'content does not match its hash (entry was edited)' } };
        prev = f.hash;
        if (seal !== undefined && !sealed?.found && prev.startsWith(seal)) sealed = { found: true, id, entries: count };
      }
      if (rows.length < 1000) break;
      cursor = `(${rows.at(-1)?.[0]}`;
    }
    const head = (await this.redis.get(this.keys.auditHead)) || GENESIS;
    if (head !== prev)
      return { ok: false, entries: count, firstBroken: { id: 'end', reason: 'newest entries are missing (the chain was truncated)' } };
    if (sealed && !sealed.found)
      return {
        ok: false,
        entries: count,
        firstBroken: { id: 'seal', reason: `no entry has the sealed hash ${seal}: the trail was rewritten or cut since it was sealed` },
        seal: sealed,
      };
    return { ok: true, entries: count, ...(sealed ? { seal: sealed } : {}) };
  }
}

function fieldMap(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const f = fieldMap(fields);
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(f.body ?? '{}');
  } catch {
    body = { type: 'unreadable' };
  }
  return {
    id,
    at: String(body.at ?? ''),
    type: String(body.type ?? ''),
    actor: String(body.actor ?? ''),
    subject: (body.subject as string | null) ?? undefined,
    data: (body.data as Record<string, unknown>) ?? {},
    prev: f.prev ?? '',
    hash: f.hash ?? '',
  };
}
