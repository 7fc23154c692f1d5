import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMs } from '../../src/domain/duration.ts';
import { DEFAULT_PLAYBOOK_DIR } from '../../src/playbooks/loader.ts';
import type { Playbook } from '../../src/playbooks/schema.ts';
import { FAKE_CITIZEN } from '../fakes/playbook-effects.ts';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF } from '../fakes/test-app.ts';

/** Parameters that switch every conditional step on. */
function drillParams(pb: Playbook): Record<string, string | boolean> {
  const params: Record<string, string | boolean> = {};
  for (const [name, spec] of Object.entries(pb.parameters)) {
    if (spec.type === 'region') params[name] = 'north';
    else if (spec.type === 'boolean') params[name] = true;
    else if (spec.type === 'enum') params[name] = spec.values?.at(-1) ?? '';
    else if (spec.required) params[name] = `drill-${name}`;
  }
  return params;
}

function textsOf(value: unknown): Record<string, string>[] {
  if (!value || typeof value !== 'object') return [];
  const obj = value as Record<string, unknown>;
  if (typeof obj.en === 'string') return [obj as Record<string, string>];
  return Object.values(obj).flatMap(textsOf);
}

describe('the shipped playbook library', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-library', { feature: { dir: DEFAULT_PLAYBOOK_DIR } });
  });
  afterAll(async () => t.app.stop());

  it('has the eight disaster playbooks, every text in English, French and Arabic', async () => {
    const res = await t.app.api<{ items: { id: string }[] }>('GET', '/api/playbooks');
    expect(res.body.items.map((p) => p.id).sort()).toEqual([
      'assisted-departure',
      'aviation-maritime-disaster',
      'civil-unrest',
      'earthquake',
      'epidemic',
      'flood',
      'terrorist-attack',
      'tropical-cyclone',
    ]);
    for (const pb of t.feature.library.values()) {
      for (const text of textsOf(pb.steps)) expect(Object.keys(text).sort(), `${pb.id}: ${text.en}`).toEqual(['ar', 'en', 'fr']);
    }
  });

  it('raises a grave turn (a conditional escalation or huddle) at the start, never behind a delayed alert or welfare check', () => {
    for (const pb of t.feature.library.values()) {
      let waited = 0;
      for (const step of pb.steps) {
        waited += step.after ? durationMs(step.after) : 0;
        if (step.when && (step.type === 'escalate' || step.type === 'huddle')) expect(waited, `${pb.id}: ${step.id}`).toBe(0);
      }
    }
  });

  it('runs every playbook as an exercise: every step done, every message marked, no citizen messaged', async () => {
    for (const pb of t.feature.library.values()) {
      const seqBefore = Number((await t.app.deps.redis.get(t.app.deps.keys.simSeq)) ?? 0);
      const res = await t.app.api<{ id: string }>('POST', `/api/playbooks/${pb.id}/runs`, { params: drillParams(pb), exercise: true });
      expect(res.status, `${pb.id}: ${JSON.stringify(res.body)}`).toBe(201);
      const run = await t.driveToEnd(res.body.id);
      expect(run.status).toBe('completed');
      expect(
        run.steps.map((s) => `${s.id}:${s.status}`),
        pb.id,
      ).toEqual(pb.steps.map((s) => `${s.id}:done`));
      const sent = (await t.app.outbox()).filter((m) => m.seq > seqBefore);
      const huddles = new Set(await t.app.deps.redis.smembers(t.app.deps.keys.huddles));
      for (const m of sent) {
        expect(m.to === CELL_GROUP || huddles.has(m.to) || Object.values(STAFF).includes(m.to as never), `${pb.id} sent to ${m.to}`).toBe(
          true,
        );
        expect(m.text, pb.id).toContain('EXERCISE');
      }
    }
    expect(await t.app.outbox(FAKE_CITIZEN)).toEqual([]);
    for (const c of t.effects.calls) if (c.kind !== 'sitrep') expect(c.input.audience).toEqual({ cellGroups: true });
  });

  it('refuses a run with a missing or wrong parameter, and an unknown playbook', async () => {
    const missing = await t.app.api<{ error: { code: string; message: string } }>('POST', '/api/playbooks/earthquake/runs', { params: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('earthquake needs the parameter region');
    const wrong = await t.app.api<{ error: { message: string } }>('POST', '/api/playbooks/flood/runs', {
      params: { region: 'north', level: 'biblical' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.message).toContain('level must be one of warning, severe, catastrophic');
    expect((await t.app.api('POST', '/api/playbooks/volcano/runs', { params: {} })).status).toBe(404);
    expect((await t.app.api('POST', '/api/playbooks/flood/runs', { params: [], exercise: 'yes' })).status).toBe(400);
    const viewer = await t.app.api<{ token: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer' });
    expect((await t.app.api('POST', '/api/playbooks/flood/runs', { params: { region: 'north' } }, viewer.body.token)).status).toBe(403);
    expect((await t.app.api('GET', '/api/runs/RUN-9999')).status).toBe(404);
  });

  it('lists runs in progress with /runs and refuses /run from a viewer', async () => {
    const res = await t.app.api<{ id: string }>('POST', '/api/playbooks/epidemic/runs', {
      params: { region: 'all', disease: 'cholera' },
      exercise: true,
    });
    await t.app.say(STAFF.viewer, '/runs', { group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, new RegExp(`${res.body.id} Epidemic \\(exercise\\) — running`));
    await t.app.say(STAFF.viewer, '/run flood region=north', { group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, /\/run needs the officer role/);
    await t.app.say(STAFF.duty, '/run flood', { group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, /flood needs the parameter region/);
  });
});
