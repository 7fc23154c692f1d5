import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // Each fork keeps its modules from one test file to the next instead of importing Baileys, BullMQ
    // and the app again for every file: 388 s of the suite's 693 s were imports (2026-11-28). Test
    // files share nothing else: each uses its own Redis key prefix, and process-wide state (the
    // metrics registry) is read as a difference (metrics.test.ts).
    isolate: false,
    // expect.poll gives up after 1 s by default: on a loaded 2-core machine a browser page (a sign-in,
    // a route, a redraw) can take longer, and a test failed that only waited too little.
    expect: { poll: { timeout: 10_000 } },
  },
});
