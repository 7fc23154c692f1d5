import { z } from 'zod';
import { MAX_INBOUND_TEXT } from '../transport/chat-transport.ts';

/** Validates job payloads at the worker boundary; a bad payload fails without retry. */
const address = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('dm'), phone: z.string().min(3) }),
  z.object({ kind: z.literal('group'), id: z.string().min(3) }),
]);
const sender = z.object({ phone: z.string().optional(), lid: z.string().optional(), pushName: z.string().optional() });

/** The id of an earlier message that an edit or a delete-for-everyone is about. */
const earlierMessage = z.strictObject({ of: z.string().min(1, 'needs the id of the original message').max(200) });

export const inboundMessageSchema = z
  .object({
    id: z.string().min(1).max(200),
    chat: address,
    from: sender,
    text: z.string().max(MAX_INBOUND_TEXT).optional(),
    location: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180), name: z.string().optional() }).optional(),
    reaction: z.object({ messageId: z.string(), emoji: z.string() }).optional(),
    replyTo: z.string().optional(),
    fromMe: z.boolean(),
    at: z.number(),
    media: z.enum(['image', 'video', 'audio', 'document', 'sticker']).optional(),
    /** An edit of message `of`: the text is its new wording. */
    edit: earlierMessage.optional(),
    /** The sender deleted message `of` for everyone (`unread`: before the bot could read it). */
    deletion: z.strictObject({ of: earlierMessage.shape.of, unread: z.boolean().optional() }).optional(),
    /** Marked by the platform as forwarded (someone else's message passed on). */
    forwarded: z.boolean().optional(),
    /** Disappearing messages turned on (how many seconds messages stay) or off (0) in a group. */
    disappearing: z
      .strictObject({
        seconds: z
          .number()
          .int()
          .min(0)
          .max(10 * 366 * 86_400),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if (m.deletion && (m.text !== undefined || m.location || m.media || m.reaction || m.edit || m.replyTo || m.forwarded)) {
      ctx.addIssue({ code: 'custom', path: ['deletion'], message: 'a deleted message carries only the id of the message it deletes' });
    }
    if (m.disappearing && (m.text !== undefined || m.location || m.media || m.reaction || m.edit || m.deletion || m.replyTo)) {
      ctx.addIssue({ code: 'custom', path: ['disappearing'], message: 'a change of disappearing messages carries nothing else' });
    }
    if (m.edit && m.reaction) ctx.addIssue({ code: 'custom', path: ['edit'], message: 'a reaction cannot be an edit' });
    if (m.edit && m.text === undefined && !m.location && !m.media) {
      ctx.addIssue({ code: 'custom', path: ['edit'], message: 'an edit needs the new text' });
    }
  });

export const membershipSchema = z.object({
  groupId: z.string(),
  action: z.enum(['add', 'remove', 'promote', 'demote']),
  participants: z.array(sender),
  by: sender.optional(),
  at: z.number(),
});

export const deliverySchema = z.object({
  messageId: z.string(),
  state: z.enum(['sent', 'delivered', 'read', 'failed']),
  at: z.number(),
  error: z.string().optional(),
  to: z.string().min(3).max(100).optional(),
});

export const missedCallSchema = z.object({
  id: z.string().min(1).max(200),
  from: sender,
  at: z.number(),
  video: z.boolean(),
});

export const inboundJobSchema = z.discriminatedUnion('type', [
  /** `seq`: the order the gateway received the message in (Queues.receive). */
  z.object({ type: z.literal('message'), message: inboundMessageSchema, seq: z.number().optional() }),
  z.object({ type: z.literal('membership'), change: membershipSchema }),
  z.object({ type: z.literal('delivery'), update: deliverySchema }),
  z.object({ type: z.literal('call'), call: missedCallSchema }),
]);
export type InboundJob = z.infer<typeof inboundJobSchema>;

/** The longest text WhatsApp delivers in one message (65,536 characters). */
export const MAX_TEXT = 65_536;

export const outboundJobSchema = z
  .object({
    to: address,
    text: z.string().max(MAX_TEXT).optional(),
    mentions: z.array(z.string()).optional(),
    replyTo: z.string().optional(),
    reaction: z.object({ messageId: z.string(), emoji: z.string() }).optional(),
    poll: z.object({ question: z.string(), options: z.array(z.string()).min(2).max(12) }).optional(),
    forward: z.object({ messageId: z.string().min(1).max(200), media: z.string().min(1).max(20) }).optional(),
    idempotencyKey: z.string().min(1).max(300),
    kind: z.string().min(1),
    /** Set when the message belongs to something tracked (an alert delivery, an incident card). */
    ref: z.string().optional(),
    /**
     * A broadcast's message carries no text, only the recipient's language: the text is rendered at
     * send time from the broadcast record named by `ref` (older jobs carry their text).
     */
    language: z.string().min(1).max(35).optional(),
    /**
     * Creates a breakout group (a huddle) first; `text` is then posted in the new group, not to `to`
     * (`to` records the chat that asked for it). The same idempotency key never creates a second group.
     */
    createGroup: z.object({ subject: z.string().min(1).max(100), participants: z.array(z.string().min(3)).min(1).max(256) }).optional(),
    /**
     * When a sending restriction first held the message back (a new chat while WhatsApp stops the
     * account from starting chats): it waits in the delayed set, counted in the held messages, until sent.
     */
    heldSince: z.number().optional(),
    /** The order it was queued in (Queues.send): one chat's messages are sent in it. */
    seq: z.number().optional(),
    /** How often the WhatsApp connection dropped while this message was being sent (no try used up). */
    drops: z.number().int().nonnegative().optional(),
  })
  .refine(
    // A broadcast's message names its broadcast and language, rendered at send time; anything else carries what it sends.
    (m) => (m.text !== undefined && m.text !== '') || m.reaction || m.poll || m.forward || (m.ref && m.language),
    'nothing to send: no text, reaction, poll, forward, nor a broadcast ref and language to render',
  );
export type OutboundJob = z.infer<typeof outboundJobSchema>;
