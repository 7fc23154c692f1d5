import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // expect.poll gives up after 1 s by default: on a loaded 2-core machine a browser page (a sign-in,
    // a route, a redraw) can take longer, and a test failed that only waited too little.
    expect: { poll: { timeout: 10_000 } },
  },
});
