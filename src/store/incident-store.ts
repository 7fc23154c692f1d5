import type { Redis } from 'ioredis';
import { type Incident, type IncidentStatus, isActive, type Severity, type TimelineEntry } from '../domain/incident.ts';
import { namePattern, scrubName } from '../domain/name-scrub.ts';
import { ERASE_REPORTER, INTAKE, MESSAGE_CHANGE, REPLACE_ENTRIES, scrubDigits, UPDATE } from './incident-scripts.ts';
import type { RedisKeys } from './keys.ts';

/** Fields of a new incident (the store adds id, seq, status and times). */
export type NewIncident = Omit<
  Incident,
  'id' | 'seq' | 'status' | 'createdAt' | 'updatedAt' | 'acknowledgedAt' | 'resolvedAt' | 'escalationLevel' | 'timeline'
>;

/**
 * What intake reserves for a new incident in the same atomic step: its first escalation
 * deadline (a member of the due set; `marker` is set for the first deadline of a second,
 * which must schedule the checking job) and a slot in the cell group's card window
 * (`cards`; absent for incidents that always get a card).
 */
export interface IntakeAnnouncement {
  channel: string;
  deadline?: { key: string; at: number; marker: string; ttl: number };
  /** The card window; `rank` orders the digest (0 critical first). */
  cards?: { key: string; pending: string; marker: string; now: number; window: number; max: number; rank?: number };
  /** The report has words: the summary and language they give an incident opened without any (the language only if not `langless`). */
  words?: { summary: string; language: string };
  /** The report has no words (a pin, a photo): mark the incident so its first words complete it. */
  wordless?: boolean;
  /** Its words tell no language ("ok", "SOS 112"): the incident's answers take the language of the first that do. */
  langless?: boolean;
  /** The language its words are in, when they tell: an incident opened `langless` takes it. */
  spoken?: string;
  /** Only join the reporter's active incident: with none, nothing is stored (intake gives undefined). */
  joinOnly?: boolean;
}

/** What intake did. `card`: 1 post a card, 2 the first incident of a digest (schedule it), 0 already in a digest. */
export interface IntakeOutcome {
  id: string;
  created: boolean;
  duplicate: boolean;
  scheduleDeadline: boolean;
  card: 0 | 1 | 2;
  incident: Incident;
  /** A message already taken in: what its first intake did, and when. */
  earlier?: { opened: boolean; card: 0 | 1 | 2; at: string };
}

/** Reads the record `id|opened|card|at` intake keeps per message (older records: `id|opened`). */
function earlierIntake(done: string): IntakeOutcome['earlier'] {
  const [, opened, card, at] = done.split('|');
  return { opened: opened === '1', card: (Number(card) || 0) as 0 | 1 | 2, at: at ?? '' };
}

const JSON_FIELDS = new Set(['location', 'links']);
const NUMBER_FIELDS = new Set(['seq', 'escalationLevel']);

function toHash(fields: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[k] = v === null ? null : JSON_FIELDS.has(k) ? JSON.stringify(v) : String(v);
  }
  return out;
}

/** Fields the intake script keeps on an incident for itself (see INTAKE): never shown. */
const INTAKE_MARKS = new Set(['wordless', 'langless']);

/** The keys `after` sets differently from `before`, and those it drops (as null). */
function changedKeys(before: Record<string, string>, after: Record<string, string>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(after)) if (before[k] !== v) out[k] = v;
  for (const k of Object.keys(before)) if (!(k in after)) out[k] = null;
  return out;
}

