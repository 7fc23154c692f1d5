import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metrics } from '../../src/observability/metrics.ts';
import { ADMIN_TOKEN, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** The value of one sample line of the Prometheus text, e.g. `cc_queue_jobs{queue="inbound",state="waiting"}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

describe('metrics and the queue view', () => {
  let app: TestApp;
  const scrape = async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    return res.text();
  };
  beforeAll(async () => {
    app = await startTestApp('metrics');
  });
  afterAll(async () => {
    await app.stop();
  });

  it('counts a citizen message in and the reply out, and shows queue depths and the connection', async () => {
    const before = await scrape();
    await app.say('+33612345678', 'hello, is anyone there?');
    await app.expectMessage('+33612345678', /Reference: INC-\d{4}/);
    await settle(app);
    const after = await scrape();
    expect(
      sample(after, 'cc_inbound_messages_total', { kind: 'message' }) - sample(before, 'cc_inbound_messages_total', { kind: 'message' }),
    ).toBe(1);
    expect(
      sample(after, 'cc_outbound_messages_total', { kind: 'ack' }) - sample(before, 'cc_outbound_messages_total', { kind: 'ack' }),
    ).toBe(1);
    expect(after).toMatch(/cc_queue_jobs\{queue="inbound",state="waiting"\} 0/);
    expect(after).toMatch(/cc_queue_jobs\{queue="outbound",state="failed"\} 0/);
    expect(sample(after, 'cc_whatsapp_connection_state', { transport: 'simulator', state: 'open' })).toBe(1);
    expect(sample(after, 'cc_whatsapp_connection_state', { state: 'waiting_for_pairing' })).toBe(0);
  });

  it('exposes escalations and the inbound-to-ack latency histogram recorded by other code', async () => {
    // Counted from a first scrape: the registry is the process's, which other test files share.
    const escalations = (t: string) => sample(t, 'cc_incident_escalations_total', { severity: 'critical', level: '1' });
    const bucket = (t: string, le: string) => sample(t, 'cc_incident_ack_latency_seconds_bucket', { severity: 'high', le });
    const before = await scrape();
    metrics.escalations.inc({ severity: 'critical', level: '1' });
    metrics.ackLatency.observe({ severity: 'high' }, 42);
    const text = await scrape();
    expect(escalations(text) - escalations(before)).toBe(1);
    // 42 s falls in the 60 s bucket, not in the 30 s one.
    expect(bucket(text, '60') - bucket(before, '60')).toBe(1);
    expect(bucket(text, '30') - bucket(before, '30')).toBe(0);
    expect(text).toContain('cc_outbound_send_failures_total');
  });

  it('shows the queue view to admins only', async () => {
    expect((await fetch(`${app.url}/admin/queues`)).status).toBe(401);
    const minted = await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer', phone: STAFF.viewer });
    const asViewer = await fetch(`${app.url}/admin/queues`, { headers: { authorization: `Bearer ${minted.body.token}` } });
    expect(asViewer.status).toBe(403);
    const page = await fetch(`${app.url}/admin/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('crisis-cell queues');
    const queues = await fetch(`${app.url}/admin/queues/api/queues`, { headers: { cookie: `cc_session=${ADMIN_TOKEN}` } });
    expect(queues.status).toBe(200);
    const names = ((await queues.json()) as { queues: { name: string }[] }).queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['inbound', 'outbound', 'timers']));
  });
});
