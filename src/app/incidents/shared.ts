import { citizenText } from '../../domain/citizen-messages.ts';
import type { Incident } from '../../domain/incident.ts';
import type { LiveChangeType } from '../../domain/live-change.ts';
import { cutText } from '../../domain/text-normalise.ts';
import type { OutboundJob } from '../../queues/job-schemas.ts';
import { PRIORITY } from '../../queues/queues.ts';
import { IncidentStore } from '../../store/incident-store.ts';
import type { CoreDeps } from '../deps.ts';

const stores = new WeakMap<CoreDeps['redis'], IncidentStore>();

/** The incident store over the deps' Redis (one per connection). */
export function incidentStore(deps: CoreDeps): IncidentStore {
  let store = stores.get(deps.redis);
  if (!store) {
    store = new IncidentStore(deps.redis, deps.keys);
    stores.set(deps.redis, store);
  }
  return store;
}

/**
 * How staff read an incident's reporter: a phone to call, or a WhatsApp LID (the citizen's number
 * hidden), which no one can dial.
 */
export function reporterLabel(deps: CoreDeps, reporter: string | null | undefined, missing: string): string {
  if (!reporter) return missing;
  // A colleague's SOS: the card, the page and /incident say so, long after its first words.
  const staff = deps.roster.find(reporter);
  if (staff) return `${staff.name} (staff) ${reporter}`;
  return reporter.endsWith('@lid') ? `number hidden by WhatsApp (${reporter}), cannot be called` : reporter;
}

/** Tells live views (dashboard) that something changed (see keys.events for the types). */
export function publishChange(deps: CoreDeps, type: LiveChangeType, id: string): void {
  // Live views are a convenience: never hold up (or fail) the work for them.
  deps.redis
    .publish(deps.keys.events, JSON.stringify({ type, id }))
    .catch((err) => deps.log.warn({ err: err.message }, 'live event not published'));
}

/** Tells live views (dashboard) that an incident changed. */
export async function publishIncident(deps: CoreDeps, type: 'incident.created' | 'incident.updated', id: string): Promise<void> {
  publishChange(deps, type, id);
}

/** Sends one message to every crisis-cell group (but `except`); `key` makes it idempotent (one key per group). */
async function sendToCellGroups(
  deps: CoreDeps,
  msg: Omit<OutboundJob, 'to' | 'idempotencyKey'>,
  key: string,
  except?: string,
): Promise<void> {
  for (const g of deps.config.cellGroups) {
    if (g.id === except) continue;
    await deps.outbox.send({ ...msg, to: { kind: 'group', id: g.id }, idempotencyKey: `${key}:${g.id}` }, PRIORITY.staff);
  }
}

/** Sends a text to every crisis-cell group, but the one named `except` (where it was said). `key` makes it idempotent. */
export async function postToCellGroups(
  deps: CoreDeps,
  text: string,
  key: string,
  kind: string,
  ref?: string,
  except?: string,
): Promise<void> {
  await sendToCellGroups(deps, { text, kind, ...(ref ? { ref } : {}) }, key, except);
}

/**
 * Forwards a citizen's photo, video, voice note or document to the cell group(s), as WhatsApp
 * forwards it: the officers see and hear what the citizen sent, next to its card or update.
 */
export async function forwardMediaToCellGroups(deps: CoreDeps, messageId: string, media: string, incidentId: string): Promise<void> {
  await sendToCellGroups(deps, { forward: { messageId, media }, kind: 'media', ref: `incident:${incidentId}` }, `media:${messageId}`);
}

/** Sends a DM to members of staff. */
export async function messageStaff(deps: CoreDeps, phones: string[], text: string, key: string, kind: string, ref?: string): Promise<void> {
  for (const phone of phones) {
    await deps.outbox.send(
      { to: { kind: 'dm', phone }, text, kind, idempotencyKey: `${key}:${phone}`, ...(ref ? { ref } : {}) },
      PRIORITY.staff,
    );
  }
}

/**
 * The name of a group the bot serves: a crisis-cell group, or a breakout group it made (for a
 * playbook, or /huddle). Undefined for any other group: the bot ignores them.
 */
export async function servedGroupName(deps: CoreDeps, groupId: string): Promise<string | undefined> {
  const cell = deps.config.cellGroups.find((g) => g.id === groupId)?.name;
  if (cell) return cell;
  const [[, member], [, name]] = ((await deps.redis
    .multi()
    .sismember(deps.keys.huddles, groupId)
    .hget(deps.keys.huddleNames, groupId)
    .exec()) ?? []) as [[unknown, number], [unknown, string | null]];
  return member === 1 ? (name ?? 'breakout group') : undefined;
}

