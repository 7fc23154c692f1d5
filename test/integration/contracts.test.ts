import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * The public contracts of DESIGN.md, checked as an external test would: over HTTP only, with
 * what a test author naturally sends (phones with spaces or without '+', ids the simulator
 * returned, keywords in any configured language and case).
 */
let app: TestApp;
let n = 0;
/** A fresh citizen phone per check, so checks do not share incidents. */
const citizen = () => `+4477009${String(10000 + n++).padStart(5, '0')}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
const cardOf = (id: string) => app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
type Outbox = { items: SimOutboxItem[]; last: number };

beforeAll(async () => {
  app = await startTestApp('contracts', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('simulator API', () => {
  it('takes a phone with spaces or without "+" as the same person, and finds what was sent to them by any spelling', async () => {
    const phone = citizen();
    const spaced = `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`;
    const sent = await app.api<{ id: string }>('POST', '/sim/messages', { from: spaced, text: 'Our car was stolen in Damascus' });
    expect(sent.status).toBe(202);
    expect(Object.keys(sent.body)).toEqual(['id']);
    const ack = await app.expectMessage(phone, /Reference: INC-\d{4}/);
    const id = incidentIdIn(ack.text);
    expect(ack).toMatchObject({ to: phone, kind: 'ack' });
    await app.say(phone.slice(1), 'They also took our passports');
    await app.expectMessage(phone, new RegExp(`Added to your report ${id}`));
    for (const to of [phone, phone.slice(1), spaced]) {
      const res = await app.api<Outbox>('GET', `/sim/messages?to=${encodeURIComponent(to)}`);
      expect(res.status).toBe(200);
      expect(res.body.items.map((m) => m.id)).toContain(ack.id);
    }
    expect((await getIncident(id)).reporter).toBe(phone);
  });

  it('lists what the bot sent as {items: [{seq, id, to, text, kind, at}], last}, and nothing after last', async () => {
    const phone = citizen();
    await app.say(phone, 'NEWS');
    const item = await app.expectMessage(phone, () => true);
    for (const field of ['seq', 'id', 'to', 'text', 'kind', 'at'] as const) expect(item[field]).toBeDefined();
    expect(typeof item.seq).toBe('number');
    expect(Number.isNaN(Date.parse(item.at))).toBe(false);
    await settle(app);
    const all = await app.api<Outbox>('GET', '/sim/messages');
    expect(all.body.last).toBeGreaterThanOrEqual(item.seq);
    const after = await app.api<Outbox>('GET', `/sim/messages?after=${item.seq}&to=${encodeURIComponent(phone)}`);
    expect(after.body.items.every((m) => m.seq > item.seq)).toBe(true);
    const beyond = await app.api<Outbox>('GET', `/sim/messages?after=${all.body.last + 1000}`);
    expect(beyond.status).toBe(200);
    expect(beyond.body.items).toEqual([]);
    expect(beyond.body.last).toBeGreaterThanOrEqual(all.body.last);
    const bad = await app.api<{ error: { code: string; message: string } }>('GET', '/sim/messages?after=minus-one');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/after/);
  });

  it('creates groups (201 {id}) and changes their members (200); an unknown group is a 404 in the error shape', async () => {
    const made = await app.api<{ id: string }>('POST', '/sim/groups', {
      subject: 'Evac bus 1',
      participants: ['+1 555 000 0001', '15550000003'],
    });
    expect(made.status).toBe(201);
    expect(made.body.id).toMatch(/@g\.us$/);
    const chosen = await app.api<{ id: string }>('POST', '/sim/groups', {
      subject: 'Evac bus 2',
      participants: [],
      id: '120363000000000777@g.us',
    });
    expect(chosen).toMatchObject({ status: 201, body: { id: '120363000000000777@g.us' } });
    const add = await app.api('POST', `/sim/groups/${encodeURIComponent(made.body.id)}/participants`, {
      action: 'add',
      participants: ['+44 7700 900777'],
      by: STAFF.duty,
    });
    expect(add.status).toBe(200);
    const remove = await app.api('POST', `/sim/groups/${made.body.id}/participants`, { action: 'remove', participants: ['447700900777'] });
    expect(remove.status).toBe(200);
    const unknown = await app.api<{ error: { code: string; message: string } }>(
      'POST',
      '/sim/groups/120363999999999999@g.us/participants',
      {
        action: 'add',
        participants: ['+447700900777'],
      },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('120363999999999999@g.us') });
    const badAction = await app.api<{ error: { message: string } }>('POST', `/sim/groups/${made.body.id}/participants`, {
      action: 'kick',
      participants: ['+447700900777'],
    });
    expect(badAction.status).toBe(400);
    expect(badAction.body.error.message).toMatch(/action/);
  });

  it('accepts a message in a group that is no crisis-cell group (202) and answers nothing there', async () => {
    const group = '120363000000000555@g.us';
    const res = await app.api('POST', '/sim/messages', { from: STAFF.duty, group, text: '/sitrep' });
    expect(res.status).toBe(202);
    await app.api('POST', '/sim/messages', { from: citizen(), group, text: 'help, fire in the north' });
    await settle(app);
    expect(await app.outbox(group)).toEqual([]);
  });

  it('acknowledges an incident by a reply to its card, by the id the simulator returned for the card', async () => {
    const phone = citizen();
    await app.say(phone, 'My son is missing near Latakia');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    const card = await cardOf(id);
    await app.say(STAFF.officer, 'on it, calling now', { group: CELL_GROUP, replyTo: card.id });
    await app.expectMessage(phone, new RegExp(`${id} has been seen`));
    const incident = await getIncident(id);
    expect(incident).toMatchObject({ status: 'acknowledged', assignee: STAFF.officer });
    expect(incident.timeline.some((e) => e.type === 'note' && e.text === 'on it, calling now')).toBe(true);
  });

  it('acknowledges an incident by 👍 on its card (POST /sim/reactions → 202), the sender given with spaces', async () => {
    const phone = citizen();
    await app.say(phone, 'Lost my passport in the capital');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    const card = await cardOf(id);
    const res = await app.api('POST', '/sim/reactions', { from: '+1 555 000 0001', group: CELL_GROUP, messageId: card.id, emoji: '👍' });
    expect(res.status).toBe(202);
    await app.expectMessage(phone, new RegExp(`${id} has been seen`));
    expect((await getIncident(id)).status).toBe('acknowledged');
  });

  it('refuses 👍 and replies on a card from someone not on the roster, with an audit entry; nothing runs', async () => {
    const phone = citizen();
    await app.say(phone, 'Lost my passport in the north');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    const card = await cardOf(id);
    const stranger = citizen();
    const reaction = await app.api<{ id: string }>('POST', '/sim/reactions', {
      from: stranger,
      group: CELL_GROUP,
      messageId: card.id,
      emoji: '👍',
    });
    const reply = await app.say(stranger, 'I take this one', { group: CELL_GROUP, replyTo: card.id });
    for (const messageId of [reaction.body.id, reply]) {
      const refusal = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'refusal' && m.replyTo === messageId);
      expect(refusal.text).toMatch(/rostered embassy staff/);
    }
    const incident = await getIncident(id);
    expect(incident.status).toBe('open');
    expect(incident.timeline.some((e) => e.type === 'note')).toBe(false);
    const audit = await app.api<{ items: { type: string; subject?: string; data?: { reason?: string } }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    const refusals = audit.body.items.filter((e) => e.type === 'command.refused' && e.subject === id);
    expect(refusals.map((e) => e.data?.reason)).toEqual(['not_on_roster', 'not_on_roster']);
  });
});

describe('citizen keywords, in every configured language and any case', () => {
  const cases: [string, string][] = [
    ['SOS', 'ack'],
    ['Help', 'ack'],
    ['AIDE', 'ack'],
    ['مساعدة', 'ack'],
    ['safe', 'safe'],
    ['SAUF', 'safe'],
    ['آمن', 'safe'],
    ['Register', 'register'],
    ['INSCRIPTION', 'register'],
    ['تسجيل', 'register'],
    ['news', 'news'],
    ['Infos', 'news'],
    ['أخبار', 'news'],
    ['STOP', 'stop'],
    ['Arrêt', 'stop'],
    ['توقف', 'stop'],
    ['Delete', 'delete'],
    ['SUPPRIMER', 'delete'],
    ['حذف', 'delete'],
    ['MENU', 'menu'],
    ['Menu', 'menu'],
    ['قائمة', 'menu'],
  ];
  it.each(cases)('%s is answered as the keyword (%s)', async (word, kind) => {
    const phone = citizen();
    await app.say(phone, word);
    const reply = await app.expectMessage(phone, () => true);
    expect(reply.kind).toBe(kind);
    if (kind === 'ack') expect((await getIncident(incidentIdIn(reply.text))).severity).toBe('critical');
  });

  it('names the embassy once in the MENU', async () => {
    const phone = citizen();
    await app.say(phone, 'menu');
    const menu = await app.expectMessage(phone, (m) => m.kind === 'menu');
    expect(menu.text.startsWith('Embassy of Freedonia in Sylvania — ')).toBe(true);
  });

  it('answers MENU with the menu while the citizen has a report open, and keeps the report as it was', async () => {
    const phone = citizen();
    await app.say(phone, 'I lost my passport in Damascus');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, 'MENU');
    const menu = await app.expectMessage(phone, (m) => m.kind !== 'ack');
    expect(menu.kind).toBe('menu');
    expect((await getIncident(id)).timeline).toHaveLength(1);
  });

  it('does not raise a report’s severity with a follow-up that says nothing of urgency', async () => {
    const phone = citizen();
    await app.say(phone, 'I lost my passport in Damascus');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    expect((await getIncident(id)).severity).toBe('low');
    await app.say(phone, 'Thank you, my flight is on Friday');
    await app.expectMessage(phone, new RegExp(`Added to your report ${id}`));
    await settle(app);
    const incident = await getIncident(id);
    expect(incident.severity).toBe('low');
    const update = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'update' && m.text.includes(id));
    expect(update.text).not.toMatch(/Severity raised/);
    await app.say(phone, 'Now my friend is not breathing');
    await waitFor(async () => (await getIncident(id)).severity === 'critical', 10_000, 'the severity raised by an urgent follow-up');
  });
});

describe('admin API', () => {
  it('answers every list as {items, nextCursor}', async () => {
    for (const path of ['/api/incidents', '/api/alerts', '/api/welfare-checks', '/api/playbooks', '/api/runs', '/api/audit']) {
      const res = await app.api<{ items: unknown[]; nextCursor: unknown }>('GET', path);
      expect(res.status, path).toBe(200);
      expect(Array.isArray(res.body.items), path).toBe(true);
      expect('nextCursor' in res.body, path).toBe(true);
    }
  });

  it('pages the audit trail with after= and with the nextCursor as cursor=, like every other list', async () => {
    await app.say(citizen(), 'NEWS');
    await settle(app);
    const first = await app.api<{ items: { id: string }[]; nextCursor: string | null }>('GET', '/api/audit?limit=2');
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toBeTruthy();
    const byAfter = await app.api<{ items: { id: string }[] }>('GET', `/api/audit?limit=2&after=${first.body.nextCursor}`);
    const byCursor = await app.api<{ items: { id: string }[] }>('GET', `/api/audit?limit=2&cursor=${first.body.nextCursor}`);
    expect(byCursor.status).toBe(200);
    expect(byCursor.body.items.map((e) => e.id)).toEqual(byAfter.body.items.map((e) => e.id));
    expect(byAfter.body.items.map((e) => e.id)).not.toContain(first.body.items[0]?.id);
    const verify = await app.api<{ ok: boolean; entries: number }>('GET', '/api/audit/verify');
    expect(verify.body).toMatchObject({ ok: true, entries: expect.any(Number) });
  });

  it('pages the audit trail newest first with order=newest, each page going further back', async () => {
    const all = (await app.api<{ items: { id: string }[] }>('GET', '/api/audit?limit=1000')).body.items.map((e) => e.id);
    expect(all.length).toBeGreaterThan(4);
    type Page = { items: { id: string }[]; nextCursor: string | null };
    const first = await app.api<Page>('GET', '/api/audit?order=newest&limit=2');
    expect(first.body.items.map((e) => e.id)).toEqual(all.slice(-2).reverse());
    const second = await app.api<Page>('GET', `/api/audit?order=newest&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((e) => e.id)).toEqual(all.slice(-4, -2).reverse());
    expect((await app.api('GET', '/api/audit?order=sideways')).status).toBe(400);
  });

  it('assigns an incident by PATCH to a phone written with spaces or without "+", stored as E.164', async () => {
    const phone = citizen();
    await app.say(phone, 'I lost my passport in the north');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    const spaced = await app.api<Incident>('PATCH', `/api/incidents/${id}`, { assignee: '+1 555 000 0003' });
    expect(spaced.status).toBe(200);
    expect(spaced.body.assignee).toBe(STAFF.officer);
    const bare = await app.api<Incident>('PATCH', `/api/incidents/${id}`, { assignee: '15550000001' });
    expect(bare.body.assignee).toBe(STAFF.duty);
    const bad = await app.api<{ error: { message: string } }>('PATCH', `/api/incidents/${id}`, { assignee: 'tomorrow' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/assignee/);
  });

  it('serves /metrics as Prometheus text', async () => {
    const res = await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^# (HELP|TYPE) /m);
  });
});
