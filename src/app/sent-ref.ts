import type { CoreDeps } from './deps.ts';

/**
 * The `ref` an outbound message was sent with (e.g. `incident:INC-0042`), looked up by
 * the platform id of the sent message. Lets a reply or a reaction to a card find its subject.
 */
export async function refOfSentMessage(deps: CoreDeps, messageId: string | undefined): Promise<string | undefined> {
  if (!messageId) return undefined;
  return (await deps.redis.get(deps.keys.sentRef(messageId))) ?? undefined;
}
