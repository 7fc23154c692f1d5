import { createApp } from '../src/app/create-app.ts';
import { createLogger } from '../src/observability/logger.ts';
import { type RecordedSend, RecordingTransport } from '../test/fakes/recording-transport.ts';
import { benchConfig, CONCURRENCY } from './intake.ts';

/**
 * A process of the intake bench's production shape. BENCH_ROLE=gateway (the default): sends the
 * outbound queue through a recording transport and reports each send's idempotency key and time
 * to the parent, in batches, over IPC. BENCH_ROLE=worker: one more inbound worker process.
 */
async function main(): Promise<void> {
  const prefix = process.env.BENCH_PREFIX as string;
  if (process.env.BENCH_ROLE === 'worker') return worker(prefix);
  let batch: [string, number][] = [];
  const transport = new RecordingTransport((r: RecordedSend) => void batch.push([r.msg.idempotencyKey, r.at]));
  const flush = setInterval(() => {
    if (batch.length === 0) return;
    process.send?.({ sent: batch });
    batch = [];
  }, 5);
  const app = await createApp(benchConfig(prefix, 'gateway'), createLogger('error'), {
    port: 0,
    outboundRate: Number.POSITIVE_INFINITY,
    transport: () => transport,
  });
  process.on('message', async (m: string) => {
    if (m !== 'close') return;
    clearInterval(flush);
    const cards = [...transport.sent.values()].filter((r) => r.msg.kind === 'card' || r.msg.kind === 'digest').length;
    await app.close();
    process.send?.({ sent: batch, cards }, () => process.exit(0));
  });
  process.send?.('ready');
}

/** An inbound worker (ROLE=worker) at the bench's concurrency, until the parent says close. */
async function worker(prefix: string): Promise<void> {
  const app = await createApp(benchConfig(prefix, 'worker'), createLogger('error'), { port: 0, inboundConcurrency: CONCURRENCY });
  process.on('message', async (m: string) => {
    if (m !== 'close') return;
    await app.close();
    process.send?.({ sent: [] }, () => process.exit(0));
  });
  process.send?.('ready');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
