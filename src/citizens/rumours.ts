import { createHash } from 'node:crypto';
import type { CoreDeps } from '../app/deps.ts';
import { openIncident } from '../app/incidents/open-incident.ts';
import { excerpt, incidentStore, publishChange } from '../app/incidents/shared.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import type { Category } from '../domain/incident.ts';
import { EMBASSY_CLAIM, FIRST_PERSON, OFFICIAL_CLAIM, TRUTH_FILLER, TRUTH_QUESTIONS } from '../domain/rumour-words.ts';
import { foldText, guessLanguage, KeywordSet } from '../domain/text-normalise.ts';
import { classify } from '../domain/triage.ts';
import { LuaScript } from '../store/lua-script.ts';
import { normaliseWords } from './keywords.ts';
import { t } from './messages.ts';
import { loadRumours, type RumourKind } from './rumour-list.ts';

const OFFICIAL = new KeywordSet(Object.values(OFFICIAL_CLAIM).flat());
const EMBASSY = new KeywordSet(Object.values(EMBASSY_CLAIM).flat());
const SPEAKS_OF_SELF = new KeywordSet(Object.values(FIRST_PERSON).flat());
/** A genuine alert names itself: verify-alert.ts answers a forwarded message that names one. */
const ALERT_ID = /\bALR-\d{4,}\b/i;
/** Categories in which a person is hurt, trapped, missing or held: a message describing one is a report, whoever wrote it first. */
const PERSON_IN_DANGER = new Set<Category>(['trapped', 'medical', 'missing_person', 'arrest_detention']);

/**
 * True when a forwarded message reads as a rumour: it claims to speak for the embassy or the
 * authorities (OFFICIAL_CLAIM), names no alert (a message naming one is verified against it), and
 * does not report someone in danger. A report wins: a person trapped, hurt, missing or detained,
 * or danger (shooting, a critical situation) around the sender's own people ("we", "my son").
 * "The embassy says go to the airport tonight, share!" is a rumour; "forwarded from my sister: the
 * embassy told us to stay, we are trapped at the Sham hotel" is a report.
 */
export function readsAsRumour(text: string): boolean {
  return rumourClaim(text) !== undefined;
}

/**
 * Whom a forwarded message that reads as a rumour (see readsAsRumour) claims to speak for: the
 * embassy (it did not send it), or only the country's authorities ("Ministry of Interior: curfew
 * from 20:00"), which may be genuine and which the embassy cannot confirm. Undefined: no rumour.
 */
export function rumourClaim(text: string): 'embassy' | 'authorities' | undefined {
  if (!text.trim() || ALERT_ID.test(text)) return undefined;
  const folded = foldText(text);
  if (!OFFICIAL.any(folded)) return undefined;
  const triaged = classify(text);
  if (PERSON_IN_DANGER.has(triaged.category)) return undefined;
  const danger = triaged.category === 'security' || triaged.severity === 'critical';
  if (danger && SPEAKS_OF_SELF.any(folded)) return undefined;
  return EMBASSY.any(folded) ? 'embassy' : 'authorities';
}

/** How long a rumour's record is kept after it was last forwarded, and how many distinct wordings at most. */
const KEEP_MS = 30 * 24 * 3_600_000;
const KEEP_MAX = 1_000;
/** How long a forward is remembered as counted: a redelivered or retried message within it counts once (as intake's records). */
const COUNTED_MS = 7 * 24 * 3_600_000;

/**
 * Counts one forward of a rumour, once per message: KEYS rumour hash, by-last zset, message marker,
 * senders set, incidents zset; ARGV id, text, language, now ms, keep ms, keep max, counted ms, sender
 * pseudonym, kind, alert id ('' for none). Returns the forwards so far (0: already counted).
 */
const COUNT_SCRIPT = new LuaScript(`
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[7]) then return 0 end
redis.call('HSETNX', KEYS[1], 'text', ARGV[2])
redis.call('HSETNX', KEYS[1], 'language', ARGV[3])
redis.call('HSETNX', KEYS[1], 'first', ARGV[4])
redis.call('HSET', KEYS[1], 'last', ARGV[4], 'kind', ARGV[9], 'alert', ARGV[10])
local n = redis.call('HINCRBY', KEYS[1], 'forwards', 1)
if ARGV[8] ~= '' then redis.call('SADD', KEYS[4], ARGV[8]) end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[4], ARGV[5])
redis.call('PEXPIRE', KEYS[5], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (tonumber(ARGV[4]) - tonumber(ARGV[5])))
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[6]) - 1)
return n
`);

/** The id of a rumour's wording: the same chain message forwarded by many citizens is one rumour. */
function rumourId(text: string): string {
  return createHash('sha256').update(normaliseWords(text)).digest('hex').slice(0, 16);
}

