import { actorOf, type ChatContext } from '../chat/chat-context.ts';
import { citizenText } from '../domain/citizen-messages.ts';
import { guessLanguage } from '../domain/text-normalise.ts';
import { PRIORITY } from '../queues/queues.ts';
import type { InboundMessage } from '../transport/chat-transport.ts';
import { emergencyLine, excerpt, postToCellGroups } from './incidents/shared.ts';

/** What a message held, in words, for an officer reading it by hand. */
function shown(msg: InboundMessage): string {
  const parts = [
    msg.text ? `“${excerpt(msg.text, 1000)}”` : undefined,
    msg.location
      ? `📍 ${msg.location.lat.toFixed(5)}, ${msg.location.lng.toFixed(5)}${msg.location.name ? ` (${excerpt(msg.location.name, 100)})` : ''}`
      : undefined,
    msg.media ? `(${msg.media})` : undefined,
    msg.reaction ? `(reaction ${msg.reaction.emoji})` : undefined,
    msg.edit ? '(an edit of an earlier message)' : undefined,
    msg.deletion ? '(deleted an earlier message)' : undefined,
  ].filter(Boolean);
  return parts.length ? parts.join(' ') : '(no words)';
}

/**
 * A message the pipeline gave up on (its handling failed on every try: a fault in the bot, not in
 * the message) must still reach a person. A citizen's message goes to the cell groups with its
 * words, for an officer to handle by hand, and the citizen is told the embassy has it; a member of
 * staff is told in the chat where they wrote that their message may have done nothing. Audited
 * without the words. Every send is keyed by the message: a second give-up sends nothing twice.
 */
export async function gaveUpOn(ctx: ChatContext, error: string): Promise<void> {
  const { deps, msg } = ctx;
  if (msg.fromMe) return;
  const key = `unhandled:${msg.id}`;
  const staff = ctx.sender.staff;
  await deps.audit.append({
    type: 'message.unhandled',
    actor: ctx.sender.actor,
    subject: msg.id,
    data: { chat: msg.chat.kind, error: error.slice(0, 200) },
  });
  if (staff) {
    await deps.outbox.send(
      {
        to: msg.chat,
        text: `⚠️ ${actorOf(ctx).name}, the bot could not handle your message ${shown(msg)} (an error on its side, tried 5 times): it may have done nothing. Check, then send it again.`,
        kind: 'refusal',
        idempotencyKey: `${key}:staff`,
        ...(msg.chat.kind === 'group' ? { replyTo: msg.id } : {}),
      },
      PRIORITY.staff,
    );
    return;
  }
  // In a group, only staff are heard; elsewhere the sender is a citizen writing to the embassy number.
  if (msg.chat.kind !== 'dm') return;
  const who = ctx.sender.phone ?? ctx.sender.lid ?? msg.chat.phone;
  await postToCellGroups(
    deps,
    `⚠️ The bot could not handle a message from ${who} (an error on its side, tried 5 times); an officer must take it by hand: ${shown(msg)}`,
    key,
    'unhandled',
  );
  const language = guessLanguage(msg.text ?? '', deps.config.languages);
  const emergency = emergencyLine(deps, language);
  await deps.outbox.send(
    {
      to: msg.chat,
      text: citizenText('handedOver', language, { embassy: deps.config.embassy.name, emergency }),
      kind: 'reply',
      idempotencyKey: `${key}:citizen`,
    },
    PRIORITY.reply,
  );
}
