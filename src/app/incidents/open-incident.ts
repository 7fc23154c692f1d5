import { durationMs } from '../../domain/duration.ts';
import {
  type Category,
  type Channel,
  type GeoPin,
  type Incident,
  isActive,
  SEVERITY_RANK,
  type Severity,
  type TimelineEntry,
} from '../../domain/incident.ts';
import { maxSeverity, triage } from '../../domain/triage.ts';
import type { IntakeOutcome } from '../../store/incident-store.ts';
import type { CoreDeps } from '../deps.ts';
import { cardWindow, followUpSlot, incidentCard, postCard, rerankInDigest, scheduleDigest } from './cards.ts';
import { escalateSooner, firstDeadline, scheduleDeadlineCheck } from './escalation.ts';
import { withoutRegionGuess } from './lifecycle.ts';
import {
  excerpt,
  forwardMediaToCellGroups,
  incidentStore,
  messageStaff,
  postToCellGroups,
  publishIncident,
  regionName,
  SEVERITY_ICON,
} from './shared.ts';

/** A citizen's report (or a follow-up) as the intake sees it. */
export interface IncidentReport {
  /** E.164 phone of the reporting citizen. */
  reporter: string;
  text: string;
  channel: Channel;
  language?: string;
  location?: GeoPin;
  /** Overrides of the triage, e.g. a welfare-check HELP is critical. */
  severity?: Severity;
  category?: Category;
  region?: string;
  /** The region the citizen registered in: the incident's region when the report names none and has no pin. */
  homeRegion?: string;
  links?: Record<string, string>;
  /**
   * The words describe nothing ("SOS", "ok", "👍", "hello??"): like a pin or a photo alone, they give an
   * incident no summary or language; the first words that describe something and join it do.
   */
  wordless?: boolean;
  /**
   * False when `language` is a default, none of the words telling it ("ok", "SOS 112"): the incident's
   * answers are then in the language of the first words that do tell one.
   */
  languageSure?: boolean;
  /** The inbound message id: the same message never opens or adds twice. */
  sourceMessageId?: string;
  media?: string;
  /** The citizen forwarded the message (someone else's words): marked on the card and the timeline. */
  forwarded?: boolean;
  /**
   * A forwarded message claiming to be official that is no genuine alert (see citizens/rumours.ts):
   * kept with the citizen's report, marked as a rumour, and its words triage nothing (a rumour of
   * shelling is not the reporter's emergency). An incident it opens is `other`, low. `embassy`: it
   * claims the embassy, which did not send it; `authorities`: it claims the country's authorities,
   * which the embassy cannot confirm (the reporter was told to check it, not to ignore it).
   */
  rumour?: 'embassy' | 'authorities';
  /**
   * The message only asks whether a rumour the reporter was just warned of is true ("is this true?"):
   * it joins their open report (never opens one), marked so, and its words triage nothing. The value
   * is what the rumour claimed, as for `rumour`.
   */
  asksIfRumourTrue?: 'embassy' | 'authorities';
}

export interface IntakeResult {
  id: string;
  /** True when a new incident was opened; false when the report joined the active one. */
  created: boolean;
  /** True when this source message had already been taken in. */
  duplicate: boolean;
  /** The incident's language (a follow-up keeps the language of the opening report). */
  language: string;
  /** This message itself is critical: its words say a life is in danger, or it is an SOS. */
  critical: boolean;
}

/**
 * Takes in a citizen's report: opens a triaged incident and announces it to the cell,
 * or adds the report to the citizen's active incident. Idempotent per source message.
 * `acknowledge` (e.g. the answer to the citizen) runs as soon as the report is stored,
 * alongside the announcement; both are done when this resolves.
 */
export async function openIncident(
  deps: CoreDeps,
  input: IncidentReport,
  acknowledge?: (result: IntakeResult) => Promise<void>,
): Promise<IntakeResult> {
  return (await takeIn(deps, input, acknowledge, false)) as IntakeResult;
}

/**
 * Adds a message that only follows up on the report open when it was read ("thank you", "hello??")
 * to the reporter's active incident, as openIncident does; undefined, with nothing stored or sent,
 * when none is active any more (resolved meanwhile): the words open no report the cell must triage.
 */
export function joinOpenIncident(
  deps: CoreDeps,
  input: IncidentReport,
  acknowledge?: (result: IntakeResult) => Promise<void>,
): Promise<IntakeResult | undefined> {
  return takeIn(deps, input, acknowledge, true);
}

