#!/usr/bin/env node
// Checks a built package the way a consumer will see it: publint on the
// package, then attw on the tarball pnpm would publish (pnpm pack rewrites
// `workspace:` ranges as publishing does; attw's own --pack calls npm pack,
// whose JSON output npm 11 changed under it). Run from a package directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join(import.meta.dirname, '..', '..', 'node_modules', '.bin', name);
const sh = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

sh(bin('publint'), ['--strict']);
const dir = mkdtempSync(join(tmpdir(), 'stack-pack-'));
try {
  execFileSync(bin('pnpm'), ['pack', '--pack-destination', dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [tarball] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error('pnpm pack made no tarball');
  sh(bin('attw'), [join(dir, tarball), '--profile', 'node16']);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
