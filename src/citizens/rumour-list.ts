import type { CoreDeps } from '../app/deps.ts';

/**
 * What a rumour is: words claiming to come from the embassy (`claim`), words claiming only the local
 * authorities (`authorities_claim`: they may be genuine, the embassy cannot confirm them, and citizens
 * were told to check them on the authorities' channels, not that they are false), a forwarded alert the
 * embassy did not send (`fake_alert`: an unknown id, a wrong code, an exercise or an unapproved one), or
 * a copy of a genuine alert whose words were changed (`altered_alert`).
 */
export const RUMOUR_KINDS = ['claim', 'authorities_claim', 'fake_alert', 'altered_alert'] as const;
export type RumourKind = (typeof RUMOUR_KINDS)[number];

/** How many of a rumour's incidents a listing names (the newest); `incidentCount` says how many there are. */
const INCIDENTS_LISTED = 20;

/** A rumour as duty officers see it: its words, how far it spread, and what it claims to be. Never who sent it. */
export interface Rumour {
  /** The id of its wording: the same chain message sent by many citizens is one rumour. */
  id: string;
  /** Its words as the first citizen forwarded them (spacing collapsed, at most 1,000 characters). */
  text: string;
  language: string;
  kind: RumourKind;
  /** For `altered_alert`, the genuine alert it is a changed copy of; for `fake_alert`, the alert id it names. */
  alert: string | null;
  /** How many different citizens sent it. */
  citizens: number;
  /** How many times it was sent (a citizen sending it twice counts twice). */
  forwards: number;
  firstSeen: string;
  lastSeen: string;
  /** The incidents it was added to (citizens with a report open who forwarded it), newest first. */
  incidents: string[];
  incidentCount: number;
}

/**
 * The rumours last sent at or after `since` (ms), in no order. A rumour is kept 30 days after it
 * was last sent, and at most 1,000 of them (see rumours.ts): this reads all of them at most.
 */
export async function loadRumours(deps: CoreDeps, since: number): Promise<Rumour[]> {
  const ids = await deps.redis.zrangebyscore(deps.keys.rumoursByLast, since, '+inf');
  if (ids.length === 0) return [];
  const pipeline = deps.redis.pipeline();
  for (const id of ids) {
    pipeline.hgetall(deps.keys.rumour(id));
    pipeline.scard(deps.keys.rumourSenders(id));
    pipeline.zrevrange(deps.keys.rumourIncidents(id), 0, INCIDENTS_LISTED - 1);
    pipeline.zcard(deps.keys.rumourIncidents(id));
  }
  const replies = ((await pipeline.exec()) ?? []).map(([err, value]) => (err ? undefined : value));
  const rumours: Rumour[] = [];
  ids.forEach((id, i) => {
    const [hash, senders, incidents, incidentCount] = replies.slice(i * 4, i * 4 + 4) as [
      Record<string, string> | undefined,
      number | undefined,
      string[] | undefined,
      number | undefined,
    ];
    if (!hash?.text) return;
    const kind = RUMOUR_KINDS.find((k) => k === hash.kind) ?? 'claim';
    rumours.push({
      id,
      text: hash.text,
      language: hash.language ?? '',
      kind,
      alert: hash.alert || null,
      citizens: senders ?? 0,
      forwards: Number(hash.forwards ?? 0),
      firstSeen: new Date(Number(hash.first ?? 0)).toISOString(),
      lastSeen: new Date(Number(hash.last ?? 0)).toISOString(),
      incidents: incidents ?? [],
      incidentCount: incidentCount ?? 0,
    });
  });
  return rumours;
}

/** Orders of a listing: the most spread first (most citizens, then most forwards, then latest), or the latest first. */
export const RUMOUR_SORTS = ['spread', 'recent'] as const;
export type RumourSort = (typeof RUMOUR_SORTS)[number];

/** A rumour's place in a listing: numbers compared largest first, then the id. Its text form is the page cursor. */
function positionOf(r: Rumour, sort: RumourSort): { numbers: number[]; id: string } {
  const last = Date.parse(r.lastSeen);
  return { numbers: sort === 'spread' ? [r.citizens, r.forwards, last] : [last], id: r.id };
}

/** How many numbers a cursor of each order holds before the id. */
export const CURSOR_NUMBERS: Record<RumourSort, number> = { spread: 3, recent: 1 };

function compare(a: { numbers: number[]; id: string }, b: { numbers: number[]; id: string }): number {
  for (let i = 0; i < a.numbers.length; i++) {
    const d = (b.numbers[i] ?? 0) - (a.numbers[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export interface RumourQuery {
  /** Last sent at or after this time (ms). */
  since: number;
  kind?: RumourKind;
  sort: RumourSort;
  limit: number;
  /** The nextCursor of the previous page: `12.15.1764230400000.3f2a…` (spread) or `1764230400000.3f2a…` (recent). */
  cursor?: string;
}

/**
 * One page of rumours in the order asked, with the cursor of the next page (null at the end) and how
 * many match in all. The cursor is the last rumour's place in the order, so a rumour sent for the
 * first time while the officer pages does not shift the next page; one sent again meanwhile moves up.
 */
export async function listRumours(deps: CoreDeps, q: RumourQuery): Promise<{ items: Rumour[]; nextCursor: string | null; total: number }> {
  const matching = (await loadRumours(deps, q.since)).filter((r) => !q.kind || r.kind === q.kind);
  const placed = matching.map((r) => ({ r, at: positionOf(r, q.sort) })).sort((a, b) => compare(a.at, b.at));
  const from = q.cursor ? parseCursor(q.cursor) : undefined;
  const rest = from ? placed.filter((p) => compare(p.at, from) > 0) : placed;
  const page = rest.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((p) => p.r),
    nextCursor: rest.length > q.limit && last ? [...last.at.numbers, last.at.id].join('.') : null,
    total: matching.length,
  };
}

function parseCursor(cursor: string): { numbers: number[]; id: string } {
  const parts = cursor.split('.');
  return { numbers: parts.slice(0, -1).map(Number), id: parts.at(-1) ?? '' };
}
