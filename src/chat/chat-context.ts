import type { CoreDeps } from '../app/deps.ts';
import type { Actor } from '../domain/actor.ts';
import type { Role, StaffMember } from '../domain/roster.ts';
import { hasVisibleText } from '../domain/text-normalise.ts';
import { PRIORITY } from '../queues/queues.ts';
import type { InboundMessage } from '../transport/chat-transport.ts';

/** Who sent an inbound message, as the pipeline resolved them. */
export interface ResolvedSender {
  /** E.164 phone, when known. */
  phone?: string;
  lid?: string;
  staff?: StaffMember;
  roles: Role[];
  /** How the audit log names this person (staff name or citizen pseudonym). */
  actor: string;
}

/** Everything a handler needs about one inbound message. */
export interface ChatContext {
  msg: InboundMessage;
  sender: ResolvedSender;
  /** True when the message came from one of the configured crisis-cell groups. */
  inCellGroup: boolean;
  /**
   * Where the message stands in the queue: the order the gateway received it in (`seq`), and
   * whether this is not its first run (retried after a failure, taken back from a dead worker, or
   * parked behind its sender's earlier messages). Unset outside the inbound worker.
   */
  received?: { seq: number; again: boolean };
  deps: CoreDeps;
  /** Replies in the same chat; `ref` names what it is about (a 👍 or a reply on it acts on that). Idempotent: a retried job sends each reply once. */
  reply(text: string, kind?: string, ref?: string): Promise<void>;
  /**
   * A lookup done at most once per message: the first call runs `load`, later calls with the
   * same key share its answer, so handlers that each need e.g. the citizen's language do not
   * ask Redis twice. Only for facts no handler changes while the message is processed.
   */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/**
 * The key of the request a message makes (a change to an incident, a message to a reporter): a
 * retried job of the same message is the same request, and changes nothing twice. `part` tells
 * apart two changes one message makes (a reply to a card acknowledges it and notes its words).
 */
export function requestKey(ctx: ChatContext, part?: string): string {
  return `chat:${ctx.msg.id}${part ? `:${part}` : ''}`;
}

/** The acting member of staff. */
export function actorOf(ctx: ChatContext): Actor {
  return { name: ctx.sender.staff?.name ?? ctx.sender.actor, ...(ctx.sender.phone ? { phone: ctx.sender.phone } : {}) };
}

/**
 * The message as the bot reads it: a text with nothing to read (a zero-width space, a right-to-left mark
 * alone) is no text. It became a report's summary, a photo's caption in place of "(image)", an edit that
 * blanked a report's words, a follow-up the cell was shown as “”.
 */
function readable(msg: InboundMessage): InboundMessage {
  if (msg.text === undefined || hasVisibleText(msg.text)) return msg;
  const { text: _, ...rest } = msg;
  return rest;
}

export function createChatContext(deps: CoreDeps, raw: InboundMessage, received?: ChatContext['received']): ChatContext {
  const msg = readable(raw);
  let n = 0;
  const memos = new Map<string, Promise<unknown>>();
  return {
    msg,
    sender: { roles: [], actor: 'unknown' },
    inCellGroup: msg.chat.kind === 'group' && deps.config.cellGroups.some((g) => g.id === (msg.chat as { id: string }).id),
    ...(received ? { received } : {}),
    deps,
    async reply(text, kind = 'reply', ref) {
      n += 1;
      await deps.outbox.send(
        {
          to: msg.chat,
          text,
          kind,
          idempotencyKey: `reply:${msg.id}:${n}`,
          ...(msg.chat.kind === 'group' ? { replyTo: msg.id } : {}),
          ...(ref ? { ref } : {}),
        },
        msg.chat.kind === 'group' ? PRIORITY.staff : PRIORITY.reply,
      );
    },
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let p = memos.get(key) as Promise<T> | undefined;
      if (!p) {
        p = load();
        // A lookup started early and never awaited must not become an unhandled rejection.
        p.catch(() => {});
        memos.set(key, p);
      }
      return p;
    },
  };
}
