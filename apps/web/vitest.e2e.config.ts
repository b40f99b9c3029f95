import { defineConfig } from 'vitest/config';

// End-to-end flows drive Debian's Chromium against a running `atende serve`.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
