// TCP throughput through a TAP: Linux (python3 sockets in a namespace) to our
// stack and back, with offloads on and off, next to the kernel talking to
// itself over a veth pair between two namespaces (the peer to compare with).
// Needs root. Prints MB/s, frames and batches per direction.
//   cd /work/main && node --conditions=@stack/source --import tsx packages/netif-tap/bench/throughput.ts [MiB]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Flow } from '@stack/interfaces';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack } from '@stack/stack-direct';
import { openTap } from '../src/index.js';
import { KERNEL_IP, OUR_IP, PY_SINK, PY_SOURCE } from '../test/python.js';

const MIB = Number(process.argv[2] ?? 64);
const run = promisify(execFile);
const ip = (...args: string[]): Promise<unknown> => run('ip', args);
const dir = mkdtempSync(join(tmpdir(), 'tap-bench-'));
const file = join(dir, 'payload.bin');
const payload = randomBytes(MIB * 1024 * 1024);
writeFileSync(file, payload);
const A = `tapbench-${process.pid}-a`;
const B = `tapbench-${process.pid}-b`;
const children: ChildProcess[] = [];
const rows: string[][] = [['path', 'MB/s', 'vs kernel', 'frames in', 'frames out', 'rx batches', 'tx batches', 'gsoIn', 'gsoOut']];
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

/** Starts a python sink in `ns`; resolves once it listens, with a promise of its "<bytes> <sha>" line. */
async function sink(ns: string, addr: string, port: number): Promise<{ done: Promise<string> }> {
  const child = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', PY_SINK, addr, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  const done = new Promise<string>((resolve) => child.on('close', () => resolve(out.trim().split('\n').pop()!)));
  await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready')) resolve();
  }));
  return { done }; // wrapped: an async function returning a promise would wait for it
}

async function drain(flow: Flow): Promise<number> {
  let n = 0;
  for (;;) {
    const r = await flow.read();
    if (r.data) n += r.data.length;
    else break;
  }
  await flow.close();
  return n;
}

try {
  // The kernel with itself: python sender -> python sink across a veth pair.
  await ip('netns', 'add', A);
  await ip('netns', 'add', B);
  await ip('link', 'add', 'va', 'netns', A, 'type', 'veth', 'peer', 'name', 'vb', 'netns', B);
  await ip('-n', A, 'addr', 'add', '10.77.9.1/24', 'dev', 'va');
  await ip('-n', B, 'addr', 'add', '10.77.9.2/24', 'dev', 'vb');
  await ip('-n', A, 'link', 'set', 'va', 'up');
  await ip('-n', B, 'link', 'set', 'vb', 'up');
  const veth = (await sink(B, '10.77.9.2', 5000)).done;
  let t0 = performance.now();
  await run('ip', ['netns', 'exec', A, 'python3', '-c', PY_SOURCE, '10.77.9.2', '5000', file]);
  await veth;
  const kernel = mbps(payload.length, performance.now() - t0);
  rows.push(['kernel -> kernel (veth)', kernel.toFixed(0), '1.00', '', '', '', '', '', '']);

  for (const offloads of [true, false]) {
    const tap = await openTap({ name: `tap${offloads ? 1 : 0}`, netns: A, offloads });
    const scheduler = new NodeScheduler();
    const stack = createDirectStack(tap, { scheduler, random: new CryptoRandom() }, { address: `${OUR_IP}/24` });
    try {
      await ip('-n', A, 'addr', 'add', `${KERNEL_IP}/24`, 'dev', tap.name);
      await ip('-n', A, 'link', 'set', tap.name, 'up');
      const row = (what: string, rate: number, a: typeof tap.stats, b: typeof tap.stats): string[] => [
        what, rate.toFixed(0), (rate / kernel).toFixed(2), String(b.rxFrames - a.rxFrames), String(b.txFrames - a.txFrames),
        String(b.rxBatches - a.rxBatches), String(b.txBatches - a.txBatches), String(b.gsoIn - a.gsoIn), String(b.gsoOut - a.gsoOut),
      ];
      const s0 = { ...tap.stats };
      const received = new Promise<number>((resolve) => stack.tcp.listen(5001, (flow) => void drain(flow).then(resolve)));
      t0 = performance.now();
      await run('ip', ['netns', 'exec', A, 'python3', '-c', PY_SOURCE, OUR_IP, '5001', file]);
      if ((await received) !== payload.length) throw new Error('short transfer');
      const s1 = { ...tap.stats };
      rows.push(row(`kernel -> stack, offloads ${offloads ? 'on' : 'off'}`, mbps(payload.length, performance.now() - t0), s0, s1));

      const { done } = await sink(A, KERNEL_IP, 5002);
      t0 = performance.now();
      const c = await stack.tcp.connect(KERNEL_IP, 5002, { timeout: 5000 });
      if (!c.flow) throw new Error(`connect: ${c.error}`);
      for (let off = 0; off < payload.length; off += 1 << 20) await c.flow.write(payload.subarray(off, off + (1 << 20)));
      await c.flow.close();
      const line = await done;
      if (!line.startsWith(`${payload.length} `)) throw new Error(`sink got ${line}`);
      rows.push(row(`stack -> kernel, offloads ${offloads ? 'on' : 'off'}`, mbps(payload.length, performance.now() - t0), s1, { ...tap.stats }));
    } finally {
      await stack.close();
      scheduler.close();
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`TCP, ${MIB} MiB each way (python3 sockets on the Linux side, ${process.version})`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
} finally {
  for (const c of children) if (c.exitCode === null) c.kill();
  await run('ip', ['netns', 'del', A]).catch(() => {});
  await run('ip', ['netns', 'del', B]).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
