import {
  getContentType,
  isHostedLidUser,
  isHostedPnUser,
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isJidStatusBroadcast,
  isLidUser,
  isPnUser,
  jidDecode,
  jidNormalizedUser,
  normalizeMessageContent,
  proto,
  toNumber,
  type WAMessage,
} from '@whiskeysockets/baileys';
import { type ChatAddress, type ChatSender, type InboundMessage, MAX_INBOUND_TEXT, type UndecryptableMessage } from '../chat-transport.ts';

/** A LID and a phone known to be the same person (learnt from a message key or a group event). */
export interface LidPair {
  lid: string;
  phone: string;
}

/**
 * E.164 phone of a phone-number JID (e.g. 15550000001@s.whatsapp.net → +15550000001). A hosted
 * (business) JID @hosted carries the phone too, as Baileys' cleanMessage reads it.
 */
export function phoneOfJid(jid: string | null | undefined): string | undefined {
  if (!jid || !(isPnUser(jid) || isHostedPnUser(jid))) return undefined;
  const user = jidDecode(jid)?.user;
  return user && /^\d{6,15}$/.test(user) ? `+${user}` : undefined;
}

/** A LID without its device part (e.g. 123:4@lid → 123@lid); a hosted LID (123@hosted.lid) is 123@lid, as in Baileys. */
export function lidOfJid(jid: string | null | undefined): string | undefined {
  if (jid && isHostedLidUser(jid)) {
    const user = jidDecode(jid)?.user;
    return user ? `${user}@lid` : undefined;
  }
  return jid && isLidUser(jid) ? jidNormalizedUser(jid) : undefined;
}

/** A sender from a primary JID and its alternate (v7 gives the LID in one and the phone in the other). */
export function senderOf(...jids: (string | null | undefined)[]): ChatSender {
  const phone = jids.map(phoneOfJid).find(Boolean);
  const lid = jids.map(lidOfJid).find(Boolean);
  return { ...(phone ? { phone } : {}), ...(lid ? { lid } : {}) };
}

/** The JID to send to for one of our addresses; a DM "phone" may be a LID when no phone is known. */
export function jidOf(to: ChatAddress): string {
  if (to.kind === 'group') return to.id;
  if (to.phone.includes('@')) return to.phone;
  return `${to.phone.replace(/\D/g, '')}@s.whatsapp.net`;
}

type Content = proto.IMessage;

const MEDIA: Record<string, InboundMessage['media']> = {
  imageMessage: 'image',
  videoMessage: 'video',
  audioMessage: 'audio',
  documentMessage: 'document',
  stickerMessage: 'sticker',
  /** A round video message (video note). */
  ptvMessage: 'video',
};

function textOf(c: Content): string | undefined {
  return (
    c.conversation ??
    c.extendedTextMessage?.text ??
    c.imageMessage?.caption ??
    c.videoMessage?.caption ??
    c.ptvMessage?.caption ??
    c.documentMessage?.caption ??
    c.liveLocationMessage?.caption ??
    c.locationMessage?.comment ??
    contactsText(c) ??
    undefined
  );
}

/**
 * A text within what the inbound queue takes: a longer one (WhatsApp allows some 65,000 characters,
 * e.g. a pasted list of names) keeps its beginning and says it was cut, instead of being refused whole.
 */
function clipped(text: string): string {
  if (text.length <= MAX_INBOUND_TEXT) return text;
  const note = `\n… [cut: the message had ${text.length} characters]`;
  let kept = text.slice(0, MAX_INBOUND_TEXT - note.length);
  // Never end on half of an emoji (a lone high surrogate).
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  return kept + note;
}

