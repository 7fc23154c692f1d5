import { createApp } from './app/create-app.ts';
import { ConfigError, loadConfig } from './config/load-config.ts';
import { configWarnings } from './config/warnings.ts';
import { createLogger } from './observability/logger.ts';
import { assertRedisUsable, checkAppendOnly, checkEvictionPolicy, createRedis, ensureRedis } from './store/redis.ts';

/** Composition root: config → Redis → app; clean shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`crisis-cell: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.env.LOG_LEVEL, { role: config.env.ROLE });
  let embedded: Awaited<ReturnType<typeof ensureRedis>>;
  try {
    embedded = await ensureRedis(config.env.REDIS_URL, config.env.DATA_DIR, log);
    await assertRedisUsable(config.env.REDIS_URL);
  } catch (err) {
    process.stderr.write(`crisis-cell: ${(err as Error).message}\n`);
    process.exit(3);
  }
  const probe = createRedis(config.env.REDIS_URL);
  await checkEvictionPolicy(probe, log);
  await checkAppendOnly(probe, log);
  await probe.quit();

  // Signals are heard from here on: one that comes while the app is still starting (its HTTP port
  // may already answer) waits for the start, then shuts down cleanly, instead of killing the process.
  let stopping = false;
  let starting: ReturnType<typeof createApp> | undefined;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing active jobs');
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    const running = await starting?.catch(() => undefined);
    await running?.close();
    await embedded?.stop();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  starting = createApp(config, log);
  const app = await starting;
  if (app.url) {
    log.info({ url: app.url, transport: config.env.TRANSPORT }, 'crisis-cell is up');
    const lines = [`\n  crisis-cell is running (${config.env.ROLE}, ${config.env.TRANSPORT})`, `  API:        ${app.url}/api`];
    lines.push(`  Dashboard:  ${app.url}/dashboard`, `  API docs:   ${app.url}/docs`);
    if (app.deps.simulator) lines.push(`  Simulator:  ${app.url}/sim`);
    if (app.adminToken && !config.env.ADMIN_TOKEN) lines.push(`  Admin token (new at each start, shown once): ${app.adminToken}`);
    // With WhatsApp no token is generated: without ADMIN_TOKEN, say so, or the operator looks for one that never comes.
    if (!app.adminToken)
      lines.push('  Admin token: none (set ADMIN_TOKEN to a secret of 16 characters or more; tokens minted earlier still work)');
    lines.push(...warningLines(config.file));
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } else {
    // A worker or gateway serves no HTTP: still say that it started and what it does, or the operator sees nothing.
    log.info({ transport: config.env.TRANSPORT }, 'crisis-cell is up');
    const what = config.env.ROLE === 'gateway' ? 'holds the WhatsApp session' : 'handles the queued messages and jobs';
    const banner = `\n  crisis-cell is running (${config.env.ROLE}, ${config.env.TRANSPORT}): this process ${what}; it serves no HTTP (ROLE=api or all does)`;
    process.stdout.write(`${[banner, ...warningLines(config.file)].join('\n')}\n\n`);
  }
}

/** The configuration warnings (also logged), under the banner where whoever starts the bot looks. */
function warningLines(file: Parameters<typeof configWarnings>[0]): string[] {
  return configWarnings(file).map((w) => `  ⚠️  Warning: ${w.message}`);
}

main().catch((err) => {
  process.stderr.write(`crisis-cell: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
