import { defineConfig } from 'vitest/config';

// One vitest run for the whole repo, split into the rings of DESIGN.md:
//  unit  — codec and engine tests beside the code (src/**/*.test.ts)
//  sim   — whole stacks over simulated links (test/**/*.sim.test.ts)
//  peer  — real peers: Linux, tshark, ... (test/**/*.peer.test.ts); need root
// In-repo packages resolve to their TypeScript source through the
// `@stack/source` export condition, so no test waits on a build.
const conditions = ['@stack/source', 'import', 'module', 'node', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@stack/source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['{packages,apps,tooling}/*/src/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'sim',
          include: ['{packages,apps,tooling}/*/test/**/*.sim.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'peer',
          include: ['{packages,apps,tooling}/*/test/**/*.peer.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
