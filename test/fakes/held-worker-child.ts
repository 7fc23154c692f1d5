/**
 * A worker process (ROLE=worker) for tests that kill it like a crashed worker: it recovers a killed
 * worker's messages within seconds (short locks), and while the Redis key `CHILD_PREFIX:test:hold`
 * exists, each message's handling waits just before the citizen's answer is queued (its report is
 * already stored), counting `CHILD_PREFIX:test:held`: the test kills it with messages in flight.
 * `CHILD_CONFIG`: overrides of config/example.yaml, as JSON. Not a test file.
 */
import { createApp } from '../../src/app/create-app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { testConfig } from './test-app.ts';

const prefix = process.env.CHILD_PREFIX as string;
const overrides = JSON.parse(process.env.CHILD_CONFIG ?? '{}');
const app = await createApp(testConfig(prefix, overrides, { ROLE: 'worker' }), createLogger('silent'), {
  inboundLock: { lockDuration: 1_000, stalledInterval: 500 },
});
const { outbox, redis } = app.deps;
const send = outbox.send.bind(outbox);
outbox.send = async (msg, ...rest) => {
  if (msg.kind === 'ack' && (await redis.exists(`${prefix}:test:hold`))) {
    await redis.incr(`${prefix}:test:held`);
    while (await redis.exists(`${prefix}:test:hold`)) await new Promise((r) => setTimeout(r, 50));
  }
  return send(msg, ...rest);
};
process.stdout.write('ready\n');
