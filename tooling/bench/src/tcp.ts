// TCP between two @stack stacks in one process over a memory link, beside
// Node's `net` over the kernel's loopback in the same run: bulk throughput
// (MTU 1500 and 64 KB segments), connections opened, echoed and closed per
// second, and the memory an idle established connection holds.
//
// Our stacks run in virtual time (SimScheduler) on a zero-latency link: a
// frame sent is delivered when the driver runs the scheduler, never inside
// `transmit`, and timers cost no waiting. The driver alternates "run every
// callback due now" with one macrotask turn (all promise reactions of the
// application: reads, writes, connects). Wall time is then the CPU cost of
// the stacks plus the application, with no idle time in it; virtual time is
// checked to stay at 0 during the bulk runs, so no figure hides a stall on
// a timer (a delayed ACK or an RTO would show as virtual time passing).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Flow } from '@stack/interfaces';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { createDirectStack, type DirectStack, type DirectStackOptions } from '@stack/stack-direct';
import { profile, type HotFunction } from './profile.js';
import type { Row } from './table.js';

type TcpOptions = NonNullable<DirectStackOptions['tcp']>;

const MiB = 1 << 20;
/** Send and receive buffers of our connections in the bulk runs. */
const BULK_BUFFERS = 4 * MiB;
/** What the application hands `write()` at a time (ours and Node's). */
const CHUNK = MiB;
/** Connections in flight at once in the connection-rate runs. */
const CONCURRENCY = 256;
const ECHO_BYTES = 64;
/** Idle connections opened for the memory figure. */
const IDLE_CONNECTIONS = 10_000;

const log = (s: string): void => {
  console.error(`  tcp: ${s}`);
};

// ------------------------------------------------------------------ our stacks

/** Two direct stacks on one zero-latency memory link, in virtual time. */
interface Pair {
  readonly scheduler: SimScheduler;
  readonly client: DirectStack;
  readonly server: DirectStack;
  close(): Promise<void>;
}

/**
 * What the memory link's devices offload. 'none': every checksum computed and
 * verified, every segment one frame. 'loopback': checksums neither computed
 * nor verified, as Linux's loopback does (CHECKSUM_PARTIAL / UNNECESSARY).
 * 'gso': that plus GSO and GRO, as a veth pair with its default offloads:
 * 64 KB segments cross whole whatever the MTU. 'cable': two NICs without
 * hardware offloads on a cable, as Linux drives them: software GSO cuts
 * each 64 KB segment into MTU-size frames with their checksums computed,
 * and software GRO verifies every frame's checksum and coalesces the
 * frames that arrive together; the wire carries only MTU-size frames.
 */
type Offloads = 'none' | 'loopback' | 'gso' | 'cable';

const CAPABILITIES = {
  none: {},
  loopback: { txChecksumOffload: true, rxChecksumVerified: true },
  gso: { txChecksumOffload: true, rxChecksumVerified: true, gsoMaxSize: 65_535, gro: true },
  cable: { txChecksumOffload: true, gsoMaxSize: 65_535, gro: true },
} as const;

