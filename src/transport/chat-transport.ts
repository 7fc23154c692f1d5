/**
 * The ChatTransport port: what crisis-cell needs from a chat platform, in our words.
 * Adapters (simulator, baileys) turn platform events into these types; no vendor type
 * crosses this file.
 */

/** Where a message goes or comes from: a person's DM, or a group. */
export type ChatAddress = { kind: 'dm'; phone: string } | { kind: 'group'; id: string };

/** A person on the chat platform. WhatsApp may give a LID, a phone, or both. */
export interface ChatSender {
  /** E.164 phone when known (e.g. +15550000001). */
  phone?: string;
  /** WhatsApp LID (e.g. 12345@lid) when the platform hides the phone. */
  lid?: string;
  /** The display name the person chose; not trusted for identity. */
  pushName?: string;
}

export interface GeoPoint {
  lat: number;
  lng: number;
  name?: string;
}

/**
 * The longest `text` an inbound message carries (the inbound queue refuses longer ones). WhatsApp
 * allows far longer messages: an adapter cuts them, saying so at the end, rather than lose them.
 */
export const MAX_INBOUND_TEXT = 10_000;

/** One inbound message, normalised by the adapter. */
export interface InboundMessage {
  /** Platform message id; the inbound job id derives from it. */
  id: string;
  chat: ChatAddress;
  from: ChatSender;
  /** Text, caption of a photo, or the new body of an edited message. */
  text?: string;
  location?: GeoPoint;
  /** Set when this is a reaction to an earlier message. */
  reaction?: { messageId: string; emoji: string };
  /** Id of the message this one replies to (a quote). */
  replyTo?: string;
  /** Sent by the embassy's own account (ignored by the pipeline). */
  fromMe: boolean;
  /** Epoch milliseconds when the platform received it. */
  at: number;
  /** For a photo, video, voice note, document or sticker, the media type (its caption, if any, is `text`). */
  media?: 'image' | 'video' | 'audio' | 'document' | 'sticker';
  /**
   * Set when the sender edited an earlier message of theirs: `of` is that message's id, and
   * `text` (or the caption) is its new wording. `id` is the edit's own id (each edit is new).
   */
  edit?: { of: string };
  /**
   * Set when the sender deleted an earlier message of theirs for everyone: `of` is that message's
   * id. Such a message carries nothing else (no text, location, media, reaction or edit).
   */
  deletion?: {
    of: string;
    /**
     * The message was deleted before the bot could read it: WhatsApp handed over only that a message
     * (`of`, its own id) was deleted (the gateway was offline when it was sent and deleted).
     */
    unread?: boolean;
  };
  /**
   * Set when the platform marks the message as forwarded (WhatsApp's "Forwarded" label): the sender
   * passed on someone else's message, e.g. a rumour "from the embassy" circulating in group chats.
   */
  forwarded?: boolean;
  /**
   * Set when a member of a group turned disappearing messages on (`seconds`, how long messages stay)
   * or off (0) for everyone in it (WhatsApp's EPHEMERAL_SETTING). Such a message carries nothing else.
   */
  disappearing?: { seconds: number };
}

/**
 * A message the platform delivered but could not decrypt (WhatsApp: a CIPHERTEXT placeholder).
 * The platform usually retries and the real message follows with the same id; if it never does,
 * the report is lost unless someone asks the sender to send it again.
 */
export interface UndecryptableMessage {
  /** Platform message id: the real message, if it comes, has the same one. */
  id: string;
  chat: ChatAddress;
  from: ChatSender;
  /** Epoch milliseconds when the platform received it. */
  at: number;
  /** The platform's reason (e.g. "No session record", "Invalid PreKey ID"); for logs, never shown to users. */
  reason?: string;
  /**
   * A "view once" photo, video or voice note: WhatsApp opens it only on the receiving phone, never on
   * a linked device such as the bot, so the real message never follows. The sender must send it again
   * as an ordinary one.
   */
  viewOnce?: boolean;
}

/** One message to send. */
export interface OutboundMessage {
  to: ChatAddress;
  text?: string;
  /** Phones to @-mention in a group. */
  mentions?: string[];
  replyTo?: string;
  /** A reaction instead of text. */
  reaction?: { messageId: string; emoji: string };
  /** A poll (used for welfare checks). */
  poll?: { question: string; options: string[] };
  /**
   * A citizen's photo, video, voice note or document, forwarded as it is (WhatsApp's Forward):
   * the cell sees and hears what the citizen sent. `messageId` is the citizen's message.
   */
  forward?: { messageId: string; media: string };
  /** Stable key: the same key is the same message, however often it is retried. */
  idempotencyKey: string;
  /** What the message is, for the record (reply, card, alert, ...). */
  kind: string;
}

export interface SendResult {
  /** Platform id of the sent message. */
  messageId: string;
  /** True when the transport had already sent this idempotency key. */
  duplicate: boolean;
}

/** A change of members in a group. */
export interface MembershipChange {
  groupId: string;
  action: 'add' | 'remove' | 'promote' | 'demote';
  participants: ChatSender[];
  by?: ChatSender;
  at: number;
}

/** A delivery receipt for a sent message. */
export interface DeliveryUpdate {
  messageId: string;
  state: 'sent' | 'delivered' | 'read' | 'failed';
  at: number;
  error?: string;
  /** For a failed message to a person: their phone (E.164), or LID when WhatsApp shows no number. */
  to?: string;
}

export type ConnectionState = 'connecting' | 'open' | 'closed' | 'logged_out' | 'waiting_for_pairing';