/** One forward of a rumour: its words, the message that brought it, and who sent it (their audit pseudonym). */
export interface RumourForward {
  text: string;
  language: string;
  messageId: string;
  /** The sender as the audit log names them (`citizen:3f2a…`): counted once however often they forward it. */
  sender: string;
  kind: RumourKind;
  /** The alert a fake or altered alert names. */
  alert?: string;
}

/** Records one forward of a rumour for the cell (its words, never who forwarded it) and tells live views. Returns its id. */
export async function recordRumour(deps: CoreDeps, forward: RumourForward): Promise<string> {
  const id = rumourId(forward.text);
  const k = deps.keys;
  const counted = await COUNT_SCRIPT.run(
    deps.redis,
    [k.rumour(id), k.rumoursByLast, k.rumourCounted(forward.messageId), k.rumourSenders(id), k.rumourIncidents(id)],
    [
      id,
      excerpt(forward.text, 1_000),
      forward.language,
      deps.now(),
      KEEP_MS,
      KEEP_MAX,
      COUNTED_MS,
      forward.sender,
      forward.kind,
      forward.alert ?? '',
    ],
  );
  if (counted !== 0) publishChange(deps, 'rumour.updated', id);
  return id;
}

/** Notes that a rumour was added to a citizen's open report: duty officers see which incidents it reached. */
async function linkRumour(deps: CoreDeps, id: string, incident: string): Promise<void> {
  const key = deps.keys.rumourIncidents(id);
  await deps.redis
    .multi()
    .zadd(key, Number(incident.replace(/\D/g, '')), incident)
    .pexpire(key, KEEP_MS)
    .exec();
  publishChange(deps, 'rumour.updated', id);
}

/**
 * A citizen forwards a message that claims to come from the embassy or the authorities and is no
 * genuine alert: they are warned in their language (the embassy did not send it; do not act on it
 * or share it; NEWS for genuine advice; describe any danger they are in), the rumour is counted for
 * the cell's /sitrep, and when the citizen has a report open the message joins it, marked as a
 * forwarded rumour (its words raise nothing), so the officer on the case knows what they were told.
 * Without an open report no incident is opened: one chain message forwarded by hundreds would
 * bury the cell's real reports. Returns false when the message is no forwarded rumour.
 */
export async function warnOfRumour(ctx: ChatContext, reporter: string, registeredLanguage?: Promise<string | undefined>): Promise<boolean> {
  const { msg, deps } = ctx;
  const text = msg.text ?? '';
  const claim = msg.forwarded && !ctx.sender.staff && !msg.edit ? rumourClaim(text) : undefined;
  if (!claim) return false;
  const language = (await registeredLanguage) ?? guessLanguage(text, deps.config.languages);
  const [id, active] = await Promise.all([
    recordRumour(deps, {
      text,
      language,
      messageId: msg.id,
      sender: ctx.sender.actor,
      // The cell must not read a claim of the authorities as a fake: the citizen was told to check it.
      kind: claim === 'authorities' ? 'authorities_claim' : 'claim',
    }),
    incidentStore(deps).activeOf(reporter),
  ]);
  await Promise.all([
    ctx.reply(t(language, claim === 'embassy' ? 'rumourWarning' : 'authoritiesUnconfirmed'), 'rumour'),
    deps.redis.set(deps.keys.rumourWarned(reporter), JSON.stringify({ claim, language }), 'EX', TRUTH_QUESTION_WINDOW_S),
  ]);
  const joined = active
    ? await openIncident(deps, {
        reporter,
        text,
        channel: 'chat',
        language,
        sourceMessageId: msg.id,
        forwarded: true,
        rumour: claim,
        ...(msg.media ? { media: msg.media } : {}),
      })
    : undefined;
  if (joined) await linkRumour(deps, id, joined.id);
  await deps.audit.append({
    type: 'rumour.warned',
    actor: ctx.sender.actor,
    subject: `rumour:${id}`,
    data: joined ? { incident: joined.id } : {},
  });
  return true;
}

/** How long after a rumour's warning "is this true?" is read as asked about it. */
const TRUTH_QUESTION_WINDOW_S = 30 * 60;
const TRUTH_QUESTION = new KeywordSet(Object.values(TRUTH_QUESTIONS).flat());
const TRUTH_FILLER_WORDS = new Set(
  Object.values(TRUTH_FILLER)
    .flat()
    .map((w) => foldText(w)),
);

