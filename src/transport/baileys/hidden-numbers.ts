import { type ChatSender, TransportError } from '../chat-transport.ts';
import type { BaileysSocket } from './baileys-transport.ts';
import { jidOf, type LidPair, lidOfJid, phoneOfJid } from './inbound-mapper.ts';
import type { WhatsAppStore } from './whatsapp-store.ts';

/**
 * The phones behind WhatsApp LIDs (hidden-number ids). Baileys 7 keeps its own LID mapping in the
 * session (`signalRepository.lidMapping`): every pair WhatsApp gave it, from message keys, usync
 * answers to its sends and notifications, many of which never reach the adapter as an event. The
 * gateway copies what it needs into `keys.lidToPhone`, the hash the app reads.
 */
export class HiddenNumbers {
  constructor(
    private readonly store: WhatsAppStore,
    private readonly socket: () => BaileysSocket | undefined,
  ) {}

  /**
   * Fills in the phone of people known only by LID: from the pairs the gateway learnt, else from
   * Baileys' mapping (stored pairs only: no query to WhatsApp), whose finds are remembered. Someone
   * neither knows stays LID-only.
   */
  async identify(people: ChatSender[], sock = this.socket()): Promise<ChatSender[]> {
    const hidden = [...new Set(people.flatMap((p) => (!p.phone && p.lid ? [p.lid] : [])))];
    if (hidden.length === 0) return people;
    const phones = new Map<string, string>();
    for (const [lid, phone] of await this.store.phonesOfLids(hidden)) phones.set(lid, phone);
    const missing = hidden.filter((lid) => !phones.has(lid));
    if (missing.length && sock?.signalRepository) {
      const found = (await sock.signalRepository.lidMapping.getPNsForLIDs(missing).catch(() => null)) ?? [];
      const pairs = pairsOf(found);
      await this.store.learnLids(pairs);
      for (const p of pairs) phones.set(p.lid, p.phone);
    }
    return people.map((p) => {
      const phone = !p.phone && p.lid ? phones.get(p.lid) : undefined;
      return phone ? { ...p, phone } : p;
    });
  }

  /**
   * The LIDs of these E.164 phones. Baileys answers from its mapping, and asks WhatsApp (one usync
   * query with the LID protocol, in the background context) about the phones it has no pair for;
   * WhatsApp's answers are kept in the session, so the next call costs no query for them. Found
   * pairs are remembered in `keys.lidToPhone`.
   */
  async lidsOf(phones: string[]): Promise<LidPair[]> {
    const sock = this.socket();
    if (!sock) throw new TransportError('WhatsApp is not connected', 'not_connected', true);
    if (phones.length === 0) return [];
    const found = (await sock.signalRepository.lidMapping.getLIDsForPNs(phones.map((p) => jidOf({ kind: 'dm', phone: p })))) ?? [];
    const pairs = pairsOf(found);
    await this.store.learnLids(pairs);
    return pairs;
  }
}

/** Our pairs from Baileys' ({ lid: '123:4@lid', pn: '4915…:4@s.whatsapp.net' }: device parts dropped). */
function pairsOf(mappings: { lid: string; pn: string }[]): LidPair[] {
  const pairs = new Map<string, LidPair>();
  for (const m of mappings) {
    const lid = lidOfJid(m.lid);
    const phone = phoneOfJid(m.pn);
    if (lid && phone) pairs.set(lid, { lid, phone });
  }
  return [...pairs.values()];
}
