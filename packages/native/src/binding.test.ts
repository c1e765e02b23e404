import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { loadAddon } from './binding.js';

const dir = mkdtempSync(join(tmpdir(), 'stack-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('loadAddon', () => {
  it('reports the reason the build script recorded', () => {
    const reason = join(dir, 'unavailable.txt');
    writeFileSync(reason, 'missing build tools: make\nfix: apt-get install make\n\ngyp ERR! the build output\n');
    const err = thrown(() => loadAddon(join(dir, 'missing.node'), reason, 'linux'));
    expect(isStackError(err, 'ERR_NATIVE_UNAVAILABLE')).toBe(true);
    expect(err.message).toContain('missing build tools: make; fix: apt-get install make');
    expect(err.message).toContain(`(details: ${reason})`);
    expect(err.message).not.toContain('gyp ERR!'); // the build output stays in the file
  });

  it('says how to build when nothing was recorded', () => {
    const err = thrown(() => loadAddon(join(dir, 'missing.node'), join(dir, 'none.txt'), 'linux'));
    expect(isStackError(err, 'ERR_NATIVE_UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/does not exist/);
    expect(err.message).toMatch(/node scripts\/build\.mjs/);
    expect(err.message).toMatch(/onlyBuiltDependencies/);
  });

  it('is Linux-only', () => {
    const err = thrown(() => loadAddon(join(dir, 'missing.node'), join(dir, 'none.txt'), 'darwin'));
    expect(isStackError(err, 'ERR_NATIVE_UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/Linux-only.*darwin/);
  });

  it('reports a file that exists but is no addon', () => {
    const bogus = join(dir, 'bogus.node');
    writeFileSync(bogus, 'not an ELF file');
    const err = thrown(() => loadAddon(bogus, join(dir, 'none.txt'), 'linux'));
    expect(isStackError(err, 'ERR_NATIVE_UNAVAILABLE')).toBe(true);
    expect(err.message).toMatch(/exists but does not load/);
  });
});
