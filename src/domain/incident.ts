/** The life of an incident, in the consular section's words. */
export const STATUSES = ['open', 'acknowledged', 'in_progress', 'resolved', 'closed'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
/** The statuses of an incident still being handled (`active` in lists and exports). */
export const ACTIVE_STATUSES: readonly IncidentStatus[] = ['open', 'acknowledged', 'in_progress'];

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CATEGORIES = [
  'medical',
  'trapped',
  'security',
  'missing_person',
  'arrest_detention',
  'lost_documents',
  'evacuation_request',
  'other',
] as const;
export type Category = (typeof CATEGORIES)[number];

/** How an action reached us. */
export type Channel = 'chat' | 'api' | 'welfare' | 'system' | 'dashboard';

/** One line of an incident's append-only timeline. */
export interface TimelineEntry {
  at: string;
  /** Staff name, token name, `reporter`, or `system`. */
  actor: string;
  channel: Channel;
  type:
    | 'reported'
    | 'details'
    | 'location'
    | 'media'
    | 'note'
    | 'status'
    | 'severity'
    | 'category'
    | 'region'
    | 'assigned'
    | 'escalated'
    | 'notified'
    /** The reporter edited an earlier message of theirs (data.of, data.entry): `text` is its new wording; the original entry stays. */
    | 'edited'
    /** The reporter deleted an earlier message of theirs for everyone (data.of, data.entry); the original entry stays. */
    | 'deleted'
    /** An officer wrote to the reporter from the embassy number (`text`: their words; data.key: the request). */
    | 'message'
    /** A message about the incident did not reach its recipient (data.recipient: reporter, staff or group; data.kind; data.reason). */
    | 'undelivered';
  text?: string;
  /** The chat message this entry was taken from (a citizen's report, follow-up, edit or delete). */
  messageId?: string;
  /** Structured detail, e.g. {from: 'open', to: 'acknowledged'}. */
  data?: Record<string, unknown>;
}

export interface GeoPin {
  lat: number;
  lng: number;
  name?: string;
}

/** A tracked incident. */
export interface Incident {
  id: string;
  /** Creation sequence number (orders lists). */
  seq: number;
  status: IncidentStatus;
  severity: Severity;
  category: Category;
  region: string | null;
  /** The reporting citizen's E.164 phone (personal data: erased on DELETE). */
  reporter: string | null;
  /** Phone of the staff member who owns it. */
  assignee: string | null;
  language: string;
  /** The first words of the report. */
  summary: string;
  location: GeoPin | null;
  channel: Channel;
  createdAt: string;
  updatedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  /** 0 = not escalated; 1 = duty officers paged; 2 = admins paged. */
  escalationLevel: number;
  /** Links to other records, e.g. {welfareCheck: 'WFC-0003'}. */
  links: Record<string, string>;
  timeline: TimelineEntry[];
}

const NEXT: Record<IncidentStatus, readonly IncidentStatus[]> = {
  open: ['acknowledged', 'in_progress', 'resolved'],
  acknowledged: ['in_progress', 'resolved'],
  in_progress: ['resolved'],
  resolved: ['in_progress', 'closed'],
  closed: [],
};

/** True when an incident may move from `from` to `to`. */
export function canTransition(from: IncidentStatus, to: IncidentStatus): boolean {
  return NEXT[from].includes(to);
}

/** Statuses in which an incident still needs the cell's attention (and joins follow-ups). */
export function isActive(status: IncidentStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** Human-readable incident id from its sequence number: INC-0042. */
export function incidentId(seq: number): string {
  return `INC-${String(seq).padStart(4, '0')}`;
}

/** Parses `INC-42`, `inc-0042`, `#42` or `42` into the canonical id. */
export function parseIncidentId(text: string | undefined): string | undefined {
  const m = /^(?:inc[-_#]?|#)?(\d{1,9})$/i.exec((text ?? '').trim());
  return m ? incidentId(Number(m[1])) : undefined;
}
