// TCP throughput through a TAP: Linux (python3 sockets in a namespace) to our
// stack and back, with offloads on and off, next to the kernel talking to
// itself over a veth pair between two namespaces (the peer to compare with).
// Needs root. Prints MB/s, frames and batches per direction.
//   cd /work/main && node --conditions=@stack/source --import tsx packages/netif-tap/bench/throughput.ts [MiB]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Flow } from '@stack/interfaces';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack } from '@stack/stack-direct';
import { withNetns, type Netns, type NetnsProcess } from '@stack/testkit/netns';
import { openTap } from '../src/index.js';
import { KERNEL_IP, OUR_IP, PY_SINK, PY_SOURCE } from '../test/python.js';

const MIB = Number(process.argv[2] ?? 64);
if (!Number.isInteger(MIB) || MIB < 1 || MIB > 4096) {
  console.error(`throughput.ts: MiB must be an integer from 1 to 4096, got '${process.argv[2]}'`);
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'tap-bench-'));
const file = join(dir, 'payload.bin');
const payload = randomBytes(MIB * 1024 * 1024);
writeFileSync(file, payload);
const rows: string[][] = [['path', 'MB/s', 'vs kernel', 'frames in', 'frames out', 'rx batches', 'tx batches', 'gsoIn', 'gsoOut']];
const mbps = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);
const TRANSFER_MS = 600_000;

/** Starts a python sink in `ns` and waits until it listens; its last line is "<bytes> <sha>". */
async function sink(ns: Netns, addr: string, port: number): Promise<NetnsProcess> {
  const child = ns.spawn('python3', ['-c', PY_SINK, addr, String(port)]);
  await child.waitForOutput('ready', 30_000);
  return child;
}

/** The sink's "<bytes> <sha>" line, once it exited. */
async function sinkResult(child: NetnsProcess): Promise<string> {
  await child.exited;
  return child.stdout().trim().split('\n').pop() ?? '';
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
  // withNetns kills what was started in A and B by pid and deletes both, also on failure.
  await withNetns((a) => withNetns(async (b) => {
    // The kernel with itself: python sender -> python sink across a veth pair.
    await a.addVethPair('va', 'vb', { peer: b });
    await a.addr('va', '10.77.9.1/24');
    await b.addr('vb', '10.77.9.2/24');
    const veth = await sink(b, '10.77.9.2', 5000);
    let t0 = performance.now();
    await a.exec('python3', ['-c', PY_SOURCE, '10.77.9.2', '5000', file], { timeoutMs: TRANSFER_MS });
    await sinkResult(veth);
    const kernel = mbps(payload.length, performance.now() - t0);
    rows.push(['kernel -> kernel (veth)', kernel.toFixed(0), '1.00', '', '', '', '', '', '']);

    for (const offloads of [true, false]) {
      const tap = await openTap({ name: `tap${offloads ? 1 : 0}`, netns: a.name, offloads });
      const scheduler = new NodeScheduler();
      const stack = createDirectStack(tap, { scheduler, random: new CryptoRandom() }, { address: `${OUR_IP}/24` });
      try {
        await a.ip('link', 'set', tap.name, 'mtu', String(tap.mtu));
        await a.addr(tap.name, `${KERNEL_IP}/24`);
        await a.up(tap.name);
        const row = (what: string, rate: number, s: typeof tap.stats, e: typeof tap.stats): string[] => [
          what, rate.toFixed(0), (rate / kernel).toFixed(2), String(e.rxFrames - s.rxFrames), String(e.txFrames - s.txFrames),
          String(e.rxBatches - s.rxBatches), String(e.txBatches - s.txBatches), String(e.gsoIn - s.gsoIn), String(e.gsoOut - s.gsoOut),
        ];
        const s0 = { ...tap.stats };
        const received = new Promise<number>((resolve) => stack.tcp.listen(5001, (flow) => void drain(flow).then(resolve)));
        t0 = performance.now();
        await a.exec('python3', ['-c', PY_SOURCE, OUR_IP, '5001', file], { timeoutMs: TRANSFER_MS });
        if ((await received) !== payload.length) throw new Error('short transfer');
        const s1 = { ...tap.stats };
        rows.push(row(`kernel -> stack, offloads ${offloads ? 'on' : 'off'}`, mbps(payload.length, performance.now() - t0), s0, s1));

        const out = await sink(a, KERNEL_IP, 5002);
        t0 = performance.now();
        const c = await stack.tcp.connect(KERNEL_IP, 5002, { timeout: 5000 });
        if (!c.flow) throw new Error(`connect: ${c.error}`);
        for (let off = 0; off < payload.length; off += 1 << 20) await c.flow.write(payload.subarray(off, off + (1 << 20)));
        await c.flow.close();
        const line = await sinkResult(out);
        if (!line.startsWith(`${payload.length} `)) throw new Error(`sink got ${line}`);
        rows.push(row(`stack -> kernel, offloads ${offloads ? 'on' : 'off'}`, mbps(payload.length, performance.now() - t0), s1, { ...tap.stats }));
      } finally {
        await stack.close();
        scheduler.close();
      }
    }
  }, { prefix: 'tapbench' }), { prefix: 'tapbench' });
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`TCP, ${MIB} MiB each way (python3 sockets on the Linux side, ${process.version})`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