async function takeIn(
  deps: CoreDeps,
  input: IncidentReport,
  acknowledge: ((result: IntakeResult) => Promise<void>) | undefined,
  joinOnly: boolean,
): Promise<IntakeResult | undefined> {
  const store = incidentStore(deps);
  const at = new Date(deps.now()).toISOString();
  const t =
    input.rumour || input.asksIfRumourTrue
      ? { category: 'other' as const, severity: 'low' as const, region: null, worded: false }
      : triage(input.text, input.location, deps.config.regions);
  // The severity an officer gives counts, and is never lowered by words that match no rule (their
  // default severity); words that do (trapped, bleeding) raise it, never the other way round.
  const severity = input.severity && t.worded ? maxSeverity(input.severity, t.severity) : (input.severity ?? t.severity);
  const marks = {
    ...(input.forwarded ? { forwarded: true } : {}),
    ...(input.rumour ? { rumour: true } : {}),
    ...(input.asksIfRumourTrue ? { asksIfRumourTrue: true } : {}),
  };
  const entry: TimelineEntry = {
    at,
    actor: 'reporter',
    channel: input.channel,
    type: input.location && !input.text ? 'location' : input.media && !input.text ? 'media' : 'details',
    ...(input.text ? { text: input.text } : {}),
    ...(input.location
      ? { data: { location: input.location, ...marks } }
      : input.media
        ? { data: { media: input.media, ...marks } }
        : Object.keys(marks).length
          ? { data: marks }
          : {}),
    // The message it came from: a later edit or delete of that message is recorded against this entry.
    ...(input.sourceMessageId ? { messageId: input.sourceMessageId } : {}),
  };
  const sourceId = input.sourceMessageId ?? `${input.channel}:${input.reporter}:${at}:${Math.random()}`;
  const deadline = firstDeadline(deps, severity);
  const window = cardWindow(deps, severity);
  const unsure = input.languageSure === false;
  const summary = excerpt(input.text || (input.location ? '(location pin)' : `(${input.media ?? 'message'})`), 500);
  const announcement = {
    channel: deps.keys.events,
    ...(deadline ? { deadline } : {}),
    cards: window.cards,
    // A report opened by a pin, a photo or SOS alone has no words yet: the first words that join
    // it give it its summary and the language its answers are in.
    ...(input.text && !input.wordless
      ? { words: { summary, language: input.language ?? deps.config.languages[0] ?? 'en' } }
      : { wordless: true }),
    // "SOS" or "Hotel Sheraton, 412" tells no language: the first words that do give theirs.
    ...(unsure ? { langless: true } : input.text && !input.wordless && input.language ? { spoken: input.language } : {}),
    ...(joinOnly ? { joinOnly: true } : {}),
  };
  const region =
    input.region ?? t.region ?? (input.homeRegion && deps.config.regions.some((r) => r.id === input.homeRegion) ? input.homeRegion : null);
  const fromRegistration = !input.region && !t.region && region !== null;
  const result = await store.intake(
    {
      severity,
      category: input.category ?? t.category,
      region,
      reporter: input.reporter,
      assignee: null,
      language: input.language ?? deps.config.languages[0] ?? 'en',
      summary,
      location: input.location ?? null,
      channel: input.channel,
      links: {
        ...input.links,
        ...(fromRegistration ? { regionFrom: 'registration' } : {}),
        ...(input.rumour ? { forwarded: 'rumour' } : input.forwarded ? { forwarded: 'true' } : {}),
      },
    },
    { opening: { ...entry, type: 'reported' }, followUp: entry },
    sourceId,
    at,
    announcement,
  );
  if (!result) return undefined;
  const { incident } = result;
  const outcome = {
    id: result.id,
    created: result.created,
    duplicate: result.duplicate,
    language: incident.language,
    critical: severity === 'critical',
  };
  await Promise.all([acknowledge?.(outcome), announce(deps, result, entry, input, deadline?.bucket, window.bucket)]);
  return outcome;
}

/**
 * How long after a message's intake a retried job still queues its announcement again: well
 * within the outbound queue's memory of job ids, so the cell sees each card or update once.
 */
const RETRY_ANNOUNCE_MS = 3_600_000;

/**
 * Tells the cell about a report. A message already taken in is a retried job whose first attempt
 * stored the report and then failed (Redis, the outbox): its card, digest or update is queued
 * again under the same keys, so it is never lost and never shown twice.
 */
