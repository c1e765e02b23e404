// Every published package's README shows examples/basic.ts; this runs it and
// every other example beside it, so a README example that stops working
// fails the build.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const packages = readdirSync(join(root, 'packages')).filter((p) => existsSync(join(root, 'packages', p, 'package.json')));

describe('package examples', () => {
  it('every published package has a README and an examples/basic.ts', () => {
    const missing = packages.filter((p) => !existsSync(join(root, 'packages', p, 'README.md')) || !existsSync(join(root, 'packages', p, 'examples', 'basic.ts')));
    expect(missing).toEqual([]);
  });

  const examples = packages.flatMap((pkg) => {
    const dir = join(root, 'packages', pkg, 'examples');
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => join('packages', pkg, 'examples', f)) : [];
  });
  for (const example of examples) {
    it(`${example} runs and exits 0`, async () => {
      const { stdout } = await run(process.execPath, ['--conditions=@stack/source', '--import', 'tsx', example], { cwd: root, timeout: 60_000 });
      expect(stdout.trim().length).toBeGreaterThan(0);
    }, 90_000);
  }
});
