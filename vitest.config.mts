import { defineConfig } from 'vitest/config';

// threads + isolate:false measured fastest for this suite (docs/node-runtime.md §9).
export const config = defineConfig({
  test: {
    environment: 'node',
    pool: 'threads',
    isolate: false,
    maxWorkers: 2,
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
  },
});

export default config;
