import { durationMs } from '../../domain/duration.ts';
import type { Category, Channel, GeoPin, Incident, Severity, TimelineEntry } from '../../domain/incident.ts';
import { maxSeverity, regionFromPin, triage } from '../../domain/triage.ts';
import type { CoreDeps } from '../deps.ts';
import { announceIncident } from './cards.ts';
import { scheduleEscalation } from './escalation.ts';
import { excerpt, incidentStore, postToCellGroups, publishIncident } from './shared.ts';

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
  links?: Record<string, string>;
  /** The inbound message id: the same message never opens or adds twice. */
  sourceMessageId?: string;
  media?: string;
}

export interface IntakeResult {
  id: string;
  /** True when a new incident was opened; false when the report joined the active one. */
  created: boolean;
  /** True when this source message had already been taken in. */
  duplicate: boolean;
  /** The incident's language (a follow-up keeps the language of the opening report). */
  language: string;
}

/**
 * Takes in a citizen's report: opens a triaged incident and announces it to the cell,
 * or adds the report to the citizen's active incident. Idempotent per source message.
 */
export async function openIncident(deps: CoreDeps, input: IncidentReport): Promise<IntakeResult> {
  const store = incidentStore(deps);
  const at = new Date(deps.now()).toISOString();
  const t = triage(input.text, input.location, deps.config.regions);
  const severity = input.severity ? maxSeverity(input.severity, t.severity) : t.severity;
  const entry: TimelineEntry = {
    at,
    actor: 'reporter',
    channel: input.channel,
    type: input.location && !input.text ? 'location' : input.media && !input.text ? 'media' : 'details',
    ...(input.text ? { text: input.text } : {}),
    ...(input.location ? { data: { location: input.location } } : input.media ? { data: { media: input.media } } : {}),
  };
  const sourceId = input.sourceMessageId ?? `${input.channel}:${input.reporter}:${at}:${Math.random()}`;
  const result = await store.intake(
    {
      severity,
      category: input.category ?? t.category,
      region: input.region ?? t.region,
      reporter: input.reporter,
      assignee: null,
      language: input.language ?? deps.config.languages[0] ?? 'en',
      summary: excerpt(input.text || (input.location ? '(location pin)' : `(${input.media ?? 'message'})`), 500),
      location: input.location ?? null,
      channel: input.channel,
      links: input.links ?? {},
    },
    { ...entry, type: 'reported' },
    entry,
    sourceId,
    at,
  );
  // A retried job finds its message taken in: it redoes the (idempotent) announcement of a new incident,
  // in case the first attempt died before it.
  const incident = await store.get(result.id);
  if (!incident) throw new Error(`incident ${result.id} vanished after intake`);
  if (result.created) await onOpened(deps, incident);
  else if (!result.duplicate) await onFollowUp(deps, incident, entry, input);
  return { ...result, language: incident.language };
}

async function onOpened(deps: CoreDeps, incident: Incident): Promise<void> {
  await deps.audit.append({
    type: 'incident.opened',
    actor: await deps.audit.pseudonym(incident.reporter ?? ''),
    subject: incident.id,
    data: { severity: incident.severity, category: incident.category, region: incident.region, channel: incident.channel },
  });
  const deadline = deps.config.escalation.ackDeadline[incident.severity];
  if (deadline) await scheduleEscalation(deps, incident.id, 1, durationMs(deadline));
  await announceIncident(deps, incident);
  await publishIncident(deps, 'incident.created', incident.id);
}

async function onFollowUp(deps: CoreDeps, incident: Incident, entry: TimelineEntry, input: IncidentReport): Promise<void> {
  const store = incidentStore(deps);
  const fields: Record<string, unknown> = {};
  if (input.location && !incident.location) {
    fields.location = input.location;
    if (!incident.region) fields.region = regionFromPin(input.location, deps.config.regions);
  }
  if (Object.keys(fields).length > 0) await store.update(incident, incident, fields, []);
  await deps.audit.append({
    type: 'incident.details',
    actor: await deps.audit.pseudonym(input.reporter),
    subject: incident.id,
    data: { kind: entry.type },
  });
  const what = input.location
    ? `📍 location ${input.location.lat.toFixed(5)}, ${input.location.lng.toFixed(5)}`
    : input.text
      ? `“${excerpt(input.text, 300)}”`
      : `(${input.media ?? 'media'})`;
  await postToCellGroups(
    deps,
    `✏️ ${incident.id} — the reporter adds: ${what}`,
    `update:${input.sourceMessageId ?? entry.at}`,
    'update',
    `incident:${incident.id}`,
  );
  await publishIncident(deps, 'incident.updated', incident.id);
}
