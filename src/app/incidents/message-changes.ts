import type { ChatContext } from '../../chat/chat-context.ts';
import { type IncidentStatus, isActive, SEVERITY_RANK, type TimelineEntry } from '../../domain/incident.ts';
import { triage } from '../../domain/triage.ts';
import { PRIORITY } from '../../queues/queues.ts';
import type { Feature } from '../feature.ts';
import { escalateSooner } from './escalation.ts';
import { joinOpenIncident, retriageFollowUp } from './open-incident.ts';
import { excerpt, incidentStore, postToCellGroups, SEVERITY_ICON } from './shared.ts';

/** What a deleted message's timeline entry says; the deleted words stay in their own entry, for the record. */
export const DELETED_TEXT = 'the citizen deleted this message in WhatsApp';

/** The reaction a citizen gets on a message whose edit was recorded: one mark, however often they edit it. */
export const EDIT_NOTED_EMOJI = '✅';

/**
 * A citizen edited or deleted for everyone a message of theirs (WhatsApp "Edit" / "Delete for
 * everyone"). When the message is in one of their incidents, the incident's timeline records it
 * next to the original entry, which stays as it was:
 * - an edit adds an `edited` entry with the new wording; the summary follows it when the edited
 *   message was the report itself, unless the report is resolved or closed (the officer resolved it
 *   on the words it had; the record keeps them, and the edit beside them); the triage can only go up, as with a follow-up; the cell is
 *   told, and the citizen gets one ✅ on the edited message (not another "added to your report");
 * - a delete adds a `deleted` entry and tells the cell; the citizen gets no answer.
 * An edit of a message in no incident, or one that makes a report the embassy already resolved or
 * closed graver, returns false and goes on as a new message (a new report); any other delete is
 * consumed silently. Staff messages go on as before (their deletes are ignored).
 * Idempotent per edit/delete message: a retried job records it once and sends nothing twice.
 */
export async function handleMessageChange(ctx: ChatContext): Promise<boolean> {
  const { msg, deps } = ctx;
  if (msg.deletion?.unread) return recordUnreadDeletion(ctx);
  // An edit that leaves nothing to read takes the words away, as a delete does (the record keeps them).
  const change =
    msg.deletion || (msg.edit && !msg.text)
      ? { type: 'deleted' as const, of: (msg.deletion ?? msg.edit)?.of as string }
      : msg.edit
        ? { type: 'edited' as const, of: msg.edit.of }
        : undefined;
  if (!change) return false;
  const deleted = change.type === 'deleted';
  const reporter = ctx.sender.phone ?? ctx.sender.lid;
  if (!reporter || ctx.sender.staff) return deleted;
  const store = incidentStore(deps);
  const holder = await store.holderOf(change.of, reporter);
  if (!holder) return deleted;
  const text = deleted ? DELETED_TEXT : (msg.text?.trim() ?? '');
  // A report the embassy already closed, edited into something graver ("lost my passport" → "… and my
  // son is injured"): no one works on it any more, so the new words are a new report, not a ✅.
  if (!deleted && text && (await graverThanClosed(deps, holder, text))) return false;
  const at = new Date(deps.now()).toISOString();
  const entry: TimelineEntry = { at, actor: 'reporter', channel: 'chat', type: change.type, text, messageId: msg.id, data: {} };
  const recorded = await store.recordMessageChange(holder, {
    of: change.of,
    reporter,
    entry,
    sourceId: msg.id,
    at,
    channel: deps.keys.events,
    ...(!deleted && text ? { summary: excerpt(text, 500) } : {}),
  });
  if (!recorded) return deleted;
  if (recorded.unchanged) return true;
  const { incident, original, duplicate } = recorded;

  // An edit can only make the incident more severe, never less ("2 people" → "2 people, one not breathing").
  const { raised } =
    !deleted && text && isActive(incident.status)
      ? await retriageFollowUp(deps, incident, { reporter, text, channel: 'chat' }, 'raised by the reporter’s edit')
      : {};
  // A retry whose first attempt raised the severity, then failed before moving the deadline.
  if (duplicate && !raised && !deleted) await escalateSooner(deps, incident, incident.severity);
  await deps.audit.append({
    type: 'incident.details',
    actor: await deps.audit.pseudonym(reporter),
    subject: incident.id,
    data: { kind: change.type, ...(duplicate ? { retried: true } : {}) },
  });
  const was = original?.text ? ` “${excerpt(original.text, 200)}”` : '';
  const severity = raised ? `\n${SEVERITY_ICON[raised.severity]} Severity raised to ${raised.severity.toUpperCase()} by this edit.` : '';
  const update = deleted
    ? `🗑️ ${incident.id} — the reporter deleted their message${was} in WhatsApp (it stays in the timeline).`
    : `✏️ ${incident.id} — the reporter edited their message${was} to: “${excerpt(text, 300)}”${severity}${keptSummary(incident.status)}`;
  await postToCellGroups(deps, update, `update:${msg.id}`, 'update', `incident:${incident.id}`);
  if (!deleted) {
    await deps.outbox.send(
      {
        to: msg.chat,
        reaction: { messageId: change.of, emoji: EDIT_NOTED_EMOJI },
        kind: 'reaction',
        idempotencyKey: `reply:${msg.id}:1`,
      },
      PRIORITY.reply,
    );
  }
  return true;
}

/**
 * A message the citizen sent and deleted for everyone before the bot could read it (the gateway was
 * offline): its words are gone, but a citizen who reported "my husband was arrested" and then deleted
 * it, perhaps under pressure, must not vanish. With a report open it joins it, for the officer to see
 * (no answer to the citizen); without one there is nothing to tie it to.
 */
async function recordUnreadDeletion(ctx: ChatContext): Promise<boolean> {
  const reporter = ctx.sender.phone ?? ctx.sender.lid;
  if (!reporter || ctx.sender.staff) return true;
  await joinOpenIncident(ctx.deps, {
    reporter,
    text: UNREAD_DELETED_TEXT,
    channel: 'chat',
    // Not the message's own id: the delete that follows it (WhatsApp hands over both) finds no message
    // of that id on the timeline, and says nothing more.
    sourceMessageId: `deleted-unread:${ctx.msg.id}`,
    wordless: true,
  });
  return true;
}

/** What stands on the timeline for a message deleted before it could be read. */
const UNREAD_DELETED_TEXT = '(a message they deleted for everyone before the embassy could read it: its words are lost)';

/** What the cell reads after an edit of a report no longer worked on: its summary did not follow the edit. */
function keptSummary(status: IncidentStatus): string {
  return isActive(status) ? '' : `\nIt is ${status}: its summary keeps the words it was ${status} on.`;
}

/** True when incident `id` is resolved or closed and `text` reads as more severe than it was. */
async function graverThanClosed(deps: ChatContext['deps'], id: string, text: string): Promise<boolean> {
  const incident = await incidentStore(deps).get(id);
  if (!incident || isActive(incident.status)) return false;
  const t = triage(text, undefined, deps.config.regions);
  return t.worded && SEVERITY_RANK[t.severity] < SEVERITY_RANK[incident.severity];
}

/**
 * Citizens' edits and deletes of their messages: seen before any keyword or dialogue, so that an
 * edited message is not read as something new ("yes" to a REGISTER question, a second report).
 */
export const messageChangesFeature: Feature = {
  name: 'message-changes',
  citizenMessage: handleMessageChange,
};
