import type { GroupMetadata } from '@whiskeysockets/baileys';
import { type ChatSender, type GroupListing, type RemovalOutcome, TransportError } from '../chat-transport.ts';
import type { BaileysSocket } from './baileys-transport.ts';
import { STATUS, statusCodeOf } from './connection-policy.ts';
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

  /**
   * Members with phone and LID, as WhatsApp lists them now (a LID-only member gets their phone when
   * the gateway or Baileys knows it). Never from the group cache: it is refreshed only by the
   * membership notices the periodic check is there to back up, and a stranger whose notice never
   * came stayed unreported in the cell group until the cache expired, a day later.
   */
  async members(groupId: string): Promise<ChatSender[]> {
    return this.identified(await this.fetch(groupId));
  }

  /** The group's participants, in its order, with the phone of LID-only ones when the gateway or Baileys knows it. */
  private identified(meta: GroupMetadata, sock?: BaileysSocket): Promise<ChatSender[]> {
    return this.hidden.identify(
      meta.participants.map((p) => senderOf(p.id, p.phoneNumber, p.lid)),
      sock,
    );
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
   * The groups the embassy number is in, as WhatsApp lists them now (Baileys:
   * groupFetchAllParticipating), with when each was created and whether this account created it
   * (its creator, by phone or LID; unknown when WhatsApp names none). A dropped connection says
   * `not_connected`, to be asked again once it is back.
   */
  async list(): Promise<GroupListing[]> {
    const sock = this.sock();
    let groups: Record<string, GroupMetadata>;
    try {
      groups = await sock.groupFetchAllParticipating();
    } catch (err) {
      if (this.socket() !== sock || statusCodeOf(err) === STATUS.connectionClosed)
        throw new TransportError(`WhatsApp connection lost: ${(err as Error).message}`, 'not_connected', true, { cause: err });
      throw err;
    }
    const me = senderOf(sock.user?.id, sock.user?.lid);
    return Object.values(groups).map((g) => {
      const creator = senderOf(g.owner, g.ownerPn);
      const named = !!(creator.phone || creator.lid);
      return {
        id: g.id,
        subject: g.subject ?? '',
        ...(g.creation ? { createdAt: g.creation * 1000 } : {}),
        ...(named ? { createdBySelf: (!!creator.phone && creator.phone === me.phone) || (!!creator.lid && creator.lid === me.lid) } : {}),
      };
    });
  }

  /**
   * Removes members (E.164 phones, or LIDs), each by the address the group knows them by: in a
   * LID-addressed group (Baileys 7: `addressingMode: 'lid'`) that is their LID, and WhatsApp does
   * not act on a phone JID there. Refuses (not retryable) when the embassy number is not a group
   * admin or WhatsApp refuses the whole request; says `not_connected` when the connection went
   * meanwhile (to be asked again once it is back), `removal_timeout` when WhatsApp did not answer
   * in time on a connection still open (a try). Members WhatsApp refuses one by one are in the
   * outcome, as are those no longer in the group.
   */
  async remove(groupId: string, phones: string[]): Promise<RemovalOutcome> {
    const sock = this.sock();
    try {
      return await this.removeWith(sock, groupId, phones);
    } catch (err) {
      if (err instanceof TransportError) throw err;
      // The connection went (the socket replaced or no longer open, Baileys' "Connection Closed"):
      // asked again once it is back, using up no try.
      if (this.socket() !== sock || statusCodeOf(err) === STATUS.connectionClosed)
        throw new TransportError(`WhatsApp connection lost: ${(err as Error).message}`, 'not_connected', true, { cause: err });
      // A query that timed out (408) while the connection is still open: WhatsApp is there but does
      // not answer this request. Tried again, each time counting as a try, so that the cell is told
      // after the last one; waiting for a connection that is already open would retry it forever.
      if (statusCodeOf(err) === STATUS.timedOut)
        throw new TransportError(`WhatsApp did not answer in time: ${(err as Error).message}`, 'removal_timeout', true, { cause: err });
      // An error answer to the request (Baileys: a Boom whose data is WhatsApp's code, e.g. 400
      // bad-request, 403 forbidden): asking again gets the same answer.
      const code = (err as { data?: unknown }).data;
      if (typeof code === 'number' && code >= 400 && code < 500)
        throw new TransportError(`WhatsApp refused the removal (error ${code}: ${(err as Error).message})`, 'removal_refused', false, {
          cause: err,
        });
      // A server error (5xx) may pass: tried again, and named as such if it never does.
      if (typeof code === 'number' && code >= 500)
        throw new TransportError(`WhatsApp answered error ${code}: ${(err as Error).message}`, 'removal_error', true, {
          cause: err,
        });
      throw err;
    }
  }

  private async removeWith(sock: BaileysSocket, groupId: string, phones: string[]): Promise<RemovalOutcome> {
    const meta = await this.fetch(groupId);
    const me = senderOf(sock.user?.id, sock.user?.lid);
    const self = meta.participants.find((p) => {
      const s = senderOf(p.id, p.phoneNumber, p.lid);
      return (s.phone && s.phone === me.phone) || (s.lid && s.lid === me.lid);
    });
    if (!self?.admin) throw new TransportError('the embassy number is not an admin of this group', 'not_group_admin', false);
    const jids = await this.addressesIn(meta, phones, sock);
    const absent = phones.filter((p) => !jids.has(p));
    if (jids.size === 0) return { refused: [], absent };
    const answers = await sock.groupParticipantsUpdate(groupId, [...jids.values()], 'remove');
    // The cached member list (fetched just before) still has them: the next check reads it afresh.
    await this.store.forgetGroup(groupId);
    // WhatsApp answers member by member (Baileys: status '200', else the error code it gave);
    // a member it does not answer for is not known to be out.
    const refused = [...jids].flatMap(([member, jid]) => {
      const answer = answers.find((a) => sameMember(a.jid, jid));
      if (answer?.status === '200') return [];
      return [{ member, reason: answer ? `error ${answer.status}` : 'no answer' }];
    });
    return { refused, absent };
  }

  /**
   * The JID each member is listed under in the group (a LID in a LID-addressed group, a phone JID
   * in a phone-addressed one), matched by phone or LID: the pairs the gateway or Baileys knows,
   * then Baileys' LIDs of the members not found (asking WhatsApp about those it has no pair for;
   * a failed lookup fails the removal, to be tried again). A member still not found is no longer
   * in the group.
   */
  private async addressesIn(meta: GroupMetadata, phones: string[], sock: BaileysSocket): Promise<Map<string, string>> {
    const listed = await this.identified(meta, sock);
    const jidOfMember = (member: string, lid?: string) => {
      const i = listed.findIndex((s) => s.phone === member || s.lid === member || (lid && s.lid === lid));
      return i < 0 ? undefined : meta.participants[i]?.id;
    };
    const jids = new Map<string, string>();
    for (const member of phones) {
      const jid = jidOfMember(member);
      if (jid) jids.set(member, jid);
    }
    const unmatched = phones.filter((p) => !jids.has(p) && !p.includes('@'));
    if (unmatched.length) {
      const pairs = await this.hidden.lidsOf(unmatched);
      for (const { phone, lid } of pairs) {
        const jid = jidOfMember(phone, lid);
        if (jid) jids.set(phone, jid);
      }
    }
    return jids;
  }
}

/** Whether two JIDs name the same person (device parts aside). */
function sameMember(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = senderOf(a);
  const y = senderOf(b);
  return a === b || (!!x.phone && x.phone === y.phone) || (!!x.lid && x.lid === y.lid);
}