/** "Name +33 6 …" for one contact card: its display name (or FN) and the numbers on its TEL lines. */
function contactText(card: proto.Message.IContactMessage): string {
  const lines = (card.vcard ?? '').split(/\r?\n/);
  const fn = lines.find((l) => /^FN[:;]/i.test(l))?.replace(/^[^:]*:/, '');
  const tels = lines.filter((l) => /^(item\d+\.)?TEL[:;]/i.test(l)).map((l) => l.replace(/^[^:]*:/, '').trim());
  return [card.displayName || fn || 'unnamed', ...tels].filter(Boolean).join(' ');
}

/** A shared contact card (a relative, a witness) as text, so the numbers reach the officers. */
function contactsText(c: Content): string | undefined {
  if (c.contactMessage) return `Shared contact: ${contactText(c.contactMessage)}`;
  const cards = c.contactsArrayMessage?.contacts ?? [];
  return cards.length ? `Shared contacts: ${cards.map(contactText).join('; ')}` : undefined;
}

/** The context of the message (quote, forwarding) carried by its content (extendedTextMessage, imageMessage, ...). */
function contextOf(c: Content, type: string | undefined): proto.IContextInfo | undefined {
  const inner = type ? (c[type as keyof Content] as { contextInfo?: proto.IContextInfo | null } | undefined) : undefined;
  return (inner && typeof inner === 'object' && inner.contextInfo) || undefined;
}

/** WhatsApp's "Forwarded" label: `isForwarded`, or a forwarding score (how many times it was passed on). */
function isForwarded(context: proto.IContextInfo | undefined): boolean {
  return context?.isForwarded === true || (context?.forwardingScore ?? 0) > 0;
}

function locationOf(c: Content): InboundMessage['location'] {
  const pin = c.locationMessage ?? c.liveLocationMessage;
  if (!pin || typeof pin.degreesLatitude !== 'number' || typeof pin.degreesLongitude !== 'number') return undefined;
  // A place picked from WhatsApp's list has a name and a street address: the officers need both.
  const { name: place, address } = c.locationMessage ?? {};
  const name = [place, address && !place?.includes(address) ? address : undefined].filter(Boolean).join(', ') || undefined;
  return { lat: pin.degreesLatitude, lng: pin.degreesLongitude, ...(name ? { name } : {}) };
}

/** Where a message came from and who sent it, with any LID↔phone pair the key reveals. */
export function originOf(key: WAMessage['key']): { chat: ChatAddress; from: ChatSender } | undefined {
  const remote = key.remoteJid;
  if (!remote || isJidStatusBroadcast(remote) || isJidNewsletter(remote)) return undefined;
  const group = isJidGroup(remote);
  const from = group
    ? senderOf(key.participant, key.participantAlt)
    : // A citizen's broadcast list reaches us as <id>@broadcast with the sender as participant; it is their DM.
      isJidBroadcast(remote)
      ? senderOf(key.participant, key.remoteJidAlt, key.participantAlt)
      : senderOf(remote, key.remoteJidAlt);
  if (!from.phone && !from.lid) return undefined;
  const chat: ChatAddress = group ? { kind: 'group', id: remote } : { kind: 'dm', phone: from.phone ?? (from.lid as string) };
  return { chat, from };
}

/** The embassy account's own JIDs (Baileys' `sock.user`): its phone-number JID and its LID. */
export interface OwnJids {
  id?: string | null;
  lid?: string | null;
}

/**
 * Whether the embassy's own account sent the message (from the phone, or another linked device),
 * whatever Baileys made of `fromMe`: Baileys 7 compares a broadcast list's sender with our phone
 * JID only, so a broadcast list sent from the embassy phone under its LID comes with fromMe false
 * (and so does a LID-addressed message of ours while the session does not know its own LID yet).
 * Handled as a citizen's, it opened a report "from" the embassy number and answered it.
 */
export function sentByOwnAccount(key: WAMessage['key'], me: OwnJids): boolean {
  if (key.fromMe) return true;
  const origin = originOf(key);
  if (!origin) return false;
  const self = senderOf(me.id, me.lid);
  return (!!self.phone && origin.from.phone === self.phone) || (!!self.lid && origin.from.lid === self.lid);
}

