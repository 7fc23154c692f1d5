/**
 * A worker process (ROLE=worker) for tests that kill it like a crashed worker: it recovers a killed
 * worker's messages within seconds (short locks). While the Redis key `CHILD_PREFIX:test:hold`
 * exists, each message's handling waits, counting `CHILD_PREFIX:test:held`, so that the test kills
 * it with messages in flight: just before the citizen's answer is queued (its report already
 * stored), or with `CHILD_HOLD=before` before any handler has run.
 * `CHILD_CONFIG`: overrides of config/example.yaml, as JSON. Not a test file.
 */

import { createApp } from '../../src/app/create-app.ts';
import type { Feature } from '../../src/app/feature.ts';
import { features } from '../../src/app/features.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { testConfig } from './test-app.ts';

const prefix = process.env.CHILD_PREFIX as string;
const overrides = JSON.parse(process.env.CHILD_CONFIG ?? '{}');
const before = process.env.CHILD_HOLD === 'before';
let hold = async () => {};
/** Sees every citizen's message first, and lets it through once the hold is lifted. */
const gate: Feature = {
  name: 'test-hold',
  async citizenMessage() {
    await hold();
    return false;
  },
};
const app = await createApp(testConfig(prefix, overrides, { ROLE: 'worker' }), createLogger('silent'), {
  inboundLock: { lockDuration: 1_000, stalledInterval: 500 },
  ...(before ? { features: [gate, ...features] } : {}),
});
const { outbox, redis } = app.deps;
hold = async () => {
  if (!(await redis.exists(`${prefix}:test:hold`))) return;
  await redis.incr(`${prefix}:test:held`);
  while (await redis.exists(`${prefix}:test:hold`)) await new Promise((r) => setTimeout(r, 50));
};
if (!before) {
  const send = outbox.send.bind(outbox);
  outbox.send = async (msg, ...rest) => {
    if (msg.kind === 'ack') await hold();
    return send(msg, ...rest);
  };
}
process.stdout.write('ready\n');
