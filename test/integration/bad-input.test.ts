import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { ADMIN_TOKEN, CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * Input nobody should send but somebody will: what the sender and the crisis cell see, and that
 * nothing is lost or half done.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('bad-input', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
/** Calls the API and expects a 400 whose message is (or matches) `message`. */
async function refused(method: string, path: string, message: string | RegExp, body?: unknown): Promise<void> {
  const res = await app.api<{ error: { code: string; message: string } }>(method, path, body);
  expect(res.status, path).toBe(400);
  if (typeof message === 'string') expect(res.body.error.message, path).toBe(message);
  else expect(res.body.error.message, path).toMatch(message);
}
/** Half of a surrogate pair, alone. */
const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('a report of emojis longer than a summary', () => {
  it('is answered and carded: the summary is cut between two emojis, never inside one', async () => {
    // 501 UTF-16 units and no space: the 500-unit summary would end on half of the 250th 😭.
    const phone = '+33612900001';
    await app.say(phone, `a${'😭'.repeat(300)}`);
    const answer = await app.expectMessage(phone, /Reference: INC-\d{4}/);
    const id = /INC-\d{4}/.exec(answer.text)?.[0] as string;
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    const incident = await getIncident(id);
    expect(incident.summary).toBe(`a${'😭'.repeat(249)}…`);
    expect(incident.summary).not.toMatch(LONE);
  });
});

describe('half an emoji in a JSON body ("\\ud83d" with no other half)', () => {
  /** Posts a raw JSON text (JSON.stringify would not write a lone surrogate the way a broken client does). */
  const post = (path: string, json: string) => app.api<Incident & { error?: unknown }>('POST', path, json);

  it('is taken as U+FFFD: the incident is opened, the note and the message to the reporter recorded, each once', async () => {
    const opened = await post('/api/incidents', '{"reporter":"+33612900002","text":"phoned in \\ud83d from the airport"}');
    expect(opened.status).toBe(201);
    expect(opened.body.summary).toBe('phoned in \uFFFD from the airport');
    const id = opened.body.id;

    const note = await post(`/api/incidents/${id}/notes`, '{"text":"calling back \\udc00 now"}');
    expect(note.status).toBe(201);

    const message = await post(`/api/incidents/${id}/messages`, '{"text":"We are sending a car \\ud83d"}');
    expect(message.status).toBe(201);
    const sent = (await app.outbox('+33612900002')).filter((m) => m.text.includes('We are sending a car'));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.text).toContain('We are sending a car \uFFFD');

    const timeline = (await getIncident(id)).timeline;
    expect(timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual(['calling back \uFFFD now']);
    expect(timeline.filter((e) => e.type === 'message')).toHaveLength(1);
    expect(JSON.stringify(timeline)).not.toMatch(/\\ud[89a-f]/i);
  });

  it('in a simulated citizen message: the citizen gets their reference', async () => {
    const res = await app.api('POST', '/sim/messages', '{"from":"+33612900003","text":"help \\ud800 we are trapped"}');
    expect(res.status).toBe(202);
    await app.expectMessage('+33612900003', /Reference: INC-\d{4}/);
  });
});

describe('audit trail pages from an id no entry can have', () => {
  it('refuses an id too long to be a stream id (400 naming it), and finds nothing before 0-0', async () => {
    for (const q of [
      'after=99999999999999999999999-1',
      'cursor=1-18446744073709551615',
      'after=18446744073709551615-18446744073709551615',
    ]) {
      await refused('GET', `/api/audit?${q}`, /^query\.(after|cursor): must be an audit entry id like 1700000000000-0$/);
    }
    for (const q of ['after=0-0&order=newest', 'cursor=0-0&order=newest']) {
      const res = await app.api('GET', `/api/audit?${q}`);
      expect(res.status, q).toBe(200);
      expect(res.body).toEqual({ items: [], nextCursor: null });
    }
  });
});

describe('a list filter the list does not have', () => {
  it('is a 400 naming it on every list, not a full list that looks filtered', async () => {
    const lists = [
      'alerts?status=pending_approval',
      'welfare-checks?status=open',
      'runs?status=running',
      'audit?type=x',
      'audit/verify?from=1-0',
    ];
    await Promise.all(lists.map((q) => refused('GET', `/api/${q}`, `query: unknown parameter "${/\?(\w+)=/.exec(q)?.[1]}"`)));
  });
});

describe('an incident opened by the API for a caller', () => {
  it('refuses a language the embassy does not serve and the embassy’s own number as the reporter, opening nothing', async () => {
    const before = (await app.api<{ items: unknown[] }>('GET', '/api/incidents?limit=200&timeline=false')).body.items.length;
    await refused('POST', '/api/incidents', 'body.language: "xx" is not a configured language; configured: en, fr, ar', {
      reporter: '+33612900004',
      text: 'phoned in',
      language: 'xx',
    });
    await refused('POST', '/api/incidents', "body.reporter: is the embassy's own number, not a citizen's", {
      reporter: '+15550000000',
      text: 'phoned in',
    });
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents?limit=200&timeline=false')).body.items).toHaveLength(before);
  });
});

describe('a token holder’s name', () => {
  it('refuses a line break, a NUL or a direction override (chat shows the name: it would forge lines or read backwards)', async () => {
    const message = 'body.name: must be one line of text, without control or text-direction override characters';
    for (const name of ['Eve\nOFFICIAL: evacuate now', 'ad\u0000min', '\u202Enimda']) {
      await refused('POST', '/api/tokens', message, { name, role: 'viewer' });
    }
    const arabic = await app.api<{ name: string }>('POST', '/api/tokens', { name: 'ليلى‌ أحمد', role: 'viewer' });
    expect(arabic.status).toBe(201);
    const holders = (await app.api<{ items: { name: string }[] }>('GET', '/api/tokens')).body.items.map((h) => h.name);
    expect(holders.sort()).toEqual(['admin', 'ليلى‌ أحمد'].sort());
  });
});

describe('a body that is no JSON object', () => {
  it('is named for what it is: a bare JSON value, broken JSON, or a body that does not inflate as its encoding says', async () => {
    for (const raw of ['null', '5', '"help"'])
      await refused('POST', '/api/incidents', 'body: must be a JSON object, not a bare value', raw);
    await refused('POST', '/api/incidents', 'request body is not valid JSON', '{"reporter": ');
    // Valid JSON nested deeper than the reader goes is not called a bare value.
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    await refused('POST', '/api/incidents', 'request body is nested too deeply to read', deep);
    const res = await fetch(`${app.url}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: '{"reporter":"+33612900005","text":"not gzip"}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'invalid_body', message: 'request body could not be decompressed as its Content-Encoding says' },
    });
  });
});

describe('POST /api/incidents retried with its Idempotency-Key', () => {
  it('answers with the incident the first request opened and adds nothing to it', async () => {
    const body = { reporter: '+33612900006', text: 'Phoned: stuck at the northern border crossing' };
    const send = () =>
      fetch(`${app.url}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'call-0001' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Incident }));
    const first = await send();
    expect(first.status).toBe(201);
    const retry = await send();
    expect(retry.body.id).toBe(first.body.id);
    expect((await getIncident(first.body.id)).timeline.map((e) => e.type)).toEqual(['reported']);
  });
});