async function announce(
  deps: CoreDeps,
  result: IntakeOutcome,
  entry: TimelineEntry,
  input: IncidentReport,
  deadlineBucket: number | undefined,
  windowBucket: number,
): Promise<void> {
  if (!result.duplicate) {
    return result.created ? onOpened(deps, result, input, deadlineBucket, windowBucket) : onFollowUp(deps, result.incident, entry, input);
  }
  const earlier = result.earlier;
  const at = Date.parse(earlier?.at ?? '');
  if (!earlier || !(deps.now() - at < RETRY_ANNOUNCE_MS)) return;
  if (!earlier.opened) return onFollowUp(deps, result.incident, entry, input, true);
  // The deadline of a retried report is left to the escalation sweep, which runs every 30 s.
  const bucket = Math.floor(at / durationMs(deps.config.digest.window));
  return onOpened(deps, { ...result, card: earlier.card, scheduleDeadline: false }, input, undefined, bucket, true);
}

/** A new incident: audited, its escalation checked in time, its card (or digest) on its way. */
async function onOpened(
  deps: CoreDeps,
  result: IntakeOutcome,
  input: IncidentReport,
  deadlineBucket: number | undefined,
  windowBucket: number,
  retried = false,
): Promise<void> {
  const { incident } = result;
  const audited = deps.audit.pseudonym(incident.reporter ?? '').then((actor) =>
    deps.audit.append({
      type: 'incident.opened',
      actor,
      subject: incident.id,
      data: {
        severity: incident.severity,
        category: incident.category,
        region: incident.region,
        channel: incident.channel,
        ...(retried ? { retried: true } : {}),
      },
    }),
  );
  await Promise.all([
    audited,
    result.scheduleDeadline && deadlineBucket !== undefined ? scheduleDeadlineCheck(deps, deadlineBucket) : undefined,
    result.card === 1 ? postCard(deps, incident).then(() => forwardMedia(deps, input, incident.id)) : undefined,
    result.card === 2 ? scheduleDigest(deps, windowBucket) : undefined,
    tellAsker(deps, incident),
  ]);
}

/** How long after an officer wrote to the reporter of a report already over their answer is taken as one. */
const ASKED_WITHIN_MS = 7 * 24 * 3_600_000;

/**
 * An officer wrote to the reporter of a report already over ("did you get your new passport?"): the
 * answer opens a new report naming it, and the officer who asked is told, with the answer, so it does
 * not wait in the queue for whoever is free while they wait for it.
 */
async function tellAsker(deps: CoreDeps, incident: Incident): Promise<void> {
  const earlierId = incident.links.earlier ?? incident.links.inReplyTo;
  if (!earlierId?.startsWith('INC-')) return;
  const earlier = await incidentStore(deps).get(earlierId);
  if (!earlier || earlier.reporter !== incident.reporter) return;
  // Their last word from the embassy was that officer's message, written after the report was over.
  const last = [...earlier.timeline].reverse().find((e) => e.type === 'message' || e.type === 'status');
  const by = last?.type === 'message' ? last.data?.by : undefined;
  const staff = typeof by === 'string' ? deps.roster.find(by) : undefined;
  if (!last || !staff || !(deps.now() - Date.parse(last.at) < ASKED_WITHIN_MS)) return;
  const text = `💬 The reporter of ${earlier.id} answered your message (“${excerpt(last.text ?? '', 120)}”) with a new report, ${incident.id}: “${excerpt(incident.summary, 300)}”\n👍 this message or send /ack ${incident.id} to take it.`;
  await messageStaff(deps, [staff.phone], text, `answered:${incident.id}`, 'assignment', `incident:${incident.id}`);
}

/**
 * The citizen's photo, video, voice note or document follows its card or update into the cell
 * group. A report folded into a digest (a flood) sends none: the dashboard shows it was received.
 */
async function forwardMedia(deps: CoreDeps, input: IncidentReport, incidentId: string): Promise<void> {
  if (input.media && input.sourceMessageId) await forwardMediaToCellGroups(deps, input.sourceMessageId, input.media, incidentId);
}

