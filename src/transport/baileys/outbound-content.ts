import type { AnyMessageContent, proto, WAMessageKey } from '@whiskeysockets/baileys';
import { type OutboundMessage, TransportError } from '../chat-transport.ts';
import { jidOf } from './inbound-mapper.ts';
import type { WhatsAppStore } from './whatsapp-store.ts';

/** Baileys content for one of our outbound messages: a reaction, a forward, a poll, or text with mentions. */
export async function contentOf(store: WhatsAppStore, msg: OutboundMessage, jid: string): Promise<AnyMessageContent> {
  if (msg.forward) {
    const original = await store.getMedia(msg.forward.messageId);
    if (!original) {
      throw new TransportError(`the ${msg.forward.media} to forward is no longer kept (expired or erased)`, 'media_gone', false);
    }
    return { forward: original };
  }
  if (msg.reaction) return { react: { text: msg.reaction.emoji, key: await store.keyOf(msg.reaction.messageId, jid) } };
  const mentions = msg.mentions?.map((p) => jidOf({ kind: 'dm', phone: p }));
  if (msg.poll) {
    return { poll: { name: msg.poll.question, values: msg.poll.options, selectableCount: 1 }, ...(mentions?.length ? { mentions } : {}) };
  }
  if (!msg.text) throw new TransportError('an outbound message needs text, a reaction or a poll', 'empty_message', false);
  return { text: msg.text, ...(mentions?.length ? { mentions } : {}) };
}

/** The message a reply quotes: its real key (with participant in groups) and, if we sent it, its content. */
export async function quotedOf(store: WhatsAppStore, id: string, jid: string): Promise<{ key: WAMessageKey; message: proto.IMessage }> {
  const key = await store.keyOf(id, jid);
  const message = (await store.getSent(id)) ?? { conversation: '' };
  return { key, message };
}
