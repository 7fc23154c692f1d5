/**
 * The live changes published on the events channel (`keys.events`) for the dashboard's browsers, as
 * `{type, id}`. One list for the publishers and the dashboard's event hub, which drops any other
 * type: a publisher whose type is missing here never reaches a browser.
 */
export const LIVE_CHANGE_TYPES = [
  'incident.created',
  'incident.updated',
  'alert.updated',
  'welfare.updated',
  'run.updated',
  'rumour.updated',
  /** A problem with the WhatsApp number for the duty officers (src/transport/baileys/staff-alert.ts); the id is its code. */
  'transport.alert',
] as const;

export type LiveChangeType = (typeof LIVE_CHANGE_TYPES)[number];

/** What a publisher puts on the events channel (as JSON). */
export interface LiveChange {
  type: LiveChangeType;
  id: string;
}