function stackPair(mtu: number, tcp: TcpOptions, offloads: Offloads = 'none', latency = 0): Pair {
  const scheduler = new SimScheduler();
  const wire = offloads === 'cable' ? 'cable' : 'veth';
  const [a, b] = memoryLink({ scheduler, names: ['a', 'b'], latency, mtu, capabilities: CAPABILITIES[offloads], wire });
  const client = createDirectStack(a, { scheduler, random: new SeededRandom(1) }, { address: '10.0.0.1/24', tcp });
  const server = createDirectStack(b, { scheduler, random: new SeededRandom(2) }, { address: '10.0.0.2/24', tcp });
  return {
    scheduler,
    client,
    server,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs virtual time and the application until `done()`: one macrotask turn
 * (every pending promise reaction runs), then every callback due up to the
 * next scheduled time, and again. Throws when nothing is left to run.
 */
async function drive(scheduler: SimScheduler, done: () => boolean): Promise<void> {
  for (;;) {
    await macrotask();
    if (done()) return;
    const next = scheduler.nextTime();
    if (next === undefined) throw new Error('tcp bench: stalled (nothing scheduled and not done)');
    scheduler.runUntilTime(next);
  }
}

/** Connects `pair.client` to `port` on the server, driving time until it settles. */
async function connect(pair: Pair, port: number): Promise<Flow> {
  let result: Awaited<ReturnType<DirectStack['tcp']['connect']>> | undefined;
  void pair.client.tcp.connect(pair.server.address, port).then((r) => (result = r));
  await drive(pair.scheduler, () => result !== undefined);
  if (!result!.flow) throw new Error(`tcp bench: connect failed: ${result!.error}`);
  return result!.flow;
}

/** Result of one bulk transfer. */
interface Bulk {
  readonly gbps: number;
  readonly cpuGbps: number;
  readonly virtualMs: number;
}

/**
 * Bytes from client to server over one connection: the client writes
 * 1 MiB chunks as fast as `write()` resolves, the server reads (64 KiB at
 * most per read, each a view the reader owns) until it has them all. Timed from the
 * first write to the last byte read.
 */
export async function bulkOurs(mtu: number, total: number, offloads: Offloads = 'none', buffers = BULK_BUFFERS): Promise<Bulk> {
  // The MSS we announce: the whole MTU less the IPv4 and TCP base headers (65495 at most).
  const mss = Math.min(mtu - 40, 65_495);
  const pair = stackPair(mtu, { sendBufferSize: buffers, recvBufferSize: buffers, mss }, offloads);
  let received = 0;
  pair.server.tcp.listen(5001, (flow) => {
    void (async () => {
      for (;;) {
        const r = await flow.read();
        if (!r.data) break;
        received += r.data.length;
      }
      await flow.close();
    })();
  });
  const flow = await connect(pair, 5001);
  const chunk = new Uint8Array(CHUNK).fill(0x5a);
  const v0 = pair.scheduler.now();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  void (async () => {
    for (let sent = 0; sent < total; sent += chunk.length) {
      if ((await flow.write(chunk)) !== null) throw new Error('tcp bench: write failed');
    }
    await flow.shutdown();
  })();
  await drive(pair.scheduler, () => received >= total);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const virtualMs = pair.scheduler.now() - v0;
  await pair.close();
  return { gbps: (received * 8) / seconds / 1e9, cpuGbps: (received * 8) / ((cpu.user + cpu.system) / 1e6) / 1e9, virtualMs };
}

/** Result of one connection-rate run. */
interface Rate {
  readonly perSecond: number;
  readonly virtualMs: number;
  readonly failed: number;
}

/**
 * Connections opened, echoed and closed: `CONCURRENCY` clients loop on
 * connect, write 64 bytes, read them back and the server's FIN, close. The
 * server echoes what it reads and closes first, so TIME-WAIT (the default
 * 60 s) is on the server's side, where a new SYN for the same 4-tuple
 * reopens it (RFC 6191): the client's 16,384 ephemeral ports are never
 * held by TIME-WAIT. The link has 1 µs of latency, about loopback's, so
 * virtual time moves as real time would: a port's next connection then has
 * a newer ISN and timestamp than the TIME-WAIT it meets (on a zero-latency
 * link time would stand still and every reuse would look like an old
 * duplicate). By default checksums are neither computed nor verified, as
 * over the kernel's loopback that the peer (Node `net`) uses: like for like.
 */
export async function rateOurs(total: number, offloads: Offloads = 'loopback'): Promise<Rate> {
  const pair = stackPair(1500, {}, offloads, 0.001);
  pair.server.tcp.listen(7, (flow) => {
    void (async () => {
      const r = await flow.read();
      if (r.data) await flow.write(r.data);
      await flow.close();
    })();
  });
  const message = new Uint8Array(ECHO_BYTES).fill(0x61);
  // One connection first, untimed: ARP resolves, so the SYNs of the timed
  // run are not queued behind it (or dropped, and retransmitted after 1 s).
  const first = await connect(pair, 7);
  let warm = false;
  void (async () => {
    await first.write(message);
    while ((await first.read()).data);
    await first.close();
    warm = true;
  })();
  await drive(pair.scheduler, () => warm);
  let started = 0;
  let done = 0;
  let failed = 0;
  const client = async (): Promise<void> => {
    while (started < total) {
      started++;
      const c = await pair.client.tcp.connect(pair.server.address, 7);
      if (!c.flow) {
        failed++;
        continue;
      }
      await c.flow.write(message);
      let got = 0;
      for (;;) {
        const r = await c.flow.read();
        if (!r.data) break;
        got += r.data.length;
      }
      await c.flow.close();
      if (got === ECHO_BYTES) done++;
      else failed++;
    }
  };
  const v0 = pair.scheduler.now();
  const t0 = performance.now();
  for (let i = 0; i < CONCURRENCY; i++) void client();
  await drive(pair.scheduler, () => done + failed >= total);
  const seconds = (performance.now() - t0) / 1000;
  const virtualMs = pair.scheduler.now() - v0;
  await pair.close();
  return { perSecond: done / seconds, virtualMs, failed };
}

/** Memory per idle established connection. */
interface IdleMemory {
  /** JS heap + array buffers per connection pair (client and server end), ring storage subtracted. */
  readonly perPair: number;
  readonly perEndpoint: number;
  /** Ring buffer storage per pair found allocated (0 when they allocate lazily, as they should). */
  readonly bufferBytesPerPair: number;
  /** Array-buffer (off-heap) bytes per pair, ring storage included. */
  readonly arrayBuffersPerPair: number;
  /** Ring storage could be read from the connections (an internal field of @stack/tcp). */
  readonly ringsInspected: boolean;
}

/** `gc()` without --expose-gc: V8 flags can be set at run time, and a new context then sees `gc`. */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

/**
 * Bytes of storage the send and receive rings of a flow hold now (their
 * `allocated`), or undefined when they cannot be found. They are internals
 * of @stack/tcp (flow → conn → engine, or a record one level below it), so
 * this looks for them rather than naming the path.
 */
function ringStorage(flow: Flow): number | undefined {
  const engine = (flow as unknown as { conn?: { engine?: object } }).conn?.engine;
  if (engine === undefined) return undefined;
  const holders: Record<string, unknown>[] = [engine as Record<string, unknown>];
  for (const v of Object.values(engine)) if (typeof v === 'object' && v !== null) holders.push(v as Record<string, unknown>);
  for (const h of holders) {
    const send = h['sendBuf'] as { allocated?: unknown } | undefined;
    const recv = h['recvBuf'] as { allocated?: unknown } | undefined;
    if (typeof send?.allocated === 'number' && typeof recv?.allocated === 'number') return send.allocated + recv.allocated;
  }
  return undefined;
}

/**
 * Opens `IDLE_CONNECTIONS` connections that never send a byte and holds
 * both ends, after a warm-up batch (JIT, table growth, ARP), and takes the
 * heap after full collections before and after: the difference per
 * connection, less what the rings hold (nothing, as they allocate lazily).
 */
async function idleOurs(n: number): Promise<IdleMemory> {
  const gc = collector();
  const pair = stackPair(1500, {});
  const held: (Flow | null)[] = new Array<Flow | null>(2 * (n + CONCURRENCY)).fill(null);
  let count = 0;
  pair.server.tcp.listen(80, (flow) => {
    held[count++] = flow;
  });
  const open = async (k: number): Promise<void> => {
    let started = 0;
    let settled = 0;
    const client = async (): Promise<void> => {
      while (started < k) {
        started++;
        const c = await pair.client.tcp.connect(pair.server.address, 80);
        if (!c.flow) throw new Error(`tcp bench: connect failed: ${c.error}`);
        held[count++] = c.flow;
        settled++;
      }
    };
    for (let i = 0; i < Math.min(CONCURRENCY, k); i++) void client();
    await drive(pair.scheduler, () => settled >= k);
    // Let every handshake timer and delayed ACK run out (virtual time; nothing is sent).
    pair.scheduler.runFor(5_000);
    await macrotask();
  };
  await open(CONCURRENCY);
  gc();
  const before = process.memoryUsage();
  const first = count;
  await open(n);
  gc();
  const after = process.memoryUsage();
  if (count - first !== 2 * n) throw new Error(`tcp bench: expected ${2 * n} flows, got ${count - first}`);
  let ring = 0;
  let inspected = true;
  for (let i = first; i < count; i++) {
    const r = ringStorage(held[i]!);
    if (r === undefined) inspected = false;
    else ring += r;
  }
  const arrayBuffers = after.arrayBuffers - before.arrayBuffers;
  const perPair = (after.heapUsed - before.heapUsed + arrayBuffers - ring) / n;
  await pair.close();
  return { perPair, perEndpoint: perPair / 2, bufferBytesPerPair: ring / n, arrayBuffersPerPair: arrayBuffers / n, ringsInspected: inspected };
}

// ------------------------------------------------------------------ the kernel, through Node's net

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The same bulk transfer with net: a sink server and a client writing 1 MiB Buffers with backpressure. */
async function bulkNode(total: number): Promise<Bulk> {
  let received = 0;
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => (finished = resolve));
  const server = createServer((s) => {
    s.on('data', (d: Buffer) => {
      received += d.length;
      if (received >= total) finished();
    });
  });
  const port = await listen(server);
  const client = createConnection({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let sent = 0;
  const pump = (): void => {
    while (sent < total) {
      sent += chunk.length;
      if (!client.write(chunk)) {
        client.once('drain', pump);
        return;
      }
    }
    client.end();
  };
  pump();
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  client.destroy();
  await closeServer(server);
  return { gbps: (received * 8) / seconds / 1e9, cpuGbps: (received * 8) / ((cpu.user + cpu.system) / 1e6) / 1e9, virtualMs: 0 };
}

/** The same open-echo-close loop with net: the server echoes 64 bytes with `end()` (it closes first). */
async function rateNode(total: number): Promise<Rate> {
  const server = createServer((s) => {
    let got = 0;
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= ECHO_BYTES) s.end(Buffer.concat(parts));
    });
    s.on('error', () => {});
  });
  const port = await listen(server);
  const message = Buffer.alloc(ECHO_BYTES, 0x61);
  let started = 0;
  let done = 0;
  let failed = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const one = (): void => {
      if (started >= total) return;
      started++;
      let got = 0;
      const s: Socket = createConnection({ port, host: '127.0.0.1' }, () => s.write(message));
      s.on('data', (d: Buffer) => {
        got += d.length;
      });
      s.on('error', () => {});
      s.on('close', () => {
        if (got === ECHO_BYTES) done++;
        else failed++;
        if (done + failed >= total) resolve();
        else one();
      });
    };
    for (let i = 0; i < CONCURRENCY; i++) one();
  });
  const seconds = (performance.now() - t0) / 1000;
  await closeServer(server);
  return { perSecond: done / seconds, virtualMs: 0, failed };
}

