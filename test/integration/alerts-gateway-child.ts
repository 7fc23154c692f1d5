/**
 * A gateway process for alerts-crash.test.ts: sends the outbound queue of KEY_PREFIX through the
 * simulator, slowly, until it is killed. Not a test file.
 */
import { createApp } from '../../src/app/create-app.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { testConfig } from '../fakes/test-app.ts';

const config = testConfig(process.env.CHILD_PREFIX as string, {}, { ROLE: 'gateway' });
await createApp(config, createLogger('silent'), {
  outboundRate: Number(process.env.CHILD_RATE ?? 20),
  outboundLock: { lockDuration: 1_000, stalledInterval: 500 },
});
process.stdout.write('ready\n');
