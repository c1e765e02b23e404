// The one tsup preset for published @stack packages: dual ESM/CJS output with
// .d.ts and .d.cts, sourcemaps, Node 20 target. A package's tsup.config.ts is
// `import { preset } from '@stack/tsup-config'; export default preset();`
import { defineConfig } from 'tsup';

/** @param {Partial<import('tsup').Options>} [overrides] */
export function preset(overrides = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    treeshake: true,
    splitting: false,
    ...overrides,
  });
}
