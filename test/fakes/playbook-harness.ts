import { PlaybooksFeature, type PlaybooksOptions } from '../../src/playbooks/feature.ts';
import type { PlaybookRunner } from '../../src/playbooks/runner.ts';
import { RecordingEffects } from './playbook-effects.ts';
import { settle, startTestApp, type TestApp, waitFor } from './test-app.ts';

export const FIXTURE_PLAYBOOKS = 'test/fixtures/playbooks';

/** A step as GET /api/runs/:id shows it. */
export interface RunStepView {
  id: string;
  type: string;
  status: string;
  dueAt?: string;
  startedAt?: string;
  finishedAt?: string;
  note?: string;
}
export interface RunView {
  id: string;
  playbook: string;
  status: string;
  exercise: boolean;
  steps: RunStepView[];
  tasks: {
    step: string;
    item: string;
    status: string;
    ackedBy?: string;
    ackedAt?: string;
    notes?: { by: string; at: string; text: string }[];
  }[];
}

export interface PlaybookTestApp {
  app: TestApp;
  feature: PlaybooksFeature;
  effects: RecordingEffects;
  runner: PlaybookRunner;
  /** GET /api/runs/:id. */
  view(runId: string): Promise<RunView>;
  /** Promotes delayed steps and task reminders (instead of waiting hours) until the run ends. */
  driveToEnd(runId: string): Promise<RunView>;
}

/** The whole app with only the playbooks feature, a recording effects double, and real Redis. */
export async function startPlaybookApp(
  name: string,
  opts: { prefix?: string; effects?: RecordingEffects; feature?: PlaybooksOptions } = {},
): Promise<PlaybookTestApp> {
  const effects = opts.effects ?? new RecordingEffects();
  const feature = new PlaybooksFeature(effects, { dir: FIXTURE_PLAYBOOKS, ...opts.feature });
  const app = await startTestApp(name, { options: { features: [feature] }, ...(opts.prefix ? { prefix: opts.prefix } : {}) });
  effects.bind(app.deps);
  const runner = feature.runner(app.deps);
  const view = async (runId: string) => {
    const res = await app.api<RunView>('GET', `/api/runs/${runId}`);
    if (res.status !== 200) throw new Error(`GET run ${runId}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    app,
    feature,
    effects,
    runner,
    view,
    async driveToEnd(runId) {
      await waitFor(
        async () => {
          await runner.queue.promoteJobs();
          const run = await runner.store.get(runId);
          return run && run.status !== 'running';
        },
        20_000,
        `run ${runId} to end`,
      );
      await waitFor(async () => (await runner.queue.getJobCounts('waiting', 'active', 'delayed')).active === 0, 10_000, 'playbook jobs');
      await settle(app);
      return view(runId);
    },
  };
}
