import { defineConfig } from 'vitest/config';

// Two groups. `*.load.test.ts` drive real load through the binary (an SDK app at
// its full rate, torture runs): they measure what a user would see only when the
// machine is not also busy with other test files, so they run after the rest,
// one file at a time. Everything else runs in parallel first.
const shared = { testTimeout: 30_000, hookTimeout: 30_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**', '**/*.load.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'load',
          include: ['**/*.load.test.ts'],
          exclude: ['node_modules/**', 'dist/**'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
