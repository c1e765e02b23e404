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
        ...[
          'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate',
          'queueMicrotask', 'performance', 'process', 'crypto',
        ].map((name) => ({ name, message: hostMessage })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: hostMessage },
        { object: 'Math', property: 'random', message: hostMessage },
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'performance', 'process', 'crypto', 'Date', 'Math'].map(
          (property) => ({ object: 'globalThis', property, message: hostMessage }),
        ),
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date']", message: hostMessage },
        { selector: "CallExpression[callee.name='Date']", message: hostMessage },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:timers', 'timers', 'node:timers/promises', 'timers/promises', 'node:perf_hooks', 'perf_hooks', 'node:process', 'process', 'node:crypto', 'crypto'].map(
            (name) => ({ name, message: hostMessage }),
          ),
        },
      ],
    },
  },
  {
    // Engines are sans-IO state machines (DESIGN.md, "Inside a protocol
    // package"): they take `now` and return what to do, never await.
    files: ['packages/*/src/engine/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Promise']", message: 'engines are sans-IO: no promises (DESIGN.md)' },
        { selector: 'FunctionDeclaration[async=true], FunctionExpression[async=true], ArrowFunctionExpression[async=true]', message: 'engines are sans-IO: no async functions (DESIGN.md)' },
        { selector: 'AwaitExpression', message: 'engines are sans-IO: no await (DESIGN.md)' },
        { selector: "NewExpression[callee.name='Date']", message: hostMessage },
        { selector: "CallExpression[callee.name='Date']", message: hostMessage },
      ],
    },
  },
);
