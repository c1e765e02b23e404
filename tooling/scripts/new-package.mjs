#!/usr/bin/env node
// Creates the skeleton of a published @stack package with the repo's
// conventions: dual ESM/CJS exports with types first, the @stack/source
// condition for in-repo consumers, sideEffects false, files without tests.
// Usage: node tooling/scripts/new-package.mjs <dir-name> "<description>" [dep ...]
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [name, description, ...deps] = process.argv.slice(2);
if (!name || !description) {
  console.error('usage: new-package.mjs <dir-name> "<description>" [@stack/dep ...]');
  process.exit(2);
}
const dir = join(import.meta.dirname, '..', '..', 'packages', name);
if (existsSync(join(dir, 'package.json'))) {
  console.error(`packages/${name} exists already`);
  process.exit(1);
}
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name: `@stack/${name}`,
  version: '0.0.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  exports: {
    '.': {
      '@stack/source': './src/index.ts',
      import: { types: './dist/index.d.ts', default: './dist/index.js' },
      require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
    },
    './package.json': './package.json',
  },
  main: './dist/index.cjs',
  module: './dist/index.js',
  types: './dist/index.d.cts',
  files: ['dist', 'src', '!src/**/*.test.ts', '!src/**/fixtures'],
  engines: { node: '>=20.19' },
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json',
    lint: 'eslint .',
    test: `vitest run --root ../.. packages/${name}/`,
    'check:package': 'node ../../tooling/scripts/check-package.mjs',
  },
  dependencies: Object.fromEntries(deps.map((d) => [d, 'workspace:^'])),
  devDependencies: { '@stack/tsconfig': 'workspace:*', '@stack/tsup-config': 'workspace:*' },
  publishConfig: { access: 'public' },
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
writeFileSync(
  join(dir, 'tsconfig.json'),
  JSON.stringify({ extends: '@stack/tsconfig/base.json', include: ['src', 'test', 'bench', 'examples'] }, null, 2) + '\n',
);
writeFileSync(join(dir, 'tsup.config.ts'), "import { preset } from '@stack/tsup-config';\nexport default preset();\n");
console.log(`created packages/${name}`);