/** True when a message only asks whether something is true: "is this true?", "c'est vrai ?", "يعني الخبر صحيح؟". */
export function asksIfTrue(text: string): boolean {
  const folded = foldText(text);
  if (!TRUTH_QUESTION.any(folded)) return false;
  return TRUTH_QUESTION.remove(folded)
    .split(/[^\p{L}\p{N}]+/u)
    .every((w) => w === '' || TRUTH_FILLER_WORDS.has(w));
}

/**
 * "Is this true?" from a citizen warned of a rumour in the last half hour: they get the answer again,
 * shorter (the embassy did not send it; or, for a claim of the authorities, the embassy cannot say),
 * and no report is opened: it used to open one, and an officer had to work out what "is this true?"
 * was about. With a report of theirs open, the question joins it, marked as a question about the
 * rumour, so the officer on the case sees what worries them. False for any other message, or when no
 * warning was given them lately.
 */
export async function answerTruthQuestion(ctx: ChatContext, reporter: string): Promise<boolean> {
  const { msg, deps } = ctx;
  const text = msg.text;
  if (!text || msg.forwarded || msg.edit || ctx.sender.staff || !asksIfTrue(text)) return false;
  const [raw, active] = await Promise.all([deps.redis.get(deps.keys.rumourWarned(reporter)), incidentStore(deps).activeOf(reporter)]);
  if (!raw) return false;
  const warned = JSON.parse(raw) as { claim: 'embassy' | 'authorities'; language: string };
  await Promise.all([
    ctx.reply(t(warned.language, warned.claim === 'embassy' ? 'rumourNotTrue' : 'authoritiesStillUnconfirmed'), 'rumour'),
    active &&
      openIncident(deps, {
        reporter,
        text,
        channel: 'chat',
        language: warned.language,
        sourceMessageId: msg.id,
        asksIfRumourTrue: warned.claim,
        // A question gives a report opened by SOS or a pin alone no summary or language.
        wordless: true,
      }),
  ]);
  return true;
}

/** How far back /sitrep looks for rumours, and how many it lists. */
const SITREP_WINDOW_MS = 24 * 3_600_000;
const SITREP_LIST = 3;

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** What /sitrep says of a claim of the local authorities: what the citizens who sent it were told, never that it is false. */
const AUTHORITIES_NOTE =
  'claims to come from the local authorities; the embassy cannot confirm it; citizens were told to check it on official channels';

/**
 * Lines for /sitrep: the rumours forwarded to the embassy in the last 24 hours, most forwarded first,
 * and what to do about them. One claiming the embassy (or a fake or altered alert) is false: its
 * senders were warned so, and an alert with the genuine advice counters it. One claiming only the
 * local authorities may be true (a real curfew): it is marked, and to be verified with them before
 * any alert, never countered as a fake.
 */
export async function rumourSitrep(deps: CoreDeps): Promise<string[]> {
  const now = deps.now();
  const rows = (await loadRumours(deps, now - SITREP_WINDOW_MS))
    .map((r) => ({ text: r.text, kind: r.kind, forwards: r.forwards, first: Date.parse(r.firstSeen), last: Date.parse(r.lastSeen) }))
    .sort((a, b) => b.forwards - a.forwards || b.last - a.last);
  if (rows.length === 0) return [];
  const total = rows.reduce((n, r) => n + r.forwards, 0);
  const lines = [
    `📣 Rumours: ${rows.length} message${rows.length === 1 ? '' : 's'} claiming to be official forwarded to us in the last 24 h (${total} forward${total === 1 ? '' : 's'} in all). Most forwarded:`,
  ];
  for (const r of rows.slice(0, SITREP_LIST)) {
    const first = r.first < now - SITREP_WINDOW_MS ? new Date(r.first).toISOString().slice(0, 16).replace('T', ' ') : hhmm(r.first);
    const note = r.kind === 'authorities_claim' ? ` — ${AUTHORITIES_NOTE}` : '';
    lines.push(`  ${r.forwards}× “${excerpt(r.text, 160)}” (first ${first}, last ${hhmm(r.last)} UTC)${note}`);
  }
  if (rows.length > SITREP_LIST) lines.push(`  … and ${rows.length - SITREP_LIST} more.`);
  const authorities = rows.filter((r) => r.kind === 'authorities_claim').length;
  if (authorities < rows.length) {
    lines.push(
      '  To counter one that claims to be the embassy: /alert all <the genuine advice> (its senders were warned it is no genuine alert).',
    );
  }
  if (authorities === 1) {
    lines.push(
      '  The one from the local authorities may be genuine: verify it with the authorities before any /alert, and do not counter it as a fake.',
    );
  } else if (authorities > 1) {
    lines.push(
      `  The ${authorities} from the local authorities may be genuine: verify each with the authorities before any /alert, and do not counter them as fakes.`,
    );
  }
  return lines;
}
