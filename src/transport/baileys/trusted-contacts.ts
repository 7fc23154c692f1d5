import type { SignalKeyStore } from '@whiskeysockets/baileys';
import { LIDMappingStore } from '@whiskeysockets/baileys/lib/Signal/lid-mapping.js';
import { isTcTokenExpired, resolveTcTokenJid } from '@whiskeysockets/baileys/lib/Utils/tc-token-utils.js';
import type { Logger } from '../../observability/logger.ts';

/**
 * Whether WhatsApp counts a 1:1 chat as established. A person who writes to the embassy number
 * gives it their trusted-contact token (tctoken, kept by Baileys in the session's key store, valid
 * 4 weeks of 7-day buckets), and Baileys attaches it to every 1:1 message it sends them. While the
 * account may not start chats, WhatsApp refuses a 1:1 message without one (error 463), and takes
 * one with it: WhatsApp Web's own rule (WAWebReachoutTimelockUtils.canSendMsgWhileTimelocked) lets
 * a chat be written to exactly when it holds the contact's tctoken. This reads the same token, by
 * the same lookup Baileys sends with (LID first, from Baileys' LID mapping; then the phone JID).
 */
export class TrustedContacts {
  private readonly lids: LIDMappingStore;

  constructor(
    private readonly keys: SignalKeyStore,
    log: Logger,
  ) {
    // Only the stored mappings: no network lookup (a contact we never heard from has no token anyway).
    this.lids = new LIDMappingStore(keys as never, log.child({ module: 'baileys' }, { level: 'warn' }) as never);
  }

  /** True when a message to `to` (E.164 phone, or a LID when no phone is known) carries a valid tctoken. */
  async has(to: string): Promise<boolean> {
    const jid = to.includes('@') ? to : `${to.replace(/\D/g, '')}@s.whatsapp.net`;
    const storageJid = await resolveTcTokenJid(jid, (pn) => this.lids.getLIDForPN(pn));
    const entry = (await this.keys.get('tctoken', [storageJid]))[storageJid];
    return !!entry?.token?.length && !isTcTokenExpired(entry.timestamp);
  }
}
