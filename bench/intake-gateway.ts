import { createApp } from '../src/app/create-app.ts';
import { createLogger } from '../src/observability/logger.ts';
import { type RecordedSend, RecordingTransport } from '../test/fakes/recording-transport.ts';
import { benchConfig } from './intake.ts';

/**
 * The gateway half of the intake bench's production shape (ROLE=gateway in its own
 * process): sends the outbound queue through a recording transport and reports each
 * send's idempotency key and time to the parent, in batches, over IPC.
 */
async function main(): Promise<void> {
  const prefix = process.env.BENCH_PREFIX as string;
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