/**
 * The text without the @mentions of the embassy account that open it: an officer who taps @ to
 * address the bot writes "@15550000000 /sitrep" (in a LID group "@990000000000001 /sitrep"), and
 * WhatsApp puts the account in the context's `mentionedJid`. Unstripped, the command was not one.
 */
function withoutOwnMention(text: string, context: proto.IContextInfo | undefined, me: OwnJids): string {
  const own = new Set([me.id, me.lid].map((j) => (j ? jidDecode(j)?.user : undefined)).filter(Boolean));
  const mentioned = new Set((context?.mentionedJid ?? []).map((j) => jidDecode(j)?.user).filter((u) => u && own.has(u)));
  if (mentioned.size === 0) return text;
  let rest = text;
  for (let m = /^\s*@(\d+)[\s,:]*/.exec(rest); m && mentioned.has(m[1]); m = /^\s*@(\d+)[\s,:]*/.exec(rest)) {
    rest = rest.slice(m[0].length);
  }
  return rest.trim() ? rest : text;
}

/**
 * A message's content with its wrappers opened: Baileys' normalizeMessageContent (ephemeral, view-once,
 * edited...), and an animated sticker's wrapper, which it does not open (Baileys 7.0.0-rc14): a Lottie
 * sticker was dropped without a word, where a still one is taken in.
 */
function opened(message: proto.IMessage | null | undefined): proto.IMessage | undefined {
  let content = normalizeMessageContent(message);
  for (let i = 0; i < 3 && content?.lottieStickerMessage?.message; i++)
    content = normalizeMessageContent(content.lottieStickerMessage.message);
  return content;
}

/**
 * True when a media message can be forwarded as it is: it holds the reference to its file. An original
 * WhatsApp replaced by its edit while the bot was offline (Baileys merges the two in the batch it hands over
 * on reconnect) is a caption alone, with no file to forward.
 */
export function forwardable(m: WAMessage): boolean {
  const content = opened(m.message);
  const type = content ? getContentType(content) : undefined;
  const part = type ? (content?.[type] as { directPath?: string | null; url?: string | null } | undefined) : undefined;
  return Boolean(part && typeof part === 'object' && (part.directPath || part.url));
}

/**
 * Maps one Baileys message to our InboundMessage, or undefined when it is nothing the
 * bot handles (own messages, status broadcasts, protocol messages, removed reactions).
 * Wrappers (ephemeral, view-once, edited) are opened with Baileys' normalizeMessageContent.
 * An edit (protocolMessage MESSAGE_EDIT) carries its new content and `edit.of`, the edited
 * message's id; a delete for everyone (REVOKE) carries only `deletion.of`. `me` (the embassy
 * account) lets a text addressed to the bot by an @mention read as what follows the mention.
 */