async function onFollowUp(deps: CoreDeps, incident: Incident, entry: TimelineEntry, input: IncidentReport, retried = false): Promise<void> {
  // A forwarded rumour is what the reporter was told, not what is happening to them, and "is this true?"
  // about it says nothing of them either: neither raises anything.
  const aboutRumour = !!(input.rumour || input.asksIfRumourTrue);
  const { raised, filled } = aboutRumour ? {} : await retriageFollowUp(deps, incident, input);
  // A retry whose first attempt raised the severity, then failed before moving the deadline: it finds
  // the severity already raised, so the deadline is moved here (only ever earlier, never twice).
  const retriedUnraised = retried && !raised && !aboutRumour;
  if (retriedUnraised) await Promise.all([escalateSooner(deps, incident, incident.severity), rerankInDigest(deps, incident)]);
  // ...and the officer holding it may not have been told yet: told again under the same key (once).
  // (The intake's own copy of the incident holds no timeline: it is read whole, on a retry only.)
  const current = retriedUnraised && incident.assignee ? await incidentStore(deps).get(incident.id) : undefined;
  const raisedBefore = current && raisedBy(current, input.sourceMessageId) ? current : undefined;
  await deps.audit.append({
    type: 'incident.details',
    actor: await deps.audit.pseudonym(input.reporter),
    subject: incident.id,
    data: { kind: entry.type, ...(retried ? { retried: true } : {}) },
  });
  const what = input.location
    ? `📍 location ${input.location.lat.toFixed(5)}, ${input.location.lng.toFixed(5)}${input.location.name ? ` (${excerpt(input.location.name, 100)})` : ''}`
    : input.text
      ? `“${excerpt(input.text, 300)}”`
      : `(${input.media ?? 'media'})`;
  const severity = raised ? `\n${SEVERITY_ICON[raised.severity]} Severity raised to ${raised.severity.toUpperCase()} by this report.` : '';
  const now = [filled?.category?.replace('_', ' '), filled?.region ? regionName(deps, filled.region) : undefined].filter(Boolean);
  const triaged = now.length ? `\n🏷️ Now ${now.join(' · ')}, from this report.` : '';
  const adds =
    input.rumour === 'embassy'
      ? '↪️ the reporter forwarded a message claiming to be official, not a genuine alert (they were warned not to act on it or share it):'
      : input.rumour === 'authorities'
        ? '↪️ the reporter forwarded a message claiming to come from the authorities, which the embassy cannot confirm (they were told to check it on the authorities’ official channels before acting on it or sharing it):'
        : input.asksIfRumourTrue === 'embassy'
          ? '❓ the reporter asks whether the rumour they forwarded is true (they were told again that the embassy did not send it):'
          : input.asksIfRumourTrue === 'authorities'
            ? '❓ the reporter asks whether the authorities’ message they forwarded is true (they were told again that the embassy cannot confirm it, and to check it on the authorities’ official channels):'
            : input.forwarded
              ? 'the reporter forwards:'
              : 'the reporter adds:';
  const key = `update:${input.sourceMessageId ?? entry.at}`;
  // Still waiting for the digest: it lists the incident (the words are on its timeline), unless they
  // made it critical and there is room for its card now, which says what made it so.
  const slot = await followUpSlot(deps, raised ?? incident, raised?.severity === 'critical', input.sourceMessageId ?? entry.at);
  const post =
    slot === 'shown'
      ? postToCellGroups(deps, `✏️ ${incident.id} — ${adds} ${what}${severity}${triaged}`, key, 'update', `incident:${incident.id}`)
      : slot === 'card'
        ? postToCellGroups(
            deps,
            `${incidentCard(deps, { ...incident, ...raised, ...filled }, '🔺 Raised to CRITICAL while waiting for the digest —')}
The reporter then wrote: ${what}`,
            `card:${incident.id}`,
            'card',
            `incident:${incident.id}`,
          )
        : undefined;
  await Promise.all([
    post,
    raised && tellHolderRaised(deps, { ...raised, ...filled }, what, input.sourceMessageId ?? entry.at),
    raisedBefore && tellHolderRaised(deps, raisedBefore, what, input.sourceMessageId ?? entry.at),
  ]);
  // A photo of an incident the cell has not seen yet waits with it (/media ID forwards it on demand).
  if (slot !== 'waiting') await forwardMedia(deps, input, incident.id);
}

/** True when the follow-up of message `messageId` raised the incident's severity (the entry right after its own says so). */
function raisedBy(incident: Incident, messageId: string | undefined): boolean {
  const at = messageId === undefined ? -1 : incident.timeline.findIndex((e) => e.messageId === messageId);
  const next = at < 0 ? undefined : incident.timeline.slice(at + 1).find((e) => e.actor === 'system' || e.actor === 'reporter');
  return next?.type === 'severity' && next.actor === 'system';
}