function fromHash(h: Record<string, string>, timeline: string[]): Incident {
  const get = (k: string) => (h[k] === undefined || h[k] === '' ? null : (h[k] as string));
  const parsed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) {
    // The intake's own marks (no words yet, no language told yet) are no part of the incident.
    if (INTAKE_MARKS.has(k)) continue;
    parsed[k] = JSON_FIELDS.has(k) ? JSON.parse(v) : NUMBER_FIELDS.has(k) ? Number(v) : v;
  }
  return {
    ...(parsed as unknown as Incident),
    region: get('region'),
    reporter: get('reporter'),
    assignee: get('assignee'),
    acknowledgedAt: get('acknowledgedAt'),
    resolvedAt: get('resolvedAt'),
    location: h.location ? JSON.parse(h.location) : null,
    links: h.links ? JSON.parse(h.links) : {},
    timeline: timeline.map((t) => JSON.parse(t) as TimelineEntry),
  };
}

/** A filter for listing incidents; newest first. */
export interface IncidentQuery {
  /** One status, or several (`active`: open, acknowledged, in progress), merged newest first. */
  status?: IncidentStatus | readonly IncidentStatus[];
  /** One severity, or several. */
  severity?: Severity | readonly Severity[];
  /** Only the incidents this welfare check's HELP answers went into (combines with status and severity). */
  welfareCheck?: string;
  limit: number;
  /** The `seq` of the last incident of the previous page. */
  cursor?: number;
}

/**
 * How far out of creation order an incident may be (its createdAt earlier than that of an incident
 * numbered before it) and still be found by a scan bounded by creation time: workers' clocks differ
 * by far less, and intake numbers an incident within moments of reading the clock.
 */
export const SCAN_ORDER_MARGIN_MS = 5 * 60_000;

/** An incident without its timeline entries, with how many there are. */
export type IncidentWithTimelineCount = Omit<Incident, 'timeline'> & { timelineCount: number };