describe('the Authorization header', () => {
  it('takes the bearer scheme in any case, as HTTP defines it, and still names a missing token', async () => {
    const me = (authorization: string) => fetch(`${app.url}/api/me`, { headers: { authorization } });
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) expect((await me(`${scheme} ${ADMIN_TOKEN}`)).status, scheme).toBe(200);
    const basic = await me('Basic YWRtaW46YWRtaW4=');
    expect(basic.status).toBe(401);
    expect(await basic.json()).toEqual({ error: { code: 'unauthorized', message: 'missing bearer token' } });
  });
});

describe('a body no person would write', () => {
  it('with 8,000 unknown fields gets a short 400 naming the first few, and changes nothing', async () => {
    const opened = await app.api<Incident>('POST', '/api/incidents', { reporter: '+33612900020', text: 'Lost my passport' });
    const body: Record<string, unknown> = Object.fromEntries(Array.from({ length: 8000 }, (_, i) => [`k${i}`, 1]));
    body.status = 'resolved';
    const res = await app.api<{ error: { code: string; message: string; details: unknown[] } }>(
      'PATCH',
      `/api/incidents/${opened.body.id}`,
      body,
    );
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe('body: unknown fields "k0", "k1", "k2", "k3", "k4" and 7995 more');
    expect(JSON.stringify(res.body).length).toBeLessThan(2_000);
    expect((await getIncident(opened.body.id)).status).toBe('open');
  });

  it('counts a note’s length in characters as a reader does: 2,500 emojis are a note, 4,001 characters are refused', async () => {
    const opened = await app.api<Incident>('POST', '/api/incidents', { reporter: '+33612900021', text: 'Lost my passport' });
    const id = opened.body.id;
    expect((await app.api('POST', `/api/incidents/${id}/notes`, { text: '😀'.repeat(2500) })).status).toBe(201);
    await refused('POST', `/api/incidents/${id}/notes`, 'body.text: must be at most 4000 characters', { text: 'a'.repeat(4001) });
    expect((await getIncident(id)).timeline.filter((e) => e.type === 'note')).toHaveLength(1);
  });

  it('in a charset the API does not read is a 415 that says so', async () => {
    const res = await fetch(`${app.url}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json; charset=latin1' },
      body: '{"reporter":"+33612900022","text":"x"}',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
  });
});
