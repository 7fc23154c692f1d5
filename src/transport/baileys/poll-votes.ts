import { createHash } from 'node:crypto';
import {
  decryptPollVote,
  isJidGroup,
  jidNormalizedUser,
  normalizeMessageContent,
  type proto,
  toNumber,
  type WAMessage,
} from '@whiskeysockets/baileys';
import type { InboundMessage } from '../chat-transport.ts';
import { type OwnJids, originOf } from './inbound-mapper.ts';
import type { WhatsAppStore } from './whatsapp-store.ts';

/** Our own account's JIDs (phone and LID), as the socket knows them. */

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

function decryptVote(update: proto.Message.IPollUpdateMessage, secret: Uint8Array, pollId: string, creators: string[], voters: string[]) {
  for (const pollCreatorJid of creators) {
    for (const voterJid of voters) {
      try {
        return decryptPollVote(update.vote as proto.Message.IPollEncValue, {
          pollEncKey: secret,
          pollCreatorJid,
          pollMsgId: pollId,
          voterJid,
        });
      } catch {
        // wrong JID pair (phone vs LID addressing): try the next
      }
    }
  }
  return undefined;
}

/**
 * A vote on one of our polls (welfare checks) as an inbound message whose text is the chosen
 * option and whose replyTo is the poll. Baileys 7 leaves vote decryption to the app: the
 * poll's secret comes from our message store; the voter may be addressed by phone or LID.
 */
export async function pollVoteOf(store: WhatsAppStore, msg: WAMessage, me: OwnJids): Promise<InboundMessage | undefined> {
  const update = normalizeMessageContent(msg.message)?.pollUpdateMessage;
  const pollId = update?.pollCreationMessageKey?.id;
  if (!update?.vote || !pollId || !msg.key.id || msg.key.fromMe) return undefined;
  const poll = await store.getSent(pollId);
  const creation = poll?.pollCreationMessage ?? poll?.pollCreationMessageV2 ?? poll?.pollCreationMessageV3;
  const secret = poll?.messageContextInfo?.messageSecret;
  const origin = originOf(msg.key);
  if (!creation || !secret || !origin) return undefined;
  const k = msg.key;
  const candidates = [k.participantAlt, k.participant, k.remoteJidAlt, k.remoteJid].filter((j): j is string => !!j && !isJidGroup(j));
  const voters = [...new Set(candidates.map(jidNormalizedUser))];
  const creators = [...new Set([me.id, me.lid].filter((j): j is string => !!j).map(jidNormalizedUser))];
  const vote = decryptVote(update, secret, pollId, creators, voters);
  if (!vote) return undefined;
  const chosen = new Set((vote.selectedOptions ?? []).map((h) => Buffer.from(h).toString('hex')));
  const options = (creation.options ?? []).map((o) => o.optionName ?? '').filter((name) => chosen.has(sha256Hex(name)));
  if (options.length === 0) return undefined;
  return {
    id: msg.key.id,
    chat: origin.chat,
    from: origin.from,
    text: options.join(', '),
    replyTo: pollId,
    fromMe: false,
    at: toNumber(msg.messageTimestamp as number) * 1000 || Date.now(),
  };
}