/** Redis storage of incidents, their timelines and list indexes. */
export class IncidentStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Opens an incident for `fields`, or adds `followUp` to the reporter's active incident. Idempotent per `sourceId`. */
  async intake(
    fields: NewIncident,
    entries: { opening: TimelineEntry; followUp: TimelineEntry },
    sourceId: string,
    at: string,
    announcement: IntakeAnnouncement,
  ): Promise<IntakeOutcome | undefined> {
    const hash = Object.fromEntries(Object.entries(toHash(fields as unknown as Record<string, unknown>)).filter(([, v]) => v !== null));
    const [id, flag, due, card, flat, done] = (await INTAKE.run(
      this.redis,
      [this.keys.incidentSeq, this.keys.openIncidentOf(fields.reporter ?? ''), this.keys.intakeDone(sourceId), this.keys.incidentsAll],
      [
        this.keys.prefix,
        JSON.stringify({ ...hash, reporter: fields.reporter ?? '' }),
        JSON.stringify(entries.opening),
        at,
        String(7 * 24 * 3600),
        JSON.stringify(entries.followUp),
        JSON.stringify(announcement),
      ],
    )) as [string, number, number, number, string[], string | undefined];
    // Only to join the active incident (announcement.joinOnly), and none is active.
    if (flag === 3) return undefined;
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
    const earlier = done ? earlierIntake(done) : undefined;
    return {
      id,
      created: flag === 1 || earlier?.opened === true,
      duplicate: flag === 2,
      scheduleDeadline: due === 1,
      card: card as 0 | 1 | 2,
      incident: fromHash(h, []),
      ...(earlier ? { earlier } : {}),
    };
  }

  async get(id: string): Promise<Incident | undefined> {
    const [[, h], [, t]] = (await this.redis
      .multi()
      .hgetall(this.keys.incident(id))
      .lrange(this.keys.incidentTimeline(id), 0, -1)
      .exec()) as [[null, Record<string, string>], [null, string[]]];
    return h && Object.keys(h).length > 0 ? fromHash(h, t) : undefined;
  }

  /** Many incidents in one round trip, in the order asked. */
  async getMany(ids: string[]): Promise<Incident[]> {
    return this.withTimelines(ids, 'entries', (h, entries) => fromHash(h, entries as string[]));
  }

  /**
   * Many incidents in one round trip, in the order asked (those gone skipped), each read with its
   * timeline's entries or only its length.
   */
  private async withTimelines<T>(
    ids: string[],
    timeline: 'entries' | 'count',
    make: (h: Record<string, string>, t: unknown) => T,
  ): Promise<T[]> {
    if (ids.length === 0) return [];
    const multi = this.redis.multi();
    for (const id of ids) {
      multi.hgetall(this.keys.incident(id));
      if (timeline === 'entries') multi.lrange(this.keys.incidentTimeline(id), 0, -1);
      else multi.llen(this.keys.incidentTimeline(id));
    }
    const res = (await multi.exec()) ?? [];
    const out: T[] = [];
    for (let i = 0; i < ids.length; i++) {
      const h = res[2 * i]?.[1] as Record<string, string>;
      if (h && Object.keys(h).length > 0) out.push(make(h, res[2 * i + 1]?.[1]));
    }
    return out;
  }

  /** Many incidents in one round trip, in the order asked, without their timelines. */
  async getManyWithoutTimeline(ids: string[]): Promise<Omit<Incident, 'timeline'>[]> {
    if (ids.length === 0) return [];
    const multi = this.redis.multi();
    for (const id of ids) multi.hgetall(this.keys.incident(id));
    const res = (await multi.exec()) ?? [];
    const out: Omit<Incident, 'timeline'>[] = [];
    for (const [, h] of res as [null, Record<string, string>][]) {
      if (h && Object.keys(h).length > 0) {
        const { timeline: _, ...rest } = fromHash(h, []);
        out.push(rest);
      }
    }
    return out;
  }

  /** The active incident of a reporter, if any. */
  async activeOf(reporter: string): Promise<Incident | undefined> {
    const incident = await this.latestOf(reporter);
    return incident && isActive(incident.status) ? incident : undefined;
  }

  /** The reporter's latest incident, active or not (until they erase their data). */
  async latestOf(reporter: string): Promise<Incident | undefined> {
    const id = await this.redis.get(this.keys.openIncidentOf(reporter));
    return id ? await this.get(id) : undefined;
  }

  /** A page of incidents, newest first. */
  async list(q: IncidentQuery): Promise<{ items: Incident[]; nextCursor: string | null }> {
    return this.page(q, (ids) => this.getMany(ids));
  }

  /** A page as `list` gives it, without the timelines: lighter for views that list many incidents. */
  async listWithoutTimeline(q: IncidentQuery): Promise<{ items: Omit<Incident, 'timeline'>[]; nextCursor: string | null }> {
    return this.page(q, (ids) => this.getManyWithoutTimeline(ids));
  }

  /**
   * Every incident of a status and severity (each optional), oldest first, `batch` at a time: an
   * export reads 100,000 of them without holding more than one batch. `timeline: 'count'` gives each
   * incident the length of its timeline instead of its entries. An incident that changes status while
   * the scan runs is met once at most (the scan goes by creation order).
   *
   * `created` narrows the scan to the incidents created in [from, to) and a few around them
   * (SCAN_ORDER_MARGIN_MS on each side): the caller still filters on createdAt exactly.
   */
  async *scan(q: {
    status?: IncidentStatus;
    severity?: Severity;
    created?: { from?: number | undefined; to?: number | undefined };
    batch: number;
    timeline: 'entries' | 'count';
  }): AsyncGenerator<(Incident | IncidentWithTimelineCount)[]> {
    const key = this.indexOf(q);
    const bounds = q.created ? await this.seqBounds(q.created) : { min: '-inf', max: '+inf' };
    let after = bounds.min;
    for (;;) {
      const flat = await this.redis.zrangebyscore(key, after, bounds.max, 'WITHSCORES', 'LIMIT', 0, q.batch);
      const ids = flat.filter((_, i) => i % 2 === 0);
      if (ids.length === 0) return;
      yield q.timeline === 'entries' ? await this.getMany(ids) : await this.getManyCountingTimeline(ids);
      if (ids.length < q.batch) return;
      after = `(${flat.at(-1)}`;
    }
  }

  /**
   * The range of sequence numbers (as ZRANGEBYSCORE bounds) that holds every incident created in
   * [from, to): found by binary search on the index of all incidents, reading the createdAt of about
   * 2 × log2(n) incidents. createdAt grows with the sequence, but not strictly (intake reads the
   * worker's clock a moment before its script numbers the incident, and workers' clocks differ
   * slightly): the search looks for `from` and `to` each SCAN_ORDER_MARGIN_MS further out, which
   * holds as long as no incident was created more than that margin out of order. An incident whose
   * createdAt cannot be read leaves that bound open (scanned as without `created`).
   */
  private async seqBounds(created: { from?: number | undefined; to?: number | undefined }): Promise<{ min: string; max: string }> {
    const all = this.keys.incidentsAll;
    const n = await this.redis.zcard(all);
    /** The seq and createdAt (NaN when unreadable) of the incident at `rank` of the index. */
    const at = async (rank: number): Promise<{ seq: number; created: number }> => {
      const [id, seq] = await this.redis.zrange(all, String(rank), String(rank), 'WITHSCORES');
      const createdAt = id ? await this.redis.hget(this.keys.incident(id), 'createdAt') : null;
      return { seq: Number(seq), created: createdAt ? Date.parse(createdAt) : Number.NaN };
    };
    /**
     * The rank a binary search finds for `time`: the incident just before it (when there is one) was
     * created before `time`, and the one at it (when there is one) at or after `time`. -1 when an
     * incident read has no createdAt.
     */
    const firstAtOrAfter = async (time: number): Promise<number> => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        const { created } = await at(mid);
        if (Number.isNaN(created)) return -1;
        if (created < time) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    let min = '-inf';
    let max = '+inf';
    if (created.from !== undefined) {
      // The incident before `lo` was created before from - margin, so it and every one numbered before it before `from`.
      const lo = await firstAtOrAfter(created.from - SCAN_ORDER_MARGIN_MS);
      if (lo > 0) min = `(${(await at(lo - 1)).seq}`;
    }
    if (created.to !== undefined) {
      // The incident at `hi` was created at or after to + margin, so it and every one numbered after it at or after `to`.
      const hi = await firstAtOrAfter(created.to + SCAN_ORDER_MARGIN_MS);
      if (hi >= 0 && hi < n) max = `(${(await at(hi)).seq}`;
    }
    return { min, max };
  }

  /** Many incidents in one round trip, in the order asked, each with the number of its timeline entries. */
  private getManyCountingTimeline(ids: string[]): Promise<IncidentWithTimelineCount[]> {
    return this.withTimelines(ids, 'count', (h, n) => {
      const { timeline: _, ...rest } = fromHash(h, []);
      return { ...rest, timelineCount: Number(n ?? 0) };
    });
  }

  /** The index (sorted by seq) of the incidents of a status and severity, each optional. */
  private indexOf(q: { status?: IncidentStatus; severity?: Severity }): string {
    if (q.status && q.severity) return this.keys.incidentsByStatusSeverity(q.status, q.severity);
    if (q.status) return this.keys.incidentsByStatus(q.status);
    if (q.severity) return this.keys.incidentsBySeverity(q.severity);
    return this.keys.incidentsAll;
  }

  private async page<T extends { seq: number }>(
    q: IncidentQuery,
    load: (ids: string[]) => Promise<T[]>,
  ): Promise<{ items: T[]; nextCursor: string | null }> {
    if (q.welfareCheck) return this.pageOfWelfareCheck(q, q.welfareCheck, load);
    const max = q.cursor !== undefined ? `(${q.cursor}` : '+inf';
    const statuses = listOf(q.status);
    const severities = listOf(q.severity);
    // The index of each status × severity asked for (one, often): the newest `limit + 1` of each, merged
    // by seq (unique, so the cursor never skips nor repeats one); one more than a page tells whether there is more.
    const keys = (statuses.length ? statuses : [undefined]).flatMap((status) =>
      (severities.length ? severities : [undefined]).map((severity) => this.indexOf({ status, severity })),
    );
    // One transaction: an incident moving from one status to another between two reads would be in both.
    const pipe = this.redis.multi();
    for (const key of keys) pipe.zrevrangebyscore(key, max, '-inf', 'WITHSCORES', 'LIMIT', 0, q.limit + 1);
    const merged = ((await pipe.exec()) ?? [])
      .flatMap(([err, found]) => {
        if (err) throw err;
        const flat = found as string[];
        return flat.flatMap((id, i) => (i % 2 === 0 ? [{ id, seq: Number(flat[i + 1]) }] : []));
      })
      .sort((a, b) => b.seq - a.seq);
    const items = await load(merged.slice(0, q.limit).map((m) => m.id));
    const last = items.at(-1);
    return { items, nextCursor: merged.length > q.limit && last ? String(last.seq) : null };
  }

  /**
   * A page of the incidents a welfare check's HELP answers went into, newest first. Few enough (the
   * check's HELP answers) to read whole: status and severity are applied as each incident stands now.
   */
  private async pageOfWelfareCheck<T extends { seq: number }>(
    q: IncidentQuery,
    check: string,
    load: (ids: string[]) => Promise<T[]>,
  ): Promise<{ items: T[]; nextCursor: string | null }> {
    const max = q.cursor !== undefined ? `(${q.cursor}` : '+inf';
    const ids = await this.redis.zrevrangebyscore(this.keys.welfareIncidents(check), max, '-inf');
    const statuses = listOf(q.status);
    const severities = listOf(q.severity);
    // One more than the page holds, if there is one: a next page only when it holds something.
    const items: T[] = [];
    for (let i = 0; i < ids.length && items.length <= q.limit; i += 200) {
      const found = (await load(ids.slice(i, i + 200))) as (T & { status?: string; severity?: string })[];
      for (const incident of found) {
        if (items.length > q.limit) break;
        if (statuses.length && !statuses.includes(incident.status as IncidentStatus)) continue;
        if (severities.length && !severities.includes(incident.severity as Severity)) continue;
        items.push(incident);
      }
    }
    const page = items.slice(0, q.limit);
    const last = page.at(-1);
    return { items: page, nextCursor: items.length > q.limit && last ? String(last.seq) : null };
  }

  /**
   * The `limit` most urgent incidents among `statuses` × `severities`, in the order given (say,
   * open before acknowledged, critical before high), the longest waiting first within each; and
   * how many there are in all. One round trip for the ids, one for the incidents.
   */
  async mostUrgent(
    statuses: readonly IncidentStatus[],
    severities: readonly Severity[],
    limit: number,
  ): Promise<{ items: Omit<Incident, 'timeline'>[]; total: number }> {
    const multi = this.redis.multi();
    for (const s of statuses) for (const v of severities) multi.zrange(this.keys.incidentsByStatusSeverity(s, v), '0', String(limit - 1));
    for (const s of statuses) for (const v of severities) multi.zcard(this.keys.incidentsByStatusSeverity(s, v));
    const res = ((await multi.exec()) ?? []).map(([, r]) => r);
    const pairs = statuses.length * severities.length;
    const ids = (res.slice(0, pairs) as string[][]).flat().slice(0, limit);
    const total = (res.slice(pairs) as number[]).reduce((a, b) => a + Number(b), 0);
    return { items: await this.getManyWithoutTimeline(ids), total };
  }

  /**
   * Every incident of one status, each as its region and escalation level only, oldest first (the
   * sitrep counts all that wait, however many: loading them whole would not scale to a flood).
   */
  async regionsOf(status: IncidentStatus): Promise<{ id: string; region: string | null; escalationLevel: number }[]> {
    const ids = await this.redis.zrange(this.keys.incidentsByStatus(status), '0', '-1');
    if (ids.length === 0) return [];
    const multi = this.redis.multi();
    for (const id of ids) multi.hmget(this.keys.incident(id), 'region', 'escalationLevel');
    const res = (await multi.exec()) ?? [];
    return ids.map((id, i) => {
      const [region, level] = (res[i]?.[1] ?? []) as (string | null)[];
      return { id, region: region || null, escalationLevel: Number(level ?? 0) };
    });
  }

  /** Counts of incidents by status and severity (for the sitrep and the board). */
  async counts(statuses: readonly IncidentStatus[], severities: readonly Severity[]): Promise<Record<string, Record<string, number>>> {
    const multi = this.redis.multi();
    for (const s of statuses) for (const v of severities) multi.zcard(this.keys.incidentsByStatusSeverity(s, v));
    const res = (await multi.exec()) ?? [];
    const out: Record<string, Record<string, number>> = {};
    let i = 0;
    for (const s of statuses) {
      out[s] = {};
      for (const v of severities) out[s][v] = Number(res[i++]?.[1] ?? 0);
    }
    return out;
  }

  /**
   * Applies `fields` and appends `entries` if the incident's status, severity and assignee are
   * still as read; false when someone changed them meanwhile (re-read and retry).
   */
  async update(
    incident: Pick<Incident, 'id' | 'seq' | 'status' | 'severity' | 'assignee' | 'escalationLevel' | 'category' | 'region' | 'links'>,
    next: { status: IncidentStatus; severity: Severity },
    fields: Record<string, unknown>,
    entries: TimelineEntry[],
  ): Promise<boolean> {
    return (await this.apply(incident, next, fields, entries)).made;
  }

  /**
   * As `update`, and once per request `key` (its entries carry it in `data.key`): `made` with the
   * timeline's length after this change's entries (they end there), or not made because the incident
   * changed meanwhile or the request's change is already in it (either way: read it again).
   */
  async apply(
    incident: Pick<Incident, 'id' | 'seq' | 'status' | 'severity' | 'assignee' | 'escalationLevel' | 'category' | 'region' | 'links'>,
    next: { status: IncidentStatus; severity: Severity },
    fields: Record<string, unknown>,
    entries: TimelineEntry[],
    key?: string,
    /** The change's audit entries, kept with it under the request key until written to the trail (AuditOnce). */
    audit?: { key: string; entries: unknown[] },
  ): Promise<{ made: true; end: number } | { made: false }> {
    const { links, ...rest } = fields as { links?: Record<string, string> } & Record<string, unknown>;
    const linksChange = links === undefined ? undefined : changedKeys(incident.links ?? {}, links);
    const [outcome, end] = (await UPDATE.run(
      this.redis,
      [this.keys.incident(incident.id), this.keys.incidentTimeline(incident.id), ...(audit ? [audit.key] : [])],
      [
        this.keys.prefix,
        incident.status,
        incident.severity,
        next.status,
        next.severity,
        String(incident.seq),
        JSON.stringify(toHash({ ...rest, status: next.status, severity: next.severity })),
        JSON.stringify(entries),
        incident.assignee ?? '',
        key ?? '',
        audit ? JSON.stringify(audit.entries) : '',
        String(incident.escalationLevel ?? 0),
        JSON.stringify({ category: incident.category ?? '', region: incident.region ?? '' }),
        linksChange ? JSON.stringify(linksChange) : '',
      ],
    )) as [number, number];
    return outcome === 1 ? { made: true, end } : { made: false };
  }

  /**
   * The incident a message was taken into (its intake record, kept 7 days), or else the reporter's
   * active incident: where an edit or a delete of that message may belong.
   */
  async holderOf(messageId: string, reporter: string): Promise<string | undefined> {
    const [done, open] = await this.redis.mget(this.keys.intakeDone(messageId), this.keys.openIncidentOf(reporter));
    return done?.split('|')[0] || open || undefined;
  }

  /**
   * Records the reporter's edit or delete of message `of` in incident `id`, once per `sourceId`
   * (the edit or delete message), if that incident is the reporter's and its timeline holds the
   * message. `summary` replaces the incident's summary when the message was the report itself.
   */
  async recordMessageChange(
    id: string,
    input: { of: string; reporter: string; entry: TimelineEntry; sourceId: string; at: string; summary?: string; channel: string },
  ): Promise<{ incident: Incident; duplicate: boolean; unchanged?: boolean; original?: TimelineEntry } | undefined> {
    const [flag, flat, original] = (await MESSAGE_CHANGE.run(
      this.redis,
      [this.keys.incident(id), this.keys.incidentTimeline(id), this.keys.intakeDone(input.sourceId)],
      [
        input.of,
        input.reporter,
        JSON.stringify({ ...input.entry, data: { ...input.entry.data, of: input.of } }),
        input.at,
        String(7 * 24 * 3600),
        input.summary ?? '',
        input.channel,
      ],
    )) as [number, string[]?, string?];
    if (flag === 0 || !flat) return undefined;
    const h: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
    return {
      incident: fromHash(h, []),
      duplicate: flag === 2,
      // An edit to the words the message already has: nothing was recorded.
      ...(flag === 3 ? { unchanged: true } : {}),
      ...(original ? { original: JSON.parse(original) as TimelineEntry } : {}),
    };
  }

  /** Ids of every incident a reporter opened (for erasure). */
  async idsOfReporter(reporter: string): Promise<string[]> {
    return this.redis.smembers(this.keys.incidentsOfReporter(reporter));
  }

  /**
   * Removes a reporter's personal data from an incident, keeping the anonymous record: their words
   * and pins, and in what staff wrote there, their number and (`name`) their registered name.
   * `number`: their phone, when `reporter` is the LID WhatsApp hid it behind.
   */
  async eraseReporter(id: string, reporter: string, name?: string, number = reporter, keep: readonly string[] = []): Promise<void> {
    // One script: a note added by staff meanwhile can neither be lost nor escape the scrub.
    await ERASE_REPORTER.run(
      this.redis,
      [this.keys.incident(id), this.keys.incidentTimeline(id), this.keys.openIncidentOf(reporter)],
      [
        '[erased at the citizen’s request]',
        ...scrubDigits(number),
        name && name.trim().length >= 3 ? name.trim().toLowerCase() : '',
        '[erased]',
        // Reported from the LID their number hid behind: its digits go too (a card shows it, staff copy it).
        number !== reporter ? (scrubDigits(reporter)[0] ?? '') : '',
      ],
    );
    if (name) await this.scrubNameFrom(id, name, keep);
  }

  /**
   * Takes the registered name out of what staff wrote in an incident, as they may have written it: in
   * capitals, without its accents, or one part of it written as a name ("Mme Durand"; never a part of a
   * name in `keep`, the staff's): the script above finds it only whole and in the case it was registered in.
   */
  private async scrubNameFrom(id: string, name: string, keep: readonly string[]): Promise<void> {
    const pattern = namePattern(name, keep);
    if (!pattern) return;
    const timeline = this.keys.incidentTimeline(id);
    const changes: string[] = [];
    (await this.redis.lrange(timeline, 0, -1)).forEach((raw, at) => {
      const e = JSON.parse(raw) as TimelineEntry;
      if (e.actor === 'reporter' || typeof e.text !== 'string') return;
      const text = scrubName(e.text, pattern, '[erased]');
      if (text !== e.text) changes.push(String(at), raw, JSON.stringify({ ...e, text }));
    });
    if (changes.length) await REPLACE_ENTRIES.run(this.redis, [timeline], changes);
  }
}

/** A filter's values as a list: none, one or several. */
function listOf<T extends string>(v: T | readonly T[] | undefined): readonly T[] {
  return v === undefined ? [] : typeof v === 'string' ? [v] : v;
}
