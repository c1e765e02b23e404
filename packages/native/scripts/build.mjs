#!/usr/bin/env node
// Builds @stack/native's addon (build/Release/stack_native.node) on install.
//
// Runs as the package's `install` script (pnpm and npm run it for the
// workspace package and for consumers who allow its build). It checks that
// this is Linux and that python3, make and a C/C++ compiler exist, finds the
// headers of the Node that runs it (no download: --nodedir points node-gyp at
// them), runs the pinned node-gyp, and loads the result once to prove it.
//
// On any failure it prints what is missing and how to get it, records the
// reason in build/unavailable.txt (the loader reports it as
// ERR_NATIVE_UNAVAILABLE), and exits 0, so installing the workspace on macOS
// or on a machine without a compiler does not fail. `--strict` (or
// STACK_NATIVE_STRICT=1) exits 1 instead; STACK_NATIVE_SKIP=1 skips the build.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(pkgDir, 'build');
const reasonFile = join(buildDir, 'unavailable.txt');
const addonFile = join(buildDir, 'Release', 'stack_native.node');
const strict = process.argv.includes('--strict') || process.env.STACK_NATIVE_STRICT === '1';
const TOOLS_FIX =
  'install them and reinstall (Debian/Ubuntu: apt-get install python3 make g++; Fedora: dnf install python3 make gcc-c++; Alpine: apk add python3 make g++), ' +
  'or run `node scripts/build.mjs` in packages/native afterwards';

function say(line) {
  process.stderr.write(`@stack/native: ${line}\n`);
}

/** Records why the addon is not there and stops (exit 0 unless strict). */
function unavailable(reason, fix, detail = '') {
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(reasonFile, `${reason}\nfix: ${fix}\n${detail ? `\n${detail}\n` : ''}`);
  say(`the native addon was NOT built: ${reason}`);
  say(`fix: ${fix}`);
  if (detail) process.stderr.write(`${detail}\n`);
  say(`@stack/netif-tap and other native features will throw ERR_NATIVE_UNAVAILABLE until then (reason kept in ${reasonFile})`);
  process.exit(strict ? 1 : 0);
}

function onPath(cmd) {
  if (cmd.includes('/')) return existsSync(cmd) ? cmd : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, cmd);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next directory
    }
  }
  return undefined;
}

/** The first of `names` on PATH (an env override first when set). */
function findTool(names, override) {
  const list = override ? [override.split(' ')[0], ...names] : names;
  for (const n of list) if (n && onPath(n)) return onPath(n);
  return undefined;
}

/** A directory D with D/include/node/node_api.h for this Node, preferring one whose version matches exactly. */
function findNodeDir() {
  if (process.env.npm_config_nodedir) return { dir: process.env.npm_config_nodedir, exact: true };
  const prefix = dirname(dirname(process.execPath));
  const candidates = [...new Set([prefix, '/usr', '/usr/local'])];
  let fallback;
  for (const dir of candidates) {
    const inc = join(dir, 'include', 'node');
    if (!existsSync(join(inc, 'node_api.h')) || !existsSync(join(inc, 'common.gypi'))) continue;
    const version = headerVersion(join(inc, 'node_version.h'));
    if (version === process.versions.node) return { dir, exact: true, version };
    fallback ??= { dir, exact: false, version };
  }
  return fallback;
}

function headerVersion(file) {
  try {
    const text = readFileSync(file, 'utf8');
    const part = (name) => /#define\s+NODE_\w+_VERSION\s+(\d+)/.exec(text.slice(text.indexOf(`NODE_${name}_VERSION`) - 8))?.[1];
    return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  } catch {
    return undefined;
  }
}

if (process.env.STACK_NATIVE_SKIP === '1') {
  unavailable('the build was skipped (STACK_NATIVE_SKIP=1)', 'unset STACK_NATIVE_SKIP and run `node scripts/build.mjs` in packages/native');
}
if (process.platform !== 'linux') {
  unavailable(
    `@stack/native is Linux-only (TAP devices through /dev/net/tun), and this is ${process.platform}`,
    'use Linux (a VM or a container with /dev/net/tun) for TAP devices; everything else in @stack works without the addon',
  );
}

const missing = [];
const python = findTool(['python3', 'python'], process.env.npm_config_python ?? process.env.PYTHON);
if (!python) missing.push('python3');
if (!findTool(['make', 'gmake'])) missing.push('make');
if (!findTool(['cc', 'gcc', 'clang'], process.env.CC)) missing.push('a C compiler (cc/gcc)');
if (!findTool(['g++', 'c++', 'clang++'], process.env.CXX)) missing.push('a C++ compiler driver for linking (g++)');
if (missing.length > 0) unavailable(`missing build tools: ${missing.join(', ')}`, TOOLS_FIX);

let gyp;
try {
  gyp = createRequire(join(pkgDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
} catch {
  unavailable('node-gyp is not installed next to @stack/native', 'reinstall the package (node-gyp is one of its dependencies)');
}

const nodeDir = findNodeDir();
const args = [gyp, 'rebuild', '--jobs=max'];
if (nodeDir) args.push(`--nodedir=${nodeDir.dir}`);
else say(`no local headers for Node ${process.version} found next to ${process.execPath} or in /usr/include/node; node-gyp will try to download them`);
if (python) args.push(`--python=${python}`);

const run = spawnSync(process.execPath, args, { cwd: pkgDir, encoding: 'utf8', env: process.env, maxBuffer: 64 * 1024 * 1024 });
const log = `${run.stdout ?? ''}${run.stderr ?? ''}`;
mkdirSync(buildDir, { recursive: true });
writeFileSync(join(buildDir, 'build.log'), `node ${args.join(' ')}\n\n${log}`);
if (run.status !== 0 || !existsSync(addonFile)) {
  const tail = log.trim().split('\n').slice(-25).join('\n');
  const headers = nodeDir
    ? `headers from ${nodeDir.dir}/include/node`
    : 'no local Node headers (install the headers of your Node: Debian\'s nodejs ships them in /usr/include/node; official tarballs in PREFIX/include/node; or set npm_config_nodedir)';
  unavailable(
    `node-gyp failed (exit ${run.status ?? run.signal}; ${headers})`,
    `read ${join(buildDir, 'build.log')} (the compiler's or make's own error is there), check that python3, make and g++ work, then run \`node scripts/build.mjs\` in packages/native`,
    tail,
  );
}

const load = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(addonFile)})`], { encoding: 'utf8' });
if (load.status !== 0) {
  unavailable('the addon was built but does not load', `read the error below; rebuild with \`node scripts/build.mjs\``, load.stderr.trim());
}
rmSync(reasonFile, { force: true });
const from = nodeDir ? `${nodeDir.dir}/include/node${nodeDir.exact ? '' : ` (headers of Node ${nodeDir.version ?? '?'}; N-API is ABI-stable)`}` : 'downloaded headers';
say(`built ${addonFile} (headers: ${from})`);
