import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/domain/incident.ts';
import type { InboundJob } from '../../src/queues/job-schemas.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

interface IncidentView {
  id: string;
  severity: string;
  summary: string;
  reporter: string | null;
  timeline: TimelineEntry[];
}

const Type = proto.Message.ProtocolMessage.Type;

/** What a citizen's phone sends when they edit their message `of` (Baileys 7 upserts it as is). */
function editOf(id: string, remoteJid: string, of: string, text: string): WAMessage {
  return waMessage({
    id,
    remoteJid,
    message: {
      protocolMessage: {
        type: Type.MESSAGE_EDIT,
        key: { id: of, remoteJid, fromMe: true },
        editedMessage: { conversation: text },
        timestampMs: 1_790_000_100_000,
      },
    },
  });
}

/** What a citizen's phone sends when they delete their message `of` for everyone. */
function revokeOf(id: string, remoteJid: string, of: string, participant?: string): WAMessage {
  return waMessage({
    id,
    remoteJid,
    ...(participant ? { participant } : {}),
    message: { protocolMessage: { type: Type.REVOKE, key: { id: of, remoteJid, fromMe: true, ...(participant ? { participant } : {}) } } },
  });
}

describe('a citizen edits or deletes a WhatsApp message (Baileys adapter, real protos)', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();
  const sentTo = (jid: string) => sock.sent.filter((s) => s.jid === jid);
  const texts = (jid: string) => sentTo(jid).map((s) => (s.content as { text?: string }).text ?? '');
  const incident = async (id: string) => (await app.api<IncidentView>('GET', `/api/incidents/${id}`)).body;
  const incidentsOf = async (phone: string) =>
    (await app.api<{ items: IncidentView[] }>('GET', '/api/incidents?limit=100')).body.items.filter((i) => i.reporter === phone);
  /** Upserts messages one by one, each handled before the next. */
  const deliver = async (...messages: WAMessage[]) => {
    for (const m of messages) {
      sock.upsert([m]);
      await waitFor(async () => sock.read.some((k) => k.id === m.key.id), 10_000, `message ${m.key.id} to be taken`);
      await settle(app);
    }
  };

  beforeAll(async () => {
    app = await startTestApp('bl-edits', { options: { transport: sockets.transport } });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('records an edit of the report next to the original: summary follows, triage only goes up, one ✅ for the citizen', async () => {
    const jid = '33620000001@s.whatsapp.net';
    await deliver(waMessage({ id: 'WA-REP-1', remoteJid: jid, message: { conversation: 'I lost my passport near the old market' } }));
    const [opened] = await incidentsOf('+33620000001');
    expect(opened?.severity).toBe('low');
    const id = opened?.id as string;
    await deliver(waMessage({ id: 'WA-FU-1', remoteJid: jid, message: { conversation: 'we are staying at the Sham hotel' } }));
    const before = sentTo(jid).length;
    const cellBefore = sentTo(CELL_GROUP).length;

    await deliver(editOf('WA-ED-1', jid, 'WA-REP-1', 'my friend collapsed near the old market and is not breathing'));

    const after = await incident(id);
    expect(await incidentsOf('+33620000001')).toHaveLength(1);
    expect(after.summary).toBe('my friend collapsed near the old market and is not breathing');
    expect(after.severity).toBe('critical');
    // The original report stays, for the record; the edit is marked as an edit of it.
    expect(after.timeline[0]).toMatchObject({ type: 'reported', text: 'I lost my passport near the old market', messageId: 'WA-REP-1' });
    const edits = after.timeline.filter((e) => e.type === 'edited');
    expect(edits).toEqual([
      expect.objectContaining({
        actor: 'reporter',
        text: 'my friend collapsed near the old market and is not breathing',
        messageId: 'WA-ED-1',
        data: { of: 'WA-REP-1', entry: 0 },
      }),
    ]);
    expect(after.timeline.filter((e) => e.type === 'details')).toHaveLength(1);
    // The citizen: one ✅ on the message they edited, no "Added to your report".
    const answers = sentTo(jid).slice(before);
    expect(answers).toHaveLength(1);
    expect(answers[0]?.content).toMatchObject({ react: { text: '✅', key: { id: 'WA-REP-1' } } });
    // The cell is told what changed, and that the severity went up.
    const update = texts(CELL_GROUP).slice(cellBefore).join('\n');
    expect(update).toContain(`✏️ ${id} — the reporter edited their message “I lost my passport near the old market” to:`);
    expect(update).toMatch(/Severity raised to CRITICAL/);

    // A milder edit never lowers the triage; an edit of a follow-up leaves the summary alone.
    await deliver(editOf('WA-ED-2', jid, 'WA-FU-1', 'we are staying at the Sham hotel, room 12, all calm'));
    await deliver(editOf('WA-ED-3', jid, 'WA-REP-1', 'sorry, I only lost my passport near the old market'));
    const last = await incident(id);
    expect(last.severity).toBe('critical');
    expect(last.summary).toBe('sorry, I only lost my passport near the old market');
    const fu = last.timeline.findIndex((e) => e.messageId === 'WA-FU-1');
    expect(last.timeline[fu]).toMatchObject({ type: 'details', text: 'we are staying at the Sham hotel' });
    expect(last.timeline.find((e) => e.messageId === 'WA-ED-2')).toMatchObject({
      type: 'edited',
      text: 'we are staying at the Sham hotel, room 12, all calm',
      data: { of: 'WA-FU-1', entry: fu },
    });
    expect(texts(jid).filter((t) => /Added to your report/.test(t))).toHaveLength(1);
  });

  it('takes a redelivered edit once', async () => {
    const jid = '33620000002@s.whatsapp.net';
    await deliver(waMessage({ id: 'WA-REP-2', remoteJid: jid, message: { conversation: 'our car was stolen in the north' } }));
    const edit = editOf('WA-ED-21', jid, 'WA-REP-2', 'our car and our passports were stolen in the north');
    await deliver(edit, editOf('WA-ED-21', jid, 'WA-REP-2', 'our car and our passports were stolen in the north'));
    const [i] = await incidentsOf('+33620000002');
    expect(i?.timeline.filter((e) => e.type === 'edited')).toHaveLength(1);
    expect(sentTo(jid).filter((s) => 'react' in s.content)).toHaveLength(1);
  });

  it('records a delete-for-everyone in the timeline, keeps the words, and answers nothing', async () => {
    const jid = '33620000003@s.whatsapp.net';
    await deliver(
      waMessage({ id: 'WA-REP-3', remoteJid: jid, message: { conversation: 'my brother was arrested at the checkpoint' } }),
      waMessage({ id: 'WA-FU-3', remoteJid: jid, message: { conversation: 'his name is Karim, he has diabetes' } }),
    );
    const before = sentTo(jid).length;
    const cellBefore = sentTo(CELL_GROUP).length;
    await deliver(revokeOf('WA-DEL-3', jid, 'WA-FU-3'));
    const [i] = await incidentsOf('+33620000003');
    const after = await incident(i?.id as string);
    const fu = after.timeline.findIndex((e) => e.messageId === 'WA-FU-3');
    expect(after.timeline[fu]).toMatchObject({ type: 'details', text: 'his name is Karim, he has diabetes' });
    expect(after.timeline.filter((e) => e.type === 'deleted')).toEqual([
      expect.objectContaining({
        actor: 'reporter',
        text: 'the citizen deleted this message in WhatsApp',
        messageId: 'WA-DEL-3',
        data: { of: 'WA-FU-3', entry: fu },
      }),
    ]);
    expect(after.summary).toBe('my brother was arrested at the checkpoint');
    expect(sentTo(jid).slice(before)).toEqual([]);
    const trail = await app.api<{ items: { type: string; subject: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?order=newest&limit=200',
    );
    expect(trail.body.items.find((e) => e.type === 'message.in' && e.subject === 'WA-DEL-3')?.data).toMatchObject({ deletes: 'WA-FU-3' });
    expect(texts(CELL_GROUP).slice(cellBefore).join('\n')).toContain(
      `🗑️ ${after.id} — the reporter deleted their message “his name is Karim, he has diabetes” in WhatsApp`,
    );
  });

  it('takes an edit of a message in no incident as a new message, and ignores any other delete', async () => {
    const jid = '33620000004@s.whatsapp.net';
    await deliver(revokeOf('WA-DEL-4', jid, 'NEVER-SEEN-4'));
    expect(sentTo(jid)).toEqual([]);
    expect(await incidentsOf('+33620000004')).toEqual([]);
    await deliver(editOf('WA-ED-4', jid, 'NEVER-SEEN-4', 'flooding in our street, we need help'));
    await waitFor(async () => texts(jid).find((t) => /Reference: INC-\d{4}/.test(t)));
    const [i] = await incidentsOf('+33620000004');
    expect(i?.timeline[0]).toMatchObject({ type: 'reported', text: 'flooding in our street, we need help', messageId: 'WA-ED-4' });
    // Another citizen's message id is not theirs to edit or delete.
    await deliver(revokeOf('WA-DEL-44', jid, 'WA-REP-3'));
    const [other] = await incidentsOf('+33620000003');
    expect(other?.timeline.filter((e) => e.type === 'deleted')).toHaveLength(1);
    expect(sentTo(jid).filter((s) => !('text' in s.content))).toEqual([]);
  });

  it('never runs an edited staff command a second time (an edited /alert is not a second alert); a staff delete does nothing', async () => {
    const staffJid = `${STAFF.duty.slice(1)}@s.whatsapp.net`;
    const cellBefore = sentTo(CELL_GROUP).length;
    await deliver(revokeOf('WA-DEL-G', CELL_GROUP, 'SOME-STAFF-MSG', staffJid));
    expect(sentTo(CELL_GROUP).slice(cellBefore)).toEqual([]);
    sock.upsert([
      waMessage({
        id: 'WA-ED-G',
        remoteJid: CELL_GROUP,
        participant: staffJid,
        message: {
          protocolMessage: {
            type: Type.MESSAGE_EDIT,
            key: { id: 'WA-HELP-G', remoteJid: CELL_GROUP, fromMe: true, participant: staffJid },
            editedMessage: { conversation: '/alert north Stay indoors, the shelling has resumed' },
          },
        },
      }),
    ]);
    await waitFor(async () =>
      texts(CELL_GROUP)
        .slice(cellBefore)
        // The edited message never reached the app: whether it was a command is unknown, and the answer does not guess.
        .find((t) =>
          /nothing done by this edit: an edited message is never run as a command\. To run \/alert, send it as a new message/.test(t),
        ),
    );
    await settle(app);
    expect((await app.api<{ items: unknown[] }>('GET', '/api/alerts')).body.items).toEqual([]);
  });

  it('refuses an edit or delete job that does not say which message, clearly, and keeps it for investigation', async () => {
    const base = { chat: { kind: 'dm', phone: '+33620000005' }, from: { phone: '+33620000005' }, fromMe: false, at: Date.now() };
    const bad = [
      { id: 'BAD-ED-1', ...base, text: 'new words', edit: {} },
      { id: 'BAD-ED-2', ...base, text: 'new words', edit: { of: '' } },
      { id: 'BAD-DEL-1', ...base, deletion: { of: 'X' }, text: 'not allowed here' },
    ];
    for (const message of bad) {
      await app.queues.inbound.add('message', { type: 'message', message } as unknown as InboundJob, { jobId: message.id });
    }
    const reasons = [];
    for (const message of bad) {
      const job = await waitFor(async () =>
        (await app.queues.inbound.getJobState(message.id)) === 'failed' ? await app.queues.inbound.getJob(message.id) : undefined,
      );
      reasons.push(job.failedReason);
    }
    expect(reasons[0]).toMatch(/^invalid inbound job: message\.edit\.of: /);
    expect(reasons[1]).toBe('invalid inbound job: message.edit.of: needs the id of the original message');
    expect(reasons[2]).toBe('invalid inbound job: message.deletion: a deleted message carries only the id of the message it deletes');
    expect(await incidentsOf('+33620000005')).toEqual([]);
  });
});

describe('edits and deletes in the simulator API', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sim-edits');
  });
  afterAll(async () => app.stop());

  it('simulates an edit and a delete-for-everyone, and refuses a bad one with 400', async () => {
    const from = '+33620000006';
    await app.api('POST', '/sim/messages', { from, text: 'I lost my passport in Aleppo', id: 'SIM-REP-6' });
    await app.expectMessage(from, /Reference: INC-\d{4}/);
    const edit = await app.api('POST', '/sim/messages', {
      from,
      text: 'I lost my passport and my wallet in Aleppo',
      edit: { of: 'SIM-REP-6' },
    });
    expect(edit.status).toBe(202);
    const del = await app.api('POST', '/sim/messages', { from, deletion: { of: 'SIM-REP-6' } });
    expect(del.status).toBe(202);
    await settle(app);
    const items = (await app.api<{ items: IncidentView[] }>('GET', '/api/incidents')).body.items.filter((i) => i.reporter === from);
    expect(items).toHaveLength(1);
    const i = (await app.api<IncidentView>('GET', `/api/incidents/${items[0]?.id}`)).body;
    expect(i.summary).toBe('I lost my passport and my wallet in Aleppo');
    expect(i.timeline.map((e) => [e.type, e.text])).toEqual(
      expect.arrayContaining([
        ['reported', 'I lost my passport in Aleppo'],
        ['edited', 'I lost my passport and my wallet in Aleppo'],
        ['deleted', 'the citizen deleted this message in WhatsApp'],
      ]),
    );
    const out = (await app.api<{ items: { kind: string; text: string }[] }>('GET', `/sim/messages?to=${encodeURIComponent(from)}`)).body
      .items;
    expect(out.map((m) => m.kind)).toEqual(['ack', 'reaction']);

    for (const body of [
      { from, text: 'x', edit: {} },
      { from, edit: { of: 'SIM-REP-6' } },
      { from, text: 'x', deletion: { of: 'SIM-REP-6' } },
    ]) {
      const res = await app.api<{ error: { code: string; message: string } }>('POST', '/sim/messages', body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/edit|deletion/);
    }
  });
});