// ------------------------------------------------------------------ the suite

function best<T>(runs: T[], key: (t: T) => number): T {
  return runs.reduce((a, b) => (key(b) > key(a) ? b : a));
}

async function bestOf<T>(times: number, run: () => Promise<T>, key: (t: T) => number): Promise<T> {
  const runs: T[] = [];
  for (let i = 0; i < times; i++) runs.push(await run());
  return best(runs, key);
}

const fmtBulk = (b: Bulk): string => `${b.gbps.toFixed(2)} Gbit/s wall, ${b.cpuGbps.toFixed(2)} per CPU-second, virtual ${b.virtualMs} ms`;

export async function tcpSuite(): Promise<Row[]> {
  log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // Warm-up: JIT both paths before timing anything.
  await bulkOurs(1500, 64 * MiB);
  await bulkOurs(65_535, 64 * MiB);
  await bulkNode(256 * MiB);

  const ours1500 = await bestOf(2, () => bulkOurs(1500, 512 * MiB), (b) => b.gbps);
  log(`bulk MTU 1500: ${fmtBulk(ours1500)}`);
  const ours64k = await bestOf(2, () => bulkOurs(65_535, 2048 * MiB), (b) => b.gbps);
  log(`bulk MTU 65535: ${fmtBulk(ours64k)}`);
  await bulkOurs(1500, 64 * MiB, 'cable');
  const oursCable = await bestOf(2, () => bulkOurs(1500, 1024 * MiB, 'cable'), (b) => b.gbps);
  log(`bulk MTU 1500 over a cable, software GSO/GRO: ${fmtBulk(oursCable)}`);
  await bulkOurs(1500, 64 * MiB, 'gso');
  const oursGso = await bestOf(2, () => bulkOurs(1500, 2048 * MiB, 'gso'), (b) => b.gbps);
  log(`bulk MTU 1500 with GSO/GRO and checksum offload: ${fmtBulk(oursGso)}`);
  await bulkOurs(65_535, 64 * MiB, 'loopback');
  const oursLo = await bestOf(2, () => bulkOurs(65_535, 2048 * MiB, 'loopback'), (b) => b.gbps);
  log(`bulk MTU 65535 with checksum offload: ${fmtBulk(oursLo)}`);
  const node = await bestOf(3, () => bulkNode(4096 * MiB), (b) => b.gbps);
  log(`bulk Node net: ${fmtBulk(node)}`);
  for (const b of [ours1500, oursCable, ours64k, oursGso, oursLo]) {
    if (b.virtualMs !== 0) log(`warning: virtual time moved ${b.virtualMs} ms during a bulk run: a timer stalled it`);
  }

  await rateOurs(5_000);
  const rate = await bestOf(2, () => rateOurs(50_000), (r) => r.perSecond);
  log(`connections: ${Math.round(rate.perSecond)}/s (virtual ${rate.virtualMs} ms, ${rate.failed} failed)`);
  const rateSums = await bestOf(2, () => rateOurs(50_000, 'none'), (r) => r.perSecond);
  log(`connections, checksums computed and verified: ${Math.round(rateSums.perSecond)}/s (${rateSums.failed} failed)`);
  if (rate.virtualMs > 100) log(`warning: ${rate.virtualMs} ms of virtual time for the connection run: a retransmission timer stalled it`);
  await rateNode(2_000);
  const rateN = await bestOf(2, () => rateNode(20_000), (r) => r.perSecond);
  log(`connections Node net: ${Math.round(rateN.perSecond)}/s (${rateN.failed} failed)`);

  const idle = await idleOurs(IDLE_CONNECTIONS);
  log(
    `idle: ${Math.round(idle.perPair)} B per pair, ${Math.round(idle.perEndpoint)} B per endpoint; ` +
      `ring storage ${idle.ringsInspected ? `${idle.bufferBytesPerPair} B per pair` : 'not inspectable'}; ` +
      `array buffers ${Math.round(idle.arrayBuffersPerPair)} B per pair`,
  );

  const nodeNet = 'Node net over kernel loopback';
  return [
    { suite: 'tcp', what: 'bulk transfer, one connection, MTU 1500, 4 MiB buffers, stack → stack over a memory link as a cable (one process): 1500-byte frames on the wire, every checksum computed and verified; software GSO cuts them, software GRO coalesces them (as Linux drives a NIC without offloads)', ours: oursCable.gbps, peer: node.gbps, peerName: `${nodeNet} (MTU 65536)`, unit: 'Gbit/s', goal: '≥ 5 Gbit/s' },
    { suite: 'tcp', what: 'the same without GSO/GRO: every layer handles every 1500-byte frame (MSS 1448)', ours: ours1500.gbps, peer: node.gbps, peerName: `${nodeNet} (MTU 65536)`, unit: 'Gbit/s' },
    { suite: 'tcp', what: 'the same as a veth pair with GSO/GRO and checksum offload: 64 KB segments cross whole', ours: oursGso.gbps, peer: node.gbps, peerName: `${nodeNet} (MTU 65536)`, unit: 'Gbit/s' },
    { suite: 'tcp', what: 'bulk transfer, one connection, MTU 65535 (64 KB segments), 4 MiB buffers, no checksum computed or verified, as over the kernel\'s loopback (like for like with the peer)', ours: oursLo.gbps, peer: node.gbps, peerName: `${nodeNet} (MTU 65536)`, unit: 'Gbit/s', goal: '≥ 15 Gbit/s' },
    { suite: 'tcp', what: 'the same with every checksum computed and verified (two passes over each byte)', ours: ours64k.gbps, peer: node.gbps, peerName: `${nodeNet} (MTU 65536)`, unit: 'Gbit/s' },
    { suite: 'tcp', what: `connections opened, ${ECHO_BYTES}-byte echo, closed; ${CONCURRENCY} in flight; server closes first (TIME-WAIT 60 s); no checksums, as over loopback`, ours: rate.perSecond, peer: rateN.perSecond, peerName: nodeNet, unit: 'connections/s', goal: '≥ 100,000/s' },
    { suite: 'tcp', what: 'the same with every checksum computed and verified', ours: rateSums.perSecond, peer: rateN.perSecond, peerName: nodeNet, unit: 'connections/s' },
    { suite: 'tcp', what: `memory per idle established connection, one endpoint (${IDLE_CONNECTIONS.toLocaleString('en-US')} pairs, buffers excluded: ${idle.bufferBytesPerPair} B of ring storage)`, ours: idle.perEndpoint, peer: null, peerName: '—', unit: 'bytes', goal: '≤ 2 KB' },
    { suite: 'tcp', what: 'memory per idle established connection pair (client + server end)', ours: idle.perPair, peer: null, peerName: '—', unit: 'bytes' },
  ];
}

// ------------------------------------------------------------------ profiles

/** Profiles the bulk transfers and the connection loop; prints the top functions by self time. */
export async function tcpProfiles(top = 10): Promise<void> {
  const print = (title: string, hot: HotFunction[], totalMs: number): void => {
    console.error(`\n${title} (${Math.round(totalMs)} ms sampled), top ${hot.length} by self time:`);
    for (const h of hot) console.error(`${h.ms.toFixed(0).padStart(7)} ms ${h.percent.toFixed(1).padStart(5)}%  ${h.name}  ${h.where}`);
  };
  await bulkOurs(1500, 64 * MiB);
  let r = await profile(() => bulkOurs(1500, 512 * MiB), top);
  print('bulk, MTU 1500', r.hot, r.totalMs);
  await bulkOurs(65_535, 64 * MiB);
  r = await profile(() => bulkOurs(65_535, 2048 * MiB), top);
  print('bulk, MTU 65535', r.hot, r.totalMs);
  await rateOurs(5_000);
  r = await profile(() => rateOurs(50_000), top);
  print('connections open-echo-close', r.hot, r.totalMs);
}
