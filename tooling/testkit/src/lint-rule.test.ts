// The lint rule of DESIGN.md ("protocol cores take time and randomness
// through Scheduler/Random") as ESLint applies it to the repository: what it
// must flag in a protocol package, and what platform packages may still do.
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: fileURLToPath(new URL('../../..', import.meta.url)) });

async function ruleIds(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? 'fatal');
}

describe('host-API lint rule', () => {
  const core = 'packages/udp/src/example.ts';
  const forbidden = [
    'export const t = Date.now();',
    'export const d = new Date();',
    'export const s = Date();',
    'export const r = Math.random();',
    'setTimeout(() => {}, 1);',
    'setInterval(() => {}, 1);',
    'setImmediate(() => {});',
    'queueMicrotask(() => {});',
    'export const p = performance.now();',
    'export const e = process.env;',
    'export const c = crypto.getRandomValues(new Uint8Array(4));',
    'globalThis.setTimeout(() => {}, 1);',
    'export const g = globalThis.Date.now();',
    'export const m = globalThis.Math.random();',
    "import { randomBytes } from 'node:crypto'; export const b = randomBytes(4);",
    "import { setTimeout as sleep } from 'node:timers/promises'; export const w = sleep(1);",
  ];
  for (const code of forbidden) {
    it(`flags \`${code}\` in a protocol package`, async () => {
      expect((await ruleIds(code, core)).some((id) => id.startsWith('no-restricted-'))).toBe(true);
    });
  }

  it('lets plain code through', async () => {
    expect(await ruleIds('export const x = Math.max(1, 2);\n', core)).toEqual([]);
  });

  it('flags promises and await in engine code only', async () => {
    const code = 'export async function f(): Promise<number> { return await new Promise((r) => r(1)); }\n';
    expect((await ruleIds(code, 'packages/arp/src/engine/example.ts')).filter((id) => id === 'no-restricted-syntax').length).toBeGreaterThan(0);
    expect(await ruleIds(code, 'packages/arp/src/layer-example.ts')).toEqual([]);
  });

  it('leaves platform packages, tests and tooling free to use the host', async () => {
    const code = 'export const t = Date.now() + Math.random();\nsetTimeout(() => {}, 1);\n';
    for (const file of ['packages/platform-node/src/example.ts', 'packages/udp/src/example.test.ts', 'tooling/bench/src/example.ts', 'apps/demo/src/example.ts']) {
      expect(await ruleIds(code, file), file).toEqual([]);
    }
  });
});