/**
 * The reporter's follow-up raised an incident an officer holds ("they shot my husband, he is not
 * breathing"): that officer is told by DM, as when staff raise it. Acknowledged, it is no longer
 * escalated, and the officer may not be reading a busy group. An open incident has no holder to
 * tell: its deadline is brought forward instead (escalateSooner).
 */
async function tellHolderRaised(deps: CoreDeps, raised: Incident, what: string, key: string): Promise<void> {
  const holder = raised.assignee && raised.status !== 'open' && isActive(raised.status) ? deps.roster.find(raised.assignee) : undefined;
  if (!holder) return;
  const text = `${SEVERITY_ICON[raised.severity]} The reporter of ${raised.id}, which is with you, wrote again: it is now ${raised.severity.toUpperCase()} (${raised.category.replace('_', ' ')}, ${regionName(deps, raised.region)}): ${what}\nSend /incident ${raised.id} for the timeline.`;
  await messageStaff(deps, [holder.phone], text, `raised:${raised.id}:${key}`, 'notice', `incident:${raised.id}`);
}

/** What a follow-up changed in its incident's triage. */
export interface Retriage {
  /** The incident, when its severity was raised (its escalation is then brought forward). */
  raised?: Incident;
  /** The category or region it gave an incident that had none (or only the registered region). */
  filled?: { category?: Category; region?: string };
}

/**
 * Triage of a follow-up: what it says can only make the incident more severe ("now he is not
 * breathing"), fill in an unknown category or region, or give it its first location.
 */
export async function retriageFollowUp(
  deps: CoreDeps,
  current: Incident,
  input: IncidentReport,
  why = 'raised by the reporter’s follow-up',
): Promise<Retriage> {
  const store = incidentStore(deps);
  const t = triage(input.text, input.location, deps.config.regions);
  // Words that match no rule ("thank you", "SAFE") leave the severity as it is: the default
  // severity of a first report is no reason to raise an incident triaged lower.
  const worded = t.worded ? t.severity : undefined;
  const reported = input.severity && worded ? maxSeverity(input.severity, worded) : (input.severity ?? worded);
  let incident: Incident | undefined = current;
  for (let attempt = 0; incident && attempt < 5; attempt++) {
    const severity = reported ? maxSeverity(incident.severity, reported) : incident.severity;
    const fields: Record<string, unknown> = {};
    if (input.location && !incident.location) fields.location = input.location;
    // The region the report gives (words, a pin) replaces one only guessed from the registration.
    const guessed = incident.links.regionFrom === 'registration';
    if ((!incident.region || guessed) && t.region) {
      if (t.region !== incident.region) fields.region = t.region;
      if (guessed) fields.links = withoutRegionGuess(incident.links);
    }
    // An unknown category is filled in; and a follow-up graver than its report ("I lost my passport",
    // then "my son fell from the balcony and is not breathing") is what the incident is now about,
    // unless staff chose its category.
    const graver = worded !== undefined && severity === worded && SEVERITY_RANK[severity] < SEVERITY_RANK[incident.severity];
    if (t.category !== 'other' && t.category !== incident.category) {
      if (incident.category === 'other' || (graver && incident.links.categoryFrom !== 'staff')) fields.category = t.category;
    }
    const entries: TimelineEntry[] =
      severity === incident.severity
        ? []
        : [
            {
              at: new Date(deps.now()).toISOString(),
              actor: 'system',
              channel: 'system',
              type: 'severity',
              text: why,
              data: { from: incident.severity, to: severity },
            },
          ];
    if (Object.keys(fields).length === 0 && entries.length === 0) return {};
    if (await store.update(incident, { status: incident.status, severity }, fields, entries)) {
      const filled = {
        ...(fields.category ? { category: fields.category as Category } : {}),
        ...(fields.region ? { region: fields.region as string } : {}),
      };
      const out: Retriage = Object.keys(filled).length ? { filled } : {};
      if (severity !== incident.severity) {
        out.raised = { ...incident, severity };
        // Its deadline comes sooner, and a digest it waits for lists it at its new rank (a follow-up or an edit).
        await Promise.all([escalateSooner(deps, out.raised, severity), rerankInDigest(deps, out.raised)]);
      }
      await publishIncident(deps, 'incident.updated', incident.id);
      return out;
    }
    incident = await store.get(current.id);
  }
  return {};
}
