import type { CoreDeps } from '../app/deps.ts';
import { cutText } from '../domain/text-normalise.ts';
import { PRIORITY } from '../queues/queues.ts';
import type { ChatAddress } from '../transport/chat-transport.ts';

/** A person in a breakout group and the role they hold there. */
export interface HuddleMember {
  phone: string;
  name: string;
  role: string;
}

/** The welcome posted in a new breakout group: who is there and in what role. */
export function huddleWelcome(subject: string, members: HuddleMember[], intro?: string): string {
  const lines = members.map((m) => `• ${m.role}: ${m.name}`);
  return [`👥 ${subject}`, ...(intro ? [intro] : []), 'Roles in this group:', ...lines].join('\n');
}

/**
 * Asks the gateway to create a breakout WhatsApp group (a huddle) and post the welcome in it.
 * `key` makes the request idempotent: the same key never creates a second group.
 */
export async function requestHuddle(
  deps: CoreDeps,
  input: { key: string; subject: string; members: HuddleMember[]; intro?: string; requestedFrom: ChatAddress },
): Promise<void> {
  const participants = [...new Set(input.members.map((m) => m.phone))];
  await deps.outbox.send(
    {
      to: input.requestedFrom,
      text: huddleWelcome(input.subject, input.members, input.intro),
      kind: 'huddle',
      idempotencyKey: `huddle:${input.key}`,
      createGroup: { subject: cutText(input.subject, 100), participants },
    },
    PRIORITY.staff,
  );
}