/** Whether the bot serves a group (see servedGroupName). */
export async function servesGroup(deps: CoreDeps, groupId: string): Promise<boolean> {
  return (await servedGroupName(deps, groupId)) !== undefined;
}

/** Whether an escalation's second call goes to admins: with none on the roster, it pages the duty officers again. */
export function secondCallToAdmins(deps: CoreDeps): boolean {
  return deps.roster.withRole('admin').length > 0;
}

/** The region's display name. */
export function regionName(deps: CoreDeps, id: string | null): string {
  return id ? (deps.config.regions.find((r) => r.id === id)?.name ?? id) : 'region unknown';
}

/** The line telling a citizen to call the local emergency number, in their language ('' when the config has none). */
export function emergencyLine(deps: CoreDeps, language: string): string {
  const number = deps.config.embassy.emergencyNumber;
  return number ? citizenText('emergency', language, { number }) : '';
}

/** The first name of the officer an incident is with, as told to its reporter; undefined when no rostered officer has it. */
export function officerFirstName(deps: CoreDeps, i: Pick<Incident, 'assignee'>): string | undefined {
  return i.assignee ? deps.roster.find(i.assignee)?.name.split(' ')[0] : undefined;
}

/** The embassy's own phones: its number and the staff roster's (whose LID pairs are learnt, and never erased). */
export function embassyPhones(deps: CoreDeps): string[] {
  return [deps.config.embassy.number, ...deps.roster.all().map((s) => s.phone)];
}

/** A staff member's name from their phone, or the phone itself. */
export function staffName(deps: CoreDeps, phone: string | null): string {
  return phone ? (deps.roster.find(phone)?.name ?? phone) : 'nobody';
}

/** What the cell group is told when an officer acknowledges an incident (by /ack, 👍 or a reply): who has it now. */
export function acknowledgedLine(deps: CoreDeps, by: string, i: Pick<Incident, 'id' | 'assignee' | 'reporter'>): string {
  const holder = i.assignee ? `; it is with ${staffName(deps, i.assignee)}` : '';
  return `👍 ${by} acknowledged ${i.id}${holder}; ${reporterTold(i)}.`;
}

/** Whether the citizen heard of a change: not once they erased their data (DELETE), whatever the cell does. */
export function reporterTold(i: Pick<Incident, 'reporter'>): string {
  return i.reporter ? 'the reporter has been told' : 'nobody was told: the reporter erased their data';
}

const SEVERITY_ICON: Record<string, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🟢' };

/**
 * A wait as read on a phone: "12 min", "5 h 20 min", "3 d 2 h" (not "4440 min", which nobody
 * reads at a glance at 3 a.m.).
 */
export function waitText(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return hours % 24 ? `${Math.floor(hours / 24)} d ${hours % 24} h` : `${Math.floor(hours / 24)} d`;
}

/** How long since an ISO time, as read on a phone (see waitText). */
export function ageText(deps: CoreDeps, iso: string): string {
  return waitText(deps.now() - Date.parse(iso));
}

/** One line about an incident, for lists and digests. */
export function incidentLine(deps: CoreDeps, i: Omit<Incident, 'timeline'>): string {
  const who = i.assignee ? ` · ${staffName(deps, i.assignee)}` : '';
  // Still waiting after its page: the one to take before the next call goes out (or the admins are woken).
  // With no admin on the roster, the second call paged the duty officers again.
  const to = i.escalationLevel < 2 ? 'duty officers' : secondCallToAdmins(deps) ? 'admins' : 'duty officers twice';
  const paged = i.status === 'open' && i.escalationLevel > 0 ? ` · ⏰ escalated to ${to}` : '';
  return `${SEVERITY_ICON[i.severity] ?? ''} ${i.id} ${i.severity} · ${i.category.replace('_', ' ')} · ${regionName(deps, i.region)} · ${i.status.replace('_', ' ')}${paged}${who} · ${ageText(deps, i.createdAt)}`;
}

/**
 * The reporter's words that made an incident graver after its first words ("now he is not breathing"
 * after "stranded at the airport"), if a follow-up or an edit raised it; undefined otherwise.
 */
export function graverWords(incident: Pick<Incident, 'timeline' | 'summary'>): string | undefined {
  const at = incident.timeline.findLastIndex((e) => e.type === 'severity' && e.actor === 'system');
  const words = at < 0 ? undefined : incident.timeline.slice(0, at).findLast((e) => e.actor === 'reporter' && e.text)?.text;
  return words && words !== incident.summary ? words : undefined;
}

/** Cuts a text to `n` characters on a word boundary. */
export function excerpt(text: string, n = 160): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= n) return t;
  return `${cutText(t, n).replace(/\s+\S*$/, '')}…`;
}

export { SEVERITY_ICON };
