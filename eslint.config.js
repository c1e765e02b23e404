// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Packages allowed to touch the host's clock, randomness, timers and process:
// the platform adapters. Every other package under packages/ is a protocol
// core and gets time and randomness handed in (DESIGN.md, "Determinism").
const platformPackages = ['platform-node', 'native', 'netif-tap', 'netif-virtio', 'stack-socket'];

const hostMessage =
  'Protocol cores take time and randomness through Scheduler/Random (DESIGN.md); only platform packages may use the host';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**', '**/coverage/**', '.tmp/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      ecmaVersion: 2023,
      sourceType: 'module',
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: [...platformPackages.map((p) => `packages/${p}/**`), '**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'performance', 'process'].map(
          (name) => ({ name, message: hostMessage }),
        ),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: hostMessage },
        { object: 'Math', property: 'random', message: hostMessage },
        { object: 'globalThis', property: 'setTimeout', message: hostMessage },
        { object: 'globalThis', property: 'performance', message: hostMessage },
        { object: 'globalThis', property: 'process', message: hostMessage },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: hostMessage },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:timers', 'timers', 'node:perf_hooks', 'perf_hooks', 'node:process', 'process', 'node:crypto', 'crypto'].map(
            (name) => ({ name, message: hostMessage }),
          ),
        },
      ],
    },
  },
);
