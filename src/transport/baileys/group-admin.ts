import type { GroupMetadata } from '@whiskeysockets/baileys';
import { type ChatSender, TransportError } from '../chat-transport.ts';
import type { BaileysSocket } from './baileys-transport.ts';
import { lostConnection } from './connection-policy.ts';
import type { HiddenNumbers } from './hidden-numbers.ts';
import { jidOf, senderOf } from './inbound-mapper.ts';
import type { WhatsAppStore } from './whatsapp-store.ts';

/** Group operations of the adapter, on the current socket and the Redis group cache. */
export class GroupAdmin {
  constructor(
    private readonly store: WhatsAppStore,
    private readonly socket: () => BaileysSocket | undefined,
    private readonly hidden: HiddenNumbers,
  ) {}

  private sock(): BaileysSocket {
    const s = this.socket();
    if (!s) throw new TransportError('WhatsApp is not connected', 'not_connected', true);
    return s;
  }

  /** Fetches a group's metadata from WhatsApp and caches it. */
  async fetch(groupId: string): Promise<GroupMetadata> {
    const meta = await this.sock().groupMetadata(groupId);
    await this.store.saveGroup(meta);
    return meta;
  }

  /** Members with phone and LID; a LID-only member gets their phone when the gateway or Baileys knows it. */
  async members(groupId: string): Promise<ChatSender[]> {
    const meta = (await this.store.group(groupId)) ?? (await this.fetch(groupId));
    return this.hidden.identify(meta.participants.map((p) => senderOf(p.id, p.phoneNumber, p.lid)));
  }

  async create(subject: string, participants: string[]): Promise<string> {
    const meta = await this.sock().groupCreate(
      subject,
      participants.map((p) => jidOf({ kind: 'dm', phone: p })),
    );
    await this.store.saveGroup(meta);
    return meta.id;
  }

  /**
   * Removes members; refuses (not retryable) when the embassy number is not a group admin, and
   * says `not_connected` when the connection went meanwhile (to be asked again once it is back).
   */
  async remove(groupId: string, phones: string[]): Promise<void> {
    const sock = this.sock();
    try {
      await this.removeWith(sock, groupId, phones);
    } catch (err) {
      if (err instanceof TransportError || !(this.socket() !== sock || lostConnection(err))) throw err;
      throw new TransportError(`WhatsApp connection lost: ${(err as Error).message}`, 'not_connected', true, { cause: err });
    }
  }

  private async removeWith(sock: BaileysSocket, groupId: string, phones: string[]): Promise<void> {
    const meta = await this.fetch(groupId);
    const me = senderOf(sock.user?.id, sock.user?.lid);
    const self = meta.participants.find((p) => {
      const s = senderOf(p.id, p.phoneNumber, p.lid);
      return (s.phone && s.phone === me.phone) || (s.lid && s.lid === me.lid);
    });
    if (!self?.admin) throw new TransportError('the embassy number is not an admin of this group', 'not_group_admin', false);
    await sock.groupParticipantsUpdate(
      groupId,
      phones.map((p) => jidOf({ kind: 'dm', phone: p })),
      'remove',
    );
  }
}
