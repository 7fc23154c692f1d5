import type { OutboundJob } from '../../queues/job-schemas.ts';
import type { ChatAddress, DeliveryUpdate } from '../../transport/chat-transport.ts';
import type { CoreDeps } from '../deps.ts';
import { refOfSentMessage } from '../sent-ref.ts';
import { recordUndelivered } from './lifecycle.ts';
import { excerpt, incidentStore, postToCellGroups, reporterLabel } from './shared.ts';

/** A message the bot sent that never reached its recipient, as far as is known of it. */
export interface Undelivered {
  /** What names it once: the outbound job's idempotency key, or the platform's message id. */
  key: string;
  ref?: string;
  /** Unknown for a delivery receipt from a group, or from an adapter that does not say. */
  to?: ChatAddress;
  kind?: string;
  text?: string;
  reason: string;
}

const INCIDENT_REF = /^incident:([A-Z]{3}-\d+)/;

/** Why, in words a duty officer acts on. */
function reasonText(reason: string): string {
  if (reason === '463') return 'WhatsApp refused it: the embassy number may not start new chats for now';
  // An outbound job's final error reads "code: message": the message says it.
  return excerpt(reason.replace(/^[a-z_]+: /, ''), 160);
}

/**
 * A message about an incident did not reach its recipient (the send failed for good, or WhatsApp
 * reported it undelivered): the timeline says so, and, for a citizen or a member of staff who was
 * not reached, the cell is told, so nobody believes the reporter was answered or the duty officer
 * paged when they were not. A message to a citizen without a ref (the answer to their report) is
 * about their open report. Broadcasts keep their own count (alerts, welfare checks).
 */
export async function onUndelivered(deps: CoreDeps, u: Undelivered): Promise<void> {
  const store = incidentStore(deps);
  const dm = u.to?.kind === 'dm' ? u.to.phone : undefined;
  const staff = dm ? deps.roster.find(dm) : undefined;
  const refId = u.ref ? INCIDENT_REF.exec(u.ref)?.[1] : undefined;
  const incident = refId ? await store.get(refId) : !u.ref && dm && !staff ? await store.activeOf(dm) : undefined;
  if (!incident) return;
  const { id } = incident;
  const groupId = u.to?.kind === 'group' ? u.to.id : undefined;
  const group = groupId ? (deps.config.cellGroups.find((g) => g.id === groupId)?.name ?? 'a group') : undefined;
  const who = staff ? staff.name : dm && dm === incident.reporter ? 'the reporter' : group ? `the group ${group}` : 'its recipient';
  const why = reasonText(u.reason);
  const words = u.text ? `: “${excerpt(u.text, 200)}”` : '';
  const { again } = await recordUndelivered(
    deps,
    id,
    `Not delivered to ${who} (${why})${words}`,
    {
      recipient: staff ? 'staff' : who === 'the reporter' ? 'reporter' : group ? 'group' : 'unknown',
      ...(u.kind ? { kind: u.kind } : {}),
      reason: u.reason.slice(0, 200),
    },
    `undelivered:${u.key}`,
  );
  // A card the group did not get cannot be announced there; the dashboard's timeline shows it.
  if (again || group || !dm) return;
  const hidden = incident.reporter?.endsWith('@lid');
  const then =
    who !== 'the reporter'
      ? `${staff ? `${staff.name.split(' ')[0]} has` : 'They have'} not seen it: tell them another way.`
      : hidden
        ? `They do not have it. WhatsApp hides their number (${incident.reporter}): try again later with /reply ${id} …`
        : `They do not have it. Reach them another way (${reporterLabel(deps, incident.reporter, 'no number')}), or try again with /reply ${id} …`;
  await postToCellGroups(
    deps,
    `⚠️ ${id} — our message to ${who} was NOT delivered (${why})${words}\n${then}`,
    `undelivered:${u.key}`,
    'update',
    `incident:${id}`,
  );
}

/** Outbound hook: a message failed for good. */
export function onSendFailed(deps: CoreDeps, job: OutboundJob, error: string): Promise<void> {
  return onUndelivered(deps, {
    key: job.idempotencyKey,
    to: job.to,
    kind: job.kind,
    reason: error,
    ...(job.ref ? { ref: job.ref } : {}),
    ...(job.text ? { text: job.text } : {}),
  });
}

/** Delivery receipt hook: WhatsApp reported a sent message as failed. */
export async function onDeliveryFailed(deps: CoreDeps, update: DeliveryUpdate): Promise<void> {
  if (update.state !== 'failed') return;
  const ref = await refOfSentMessage(deps, update.messageId);
  await onUndelivered(deps, {
    key: update.messageId,
    reason: update.error ?? 'WhatsApp reported it failed',
    ...(ref ? { ref } : {}),
    ...(update.to ? { to: { kind: 'dm' as const, phone: update.to } } : {}),
  });
}