/**
 * The platform limits what the account may send for a while, without disconnecting it: WhatsApp's
 * error 463, reach-out time lock or new-chat cap stop the account from starting chats, while chats
 * it already has (groups, people who wrote to it recently) go on.
 */
export interface SendRestriction {
  /** The platform's reason (e.g. `error_463`, `reachout_timelock`, `message_capping`). */
  reason: string;
  /** Epoch ms when it started. */
  since: number;
  /** Epoch ms when it ends: the platform's word, or how long the gateway holds it without one. */
  until: number;
}

/** Why a message must wait, and until when at the latest (it is looked at again then). */
export interface SendHold {
  reason: string;
  until: number;
}

/** A message the platform refused after taking it (WhatsApp answers a send with error 463 later). */
export interface RefusedSend {
  /** Platform id of the refused message. */
  messageId: string;
  /** The idempotency key it was sent under: the same message, to be sent again later. */
  idempotencyKey: string;
  reason: string;
}

/** What a transport reports to the application. */
/**
 * A voice or video call to the embassy number that nobody took (it rang out, the caller hung up
 * first, or the phone declined it). The bot cannot speak; it can answer in writing.
 */
export interface MissedCall {
  /** The platform's call id: the same call reported twice is handled once. */
  id: string;
  from: ChatSender;
  /** Epoch milliseconds when the call came. */
  at: number;
  video: boolean;
}

export interface TransportEvents {
  message(msg: InboundMessage): Promise<void>;
  /** A call nobody answered (see MissedCall). */
  missedCall?(call: MissedCall): Promise<void>;
  /** A message that arrived but could not be read (see UndecryptableMessage). */
  undecryptable?(msg: UndecryptableMessage): Promise<void>;
  membership?(change: MembershipChange): Promise<void>;
  delivery?(update: DeliveryUpdate): Promise<void>;
  connection?(state: ConnectionState, detail?: Record<string, unknown>): void;
  /**
   * A message the platform took, then refused (see RefusedSend). The app queues it again (it is
   * held until the restriction lifts); resolves false when it could not, and the transport then
   * reports the message failed.
   */
  refused?(send: RefusedSend): Promise<boolean>;
}

/** A typed transport failure; `retryable` decides whether the outbound job retries. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  /** With code `held`: the message must wait until then at the latest (see ChatTransport.holdFor). */
  readonly holdUntil: number | undefined;
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; holdUntil?: number },
  ) {
    super(message, options);
    this.holdUntil = options?.holdUntil;
  }
}

/** A group the account is in, as the platform lists it (see ChatTransport.listGroups). */
export interface GroupListing {
  id: string;
  subject: string;
  /** When it was created (ms; the platform keeps whole seconds), when the platform says. */
  createdAt?: number;
  /** Whether this account created it; undefined when the platform does not say who did. */
  createdBySelf?: boolean;
}

/** What a removal from a group did, member by member (named as in the request). */
export interface RemovalOutcome {
  /** Members the platform would not remove, with its reason (e.g. `error 403`). */
  refused: { member: string; reason: string }[];
  /** Members no longer in the group: nothing to remove. */
  absent: string[];
}

/** The port. */
export interface ChatTransport {
  readonly name: 'simulator' | 'baileys';
  start(events: TransportEvents): Promise<void>;
  stop(): Promise<void>;
  send(msg: OutboundMessage): Promise<SendResult>;
  state(): ConnectionState;
  /** Members of a group (phones), when the platform can tell. */
  groupMembers?(groupId: string): Promise<ChatSender[]>;
  /** Creates a group (breakout huddles); returns its id. */
  createGroup?(subject: string, participants: string[]): Promise<string>;
  /**
   * The groups this account is in, as the platform lists them now. A retried huddle finds there
   * the group its first try created (WhatsApp creating groups is not idempotent: creating again
   * would make a second group of the same people). Without it, a retry creates the group again.
   */
  listGroups?(): Promise<GroupListing[]>;
  /**
   * The platform's hidden-number ids (WhatsApp LIDs) of these E.164 phones, where it can tell (a
   * phone it cannot resolve is left out). Each pair found is also remembered (`keys.lidToPhone`),
   * so that a message or a group member under the LID alone is known as that phone. The membership
   * guard asks it for the staff roster.
   */
  lidsOf?(phones: string[]): Promise<{ phone: string; lid: string }[]>;
  /**
   * Removes participants (E.164 phones, or LIDs like `123@lid` when no phone is known) from a group
   * where the bot is admin, each by the address the group knows them by; says which ones the
   * platform refused and which were no longer there.
   */
  removeFromGroup?(groupId: string, phones: string[]): Promise<RemovalOutcome>;
  /** The restriction in force, if any (the connection stays open under one). */
  sendRestriction?(): SendRestriction | undefined;
  /**
   * Whether a message to `to` must wait under the restriction in force: undefined sends it now. A
   * message that creates a group is `newGroup`. Held messages are sent once it lifts.
   */
  holdFor?(to: ChatAddress, opts?: { newGroup?: boolean }): SendHold | undefined | Promise<SendHold | undefined>;
}

/** Text form of an address, used as a key and in the simulator API. */
export function addressKey(a: ChatAddress): string {
  return a.kind === 'dm' ? a.phone : a.id;
}

/** Parses the text form back: group ids end in @g.us, anything else is a phone. */
export function parseAddress(key: string): ChatAddress {
  return key.endsWith('@g.us') ? { kind: 'group', id: key } : { kind: 'dm', phone: key };
}