export function toInboundMessage(msg: WAMessage, me: OwnJids = {}): InboundMessage | undefined {
  const id = msg.key.id;
  if (!id || msg.key.fromMe) return undefined;
  const revokedUnread = !msg.message && msg.messageStubType === proto.WebMessageInfo.StubType.REVOKE;
  if (!msg.message && !revokedUnread) return undefined;
  const origin = originOf(msg.key);
  if (!origin) return undefined;
  const base = {
    id,
    chat: origin.chat,
    from: { ...origin.from, ...(msg.pushName ? { pushName: msg.pushName } : {}) },
    fromMe: false,
    at: toNumber(msg.messageTimestamp as number) * 1000 || Date.now(),
  };
  // Written and deleted for everyone while the gateway was offline: Baileys hands over the message
  // with its content gone and a REVOKE stub. Its words are lost; that it was sent is not.
  if (revokedUnread) return { ...base, deletion: { of: id, unread: true } };
  let content = opened(msg.message);
  if (!content) return undefined;
  const protocol = content.protocolMessage;
  // The message an edit or a delete is about (its key is the original message's key).
  const of = protocol?.key?.id || undefined;
  if (protocol) {
    // Deleted for everyone: only its id is passed on; a delete that names no message says nothing.
    if (protocol.type === proto.Message.ProtocolMessage.Type.REVOKE) return of ? { ...base, deletion: { of } } : undefined;
    // Disappearing messages turned on or off for a whole group (a DM's setting is the citizen's own business).
    if (protocol.type === proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING)
      return base.chat.kind === 'group'
        ? { ...base, disappearing: { seconds: Math.max(0, Number(protocol.ephemeralExpiration ?? 0)) } }
        : undefined;
    const edited = protocol.editedMessage;
    if (!edited) return undefined;
    content = opened(edited) ?? edited;
  }
  const type = getContentType(content);
  if (content.reactionMessage) {
    const r = content.reactionMessage;
    if (!r.text || !r.key?.id) return undefined;
    return { ...base, reaction: { messageId: r.key.id, emoji: r.text } };
  }
  const context = contextOf(content, type);
  const raw = textOf(content);
  const text = raw === undefined ? undefined : clipped(withoutOwnMention(raw, context, me));
  const location = locationOf(content);
  const media = type ? MEDIA[type] : undefined;
  const replyTo = context?.stanzaId || undefined;
  const forwarded = isForwarded(context);
  if (text === undefined && !location && !media) return undefined;
  return {
    ...base,
    ...(text !== undefined ? { text } : {}),
    ...(location ? { location } : {}),
    // A photo, video, voice note or document keeps its type with or without a caption (the cell is
    // forwarded it either way); an edit only rewords a caption and carries no media of its own.
    ...(media && (!protocol || !text) ? { media } : {}),
    ...(replyTo ? { replyTo } : {}),
    ...(forwarded ? { forwarded } : {}),
    // An edit that does not say which message it edits is taken as a new message: nothing is lost.
    ...(protocol && of ? { edit: { of } } : {}),
  };
}

/**
 * A placeholder for a message Baileys could not decrypt: `messageStubType` CIPHERTEXT, no content,
 * the reason in `messageStubParameters[0]` ('No session record', 'Invalid PreKey ID', 'Message absent
 * from node', ...). Baileys asks the sender's phone to retry; the real message then comes with the same id.
 * A "view once" photo or video reaches a linked device as `<unavailable type="view_once"/>`: Baileys 7
 * upserts it with `key.isViewOnce`, no content and no stub, and nothing ever follows.
 */
export function undecryptableOf(msg: WAMessage): UndecryptableMessage | undefined {
  const id = msg.key.id;
  const viewOnce = msg.key.isViewOnce === true && !msg.messageStubType;
  if (!id || msg.key.fromMe || msg.message) return undefined;
  if (!viewOnce && msg.messageStubType !== proto.WebMessageInfo.StubType.CIPHERTEXT) return undefined;
  const origin = originOf(msg.key);
  if (!origin) return undefined;
  const reason = viewOnce ? 'view once' : msg.messageStubParameters?.[0];
  return {
    id,
    chat: origin.chat,
    from: { ...origin.from, ...(msg.pushName ? { pushName: msg.pushName } : {}) },
    at: toNumber(msg.messageTimestamp as number) * 1000 || Date.now(),
    ...(reason ? { reason: String(reason) } : {}),
    ...(viewOnce ? { viewOnce } : {}),
  };
}

/** LID↔phone pairs a message key reveals (v7 puts the other form in remoteJidAlt / participantAlt). */
export function lidPairsOf(key: WAMessage['key']): LidPair[] {
  const pairs = [
    senderOf(key.remoteJid, key.remoteJidAlt),
    senderOf(key.participant, key.participantAlt),
    ...(isJidBroadcast(key.remoteJid ?? '') ? [senderOf(key.participant, key.remoteJidAlt)] : []),
  ];
  return pairs.flatMap((s) => (s.lid && s.phone ? [{ lid: s.lid, phone: s.phone }] : []));
}
