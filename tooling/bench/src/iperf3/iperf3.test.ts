// Our iperf3 client against our iperf3 server: two @stack/stack-direct
// stacks on a simulated link, in virtual time (SimScheduler), plus raw
// control connections that send what a broken or hostile client would.
import type { Flow } from '@stack/interfaces';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { createDirectStack, type DirectStack } from '@stack/stack-direct';
import { afterEach, describe, expect, it } from 'vitest';
import { Iperf3Error, runIperf3Client, type Iperf3ClientResult } from './client.js';
import { encodeJsonMessage } from './messages.js';
import { COOKIE_SIZE, IperfErrno, IperfState } from './protocol.js';
import { FlowReader, isEnd } from './reader.js';
import { serveIperf3, type Iperf3Server } from './server.js';

const hostYield = (): Promise<void> => new Promise((r) => setImmediate(r));
const PORT = 5201;

interface World {
  readonly scheduler: SimScheduler;
  readonly serverStack: DirectStack;
  readonly clientStack: DirectStack;
  readonly server: Iperf3Server;
  settle<T>(p: Promise<T>): Promise<T>;
  close(): Promise<void>;
}

let world: World | null = null;

/** Two stacks, 10.0.0.1 (client) and 10.0.0.2 (server), on a 100 Mbit/s link with 1 ms one-way delay; the server listening. */
function setup(): World {
  const scheduler = new SimScheduler();
  const [a, b] = memoryLink({ scheduler, names: ['srv', 'cli'], latency: 1, bandwidth: 100e6, mtu: 1500 });
  const serverStack = createDirectStack(a, { scheduler, random: new SeededRandom(1) }, { address: '10.0.0.2/24' });
  const clientStack = createDirectStack(b, { scheduler, random: new SeededRandom(2) }, { address: '10.0.0.1/24' });
  const server = serveIperf3(serverStack, { port: PORT, clock: scheduler });
  const settle = <T>(p: Promise<T>): Promise<T> => scheduler.runUntilSettled(p, Infinity, { hostYield });
  world = {
    scheduler, serverStack, clientStack, server, settle,
    async close() {
      await settle(Promise.all([server.close(), clientStack.close(), serverStack.close()]));
    },
  };
  return world;
}

afterEach(async () => {
  const w = world;
  world = null;
  if (w !== null) {
    await w.close();
    expect(w.scheduler.pending()).toBe(0); // nothing left behind: no timers of ours or the stacks'
  }
});

const random = (seed: number): { fill(b: Uint8Array): void } => {
  const r = new SeededRandom(seed);
  return { fill: (b) => r.fill(b) };
};

function client(w: World, options: Parameters<typeof runIperf3Client>[2] = {}): Promise<Iperf3ClientResult> {
  return runIperf3Client(w.clientStack, '10.0.0.2', { port: PORT, seconds: 1, clock: w.scheduler, random: random(7), ...options });
}

describe('iperf3: our client against our server, two direct stacks in virtual time', () => {
  it('runs a normal test: the client sends, the server counts, both ends agree on stream 1', async () => {
    const w = setup();
    const r = await w.settle(client(w, { blockSize: 16 * 1024 }));
    await w.settle(w.server.idle());
    expect(w.server.results).toHaveLength(1);
    const s = w.server.results[0]!;
    expect(s).toMatchObject({ test: 1, reverse: false, bidirectional: false, parallel: 1, blockSize: 16 * 1024 });
    expect(s.streams.map((x) => [x.id, x.direction])).toEqual([[1, 'receive']]);
    expect(s.bytesReceived).toBeGreaterThan(0);
    expect(s.bytesSent).toBe(0);
    // The client's figures for the direction: what it wrote, and what the server said it received.
    expect(r.forward.receivedBytes).toBe(s.bytesReceived);
    expect(r.forward.sentBytes).toBe(r.streams[0]!.bytes);
    expect(r.forward.sentBytes % (16 * 1024)).toBe(0); // whole blocks only
    expect(r.forward.sentBytes).toBeGreaterThanOrEqual(s.bytesReceived); // some may still be in flight at TEST_END
    // And the server got the client's own count in the results exchange.
    expect(s.client.streams).toEqual([expect.objectContaining({ id: 1, bytes: r.streams[0]!.bytes })]);
    expect(r.server.senderHasRetransmits).toBe(-1); // the server only received
    expect(w.server.stats).toMatchObject({ tests: 1, completed: 1, failed: 0, denied: 0, errors: {} });
  });

  it('runs a reverse test with 2 streams: the server sends on streams 1 and 3', async () => {
    const w = setup();
    const r = await w.settle(client(w, { reverse: true, parallel: 2, blockSize: 32 * 1024 }));
    await w.settle(w.server.idle());
    const s = w.server.results[0]!;
    expect(s).toMatchObject({ reverse: true, parallel: 2 });
    expect(s.streams.map((x) => [x.id, x.direction])).toEqual([[1, 'send'], [3, 'send']]);
    expect(s.bytesReceived).toBe(0);
    for (const st of s.streams) expect(st.bytes).toBeGreaterThan(0);
    expect(r.streams.map((x) => [x.id, x.sender])).toEqual([[1, false], [3, false]]);
    // The client counted what it read; the server what it wrote (whole blocks).
    expect(r.forward.sentBytes).toBe(s.bytesSent);
    expect(s.bytesSent % (32 * 1024)).toBe(0);
    expect(r.bytes).toBeGreaterThan(0);
    expect(r.bytes).toBeLessThanOrEqual(s.bytesSent);
    for (const st of r.streams) expect(st.serverBytes).toBe(s.streams.find((x) => x.id === st.id)!.bytes);
    expect(r.server.senderHasRetransmits).toBe(0); // a sender that does not know its retransmissions
  });

  it('runs a bidirectional test with 2 streams each way, numbered 1, 3, 4, 5', async () => {
    const w = setup();
    const r = await w.settle(client(w, { bidirectional: true, parallel: 2, blockSize: 8 * 1024 }));
    await w.settle(w.server.idle());
    const s = w.server.results[0]!;
    expect(s.streams.map((x) => [x.id, x.direction])).toEqual([[1, 'receive'], [3, 'receive'], [4, 'send'], [5, 'send']]);
    expect(r.streams.map((x) => [x.id, x.sender])).toEqual([[1, true], [3, true], [4, false], [5, false]]);
    expect(s.bytesReceived).toBeGreaterThan(0);
    expect(s.bytesSent).toBeGreaterThan(0);
    expect(r.backward?.sentBytes).toBe(s.bytesSent);
    expect(r.forward.receivedBytes).toBe(s.bytesReceived);
  });

  it('ends a test by byte count (-n) and paces to a bit rate (-b)', async () => {
    const w = setup();
    const r = await w.settle(client(w, { bytes: 200_000, blockSize: 10_000, seconds: 100 }));
    expect(r.forward.sentBytes).toBeGreaterThanOrEqual(200_000);
    expect(r.forward.sentBytes).toBeLessThan(200_000 + 10_000 * 2);
    // 1 Mbit/s for 1 s of virtual time: about 125 kB, never the link's 100 Mbit/s.
    const paced = await w.settle(client(w, { bitsPerSecond: 1_000_000, blockSize: 1000 }));
    expect(paced.forward.sentBytes).toBeGreaterThan(100_000);
    expect(paced.forward.sentBytes).toBeLessThanOrEqual(126_000);
  });

  it('serves tests one after the other, and denies a second client while one runs', async () => {
    const w = setup();
    const first = client(w, { seconds: 2 });
    // Run until the first test is under way, then a second client comes.
    await w.settle(new Promise<void>((resolve) => {
      const poll = (): void => (w.server.busy && w.scheduler.now() > 500 ? resolve() : void w.scheduler.at(w.scheduler.now() + 10, poll));
      poll();
    }));
    const second = await w.settle(client(w, { random: random(8) }).then(() => null, (e: unknown) => e));
    expect(second).toBeInstanceOf(Iperf3Error);
    expect((second as Iperf3Error).code).toBe('ACCESS_DENIED');
    expect((await w.settle(first)).bytes).toBeGreaterThan(0);
    await w.settle(w.server.idle());
    const third = await w.settle(client(w, { reverse: true }));
    expect(third.bytes).toBeGreaterThan(0);
    await w.settle(w.server.idle());
    expect(w.server.results.map((t) => [t.test, t.reverse])).toEqual([[1, false], [2, true]]);
    expect(w.server.stats).toMatchObject({ tests: 2, completed: 2, failed: 0, denied: 1 });
  });

  it('answers SERVER_TERMINATE when it closes during a test', async () => {
    const w = setup();
    const run = client(w, { seconds: 5 }).then(() => null, (e: unknown) => e);
    await w.settle(new Promise<void>((resolve) => w.scheduler.at(1000, resolve)));
    await w.settle(w.server.close());
    const e = await w.settle(run);
    expect(e).toBeInstanceOf(Iperf3Error);
    expect((e as Iperf3Error).code).toBe('SERVER_TERMINATE');
    expect(w.server.stats.errors).toEqual({ serverClosed: 1 });
  });
});

// ------------------------------------------------------------------ raw clients

/** A control connection driven by hand. */
interface Raw {
  readonly flow: Flow;
  readonly reader: FlowReader;
  write(bytes: Uint8Array | number[]): Promise<void>;
  /** The next state byte, or 'end' when the server closed the connection. */
  state(): Promise<number | 'end'>;
  /** SERVER_ERROR's i_errno after the state byte. */
  errno(): Promise<number>;
}

const COOKIE = new Uint8Array(COOKIE_SIZE).fill(0x61);
COOKIE[COOKIE_SIZE - 1] = 0;
const GOOD_PARAMS = { tcp: true, omit: 0, time: 1, num: 0, blockcount: 0, parallel: 1, len: 1000, pacing_timer: 1000, client_version: '3.12' };

async function raw(w: World): Promise<Raw> {
  const c = await w.settle(w.clientStack.tcp.connect('10.0.0.2', PORT));
  if (c.flow === undefined) throw new Error(`connect failed: ${c.error}`);
  const flow = c.flow;
  const reader = new FlowReader(flow);
  return {
    flow,
    reader,
    async write(bytes) {
      const r = await w.settle(flow.write(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)));
      if (r !== null) throw new Error(`raw write failed: ${r}`);
    },
    async state() {
      const s = await w.settle(reader.readState());
      return typeof s === 'number' ? s : 'end';
    },
    async errno() {
      const b = await w.settle(reader.readExact(8));
      if (isEnd(b)) throw new Error('no error numbers');
      return new DataView(b.buffer, b.byteOffset, 8).getInt32(0);
    },
  };
}

/** Cookie sent, PARAM_EXCHANGE read. */
async function toParams(w: World): Promise<Raw> {
  const c = await raw(w);
  await c.write(COOKIE);
  expect(await c.state()).toBe(IperfState.PARAM_EXCHANGE);
  return c;
}

/** Parameters sent, CREATE_STREAMS read. */
async function toStreams(w: World, params: object = GOOD_PARAMS): Promise<Raw> {
  const c = await toParams(w);
  await c.write(encodeJsonMessage(params));
  expect(await c.state()).toBe(IperfState.CREATE_STREAMS);
  return c;
}

/** After a failed test the server still serves: a normal test completes. */
async function stillServes(w: World): Promise<void> {
  await w.settle(w.server.idle());
  const r = await w.settle(client(w, { seconds: 0.2 }));
  expect(r.bytes).toBeGreaterThan(0);
}

const len = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const SERVER_ERROR = IperfState.SERVER_ERROR;

describe('iperf3 server: malformed control input ends that test cleanly, counted', () => {
  it.each([
    ['a zero JSON length', len(0), 'badLength', IperfErrno.IERECVPARAMS],
    ['a JSON length over the limit', len(0xffffffff), 'badLength', IperfErrno.IERECVPARAMS],
    ['JSON that does not parse', [...len(5), ...new TextEncoder().encode('{oops')], 'badJson', IperfErrno.IERECVPARAMS],
    ['JSON that is not an object', [...len(3), ...new TextEncoder().encode('[1]')], 'badJson', IperfErrno.IERECVPARAMS],
    ['parameters out of range', [...encodeJsonMessage({ tcp: true, parallel: 500 })], 'badParams', IperfErrno.IENUMSTREAMS],
    ['a UDP test', [...encodeJsonMessage({ udp: true, parallel: 1 })], 'unsupported', IperfErrno.IEUNIMP],
  ])('%s: SERVER_ERROR, closed, counted', async (_name, bytes, reason, ierrno) => {
    const w = setup();
    const c = await toParams(w);
    await c.write(bytes);
    expect(await c.state()).toBe(SERVER_ERROR);
    expect(await c.errno()).toBe(ierrno);
    expect(await c.state()).toBe('end');
    await w.settle(w.server.idle());
    expect(w.server.stats).toMatchObject({ tests: 1, completed: 0, failed: 1, errors: { [reason]: 1 } });
    expect(w.server.failures[0]).toMatchObject({ test: 1, reason });
    c.flow.abort();
    await stillServes(w);
  });

  it('an unknown state: SERVER_ERROR IEMESSAGE', async () => {
    const w = setup();
    const c = await toStreams(w);
    await c.write([99]);
    expect(await c.state()).toBe(SERVER_ERROR);
    expect(await c.errno()).toBe(IperfErrno.IEMESSAGE);
    expect(await c.state()).toBe('end');
    await w.settle(w.server.idle());
    expect(w.server.stats.errors).toEqual({ unknownState: 1 });
    c.flow.abort();
    await stillServes(w);
  });

  it('a state out of order (IPERF_DONE before the results): counted as unknownState', async () => {
    const w = setup();
    const c = await toStreams(w);
    await c.write([IperfState.IPERF_DONE]);
    expect(await c.state()).toBe(SERVER_ERROR);
    await w.settle(w.server.idle());
    expect(w.server.stats.errors).toEqual({ unknownState: 1 });
    c.flow.abort();
    await stillServes(w);
  });

  it('a data connection with a wrong cookie gets ACCESS_DENIED; the test goes on with the right one', async () => {
    const w = setup();
    const c = await toStreams(w);
    const intruder = await raw(w);
    const wrong = COOKIE.slice();
    wrong[0] = 0x62;
    await intruder.write(wrong);
    expect(await intruder.state()).toBe(IperfState.ACCESS_DENIED);
    expect(await intruder.state()).toBe('end');
    expect(w.server.stats.errors).toEqual({ badCookie: 1 });
    // The right stream: the test starts.
    const stream = await raw(w);
    await stream.write(COOKIE);
    expect(await c.state()).toBe(IperfState.TEST_START);
    expect(await c.state()).toBe(IperfState.TEST_RUNNING);
    await stream.write(new Uint8Array(5000));
    // The client gives up: CLIENT_TERMINATE ends the test, counted.
    await c.write([IperfState.CLIENT_TERMINATE]);
    await w.settle(w.server.idle());
    expect(w.server.stats).toMatchObject({ failed: 1, errors: { badCookie: 1, clientTerminated: 1 } });
    for (const f of [c.flow, intruder.flow, stream.flow]) f.abort();
    await stillServes(w);
  });

  it('bad client results: the test fails without SERVER_ERROR in the middle of the exchange', async () => {
    const w = setup();
    const c = await toStreams(w);
    const stream = await raw(w);
    await stream.write(COOKIE);
    expect(await c.state()).toBe(IperfState.TEST_START);
    expect(await c.state()).toBe(IperfState.TEST_RUNNING);
    await stream.write(new Uint8Array(3000));
    await c.write([IperfState.TEST_END]);
    expect(await c.state()).toBe(IperfState.EXCHANGE_RESULTS);
    await c.write(encodeJsonMessage({ cpu_util_total: 0, cpu_util_user: 0, cpu_util_system: 0, sender_has_retransmits: 0, streams: [{ id: 2, bytes: 1, retransmits: 0, jitter: 0, errors: 0, packets: 0 }] }));
    expect(await c.state()).toBe('end');
    await w.settle(w.server.idle());
    expect(w.server.stats.errors).toEqual({ badResults: 1 });
    expect(w.server.failures[0]!.message).toContain('stream 2');
    for (const f of [c.flow, stream.flow]) f.abort();
    await stillServes(w);
  });

  it('a raw test to the end: the server reports the bytes it received on stream 1', async () => {
    const w = setup();
    const c = await toStreams(w);
    const stream = await raw(w);
    // The cookie and the first data in one write: the bytes behind the cookie count too.
    await stream.write([...COOKIE, ...new Uint8Array(700)]);
    expect(await c.state()).toBe(IperfState.TEST_START);
    expect(await c.state()).toBe(IperfState.TEST_RUNNING);
    await stream.write(new Uint8Array(12_345));
    await w.settle(new Promise<void>((resolve) => w.scheduler.at(w.scheduler.now() + 50, resolve))); // let it arrive
    await c.write([IperfState.TEST_END]);
    expect(await c.state()).toBe(IperfState.EXCHANGE_RESULTS);
    await c.write(encodeJsonMessage({ cpu_util_total: 1, cpu_util_user: 1, cpu_util_system: 0, sender_has_retransmits: 0, streams: [{ id: 1, bytes: 13_045, retransmits: 0, jitter: 0, errors: 0, packets: 0 }] }));
    const n = await w.settle(c.reader.readExact(4));
    if (isEnd(n)) throw new Error('no results');
    const body = await w.settle(c.reader.readExact(new DataView(n.buffer, n.byteOffset, 4).getUint32(0)));
    if (isEnd(body)) throw new Error('no results');
    const results = JSON.parse(new TextDecoder().decode(body)) as { streams: { id: number; bytes: number }[]; sender_has_retransmits: number };
    expect(results.sender_has_retransmits).toBe(-1);
    expect(results.streams).toEqual([expect.objectContaining({ id: 1, bytes: 13_045, retransmits: -1, jitter: 0, errors: 0, packets: 0, start_time: 0 })]);
    expect(await c.state()).toBe(IperfState.DISPLAY_RESULTS);
    await c.write([IperfState.IPERF_DONE]);
    await w.settle(w.server.idle());
    expect(w.server.results[0]).toMatchObject({ bytesReceived: 13_045, streams: [{ id: 1, bytes: 13_045 }] });
    c.flow.abort();
    stream.flow.abort();
  });

  it('a control connection that ends early (mid cookie, mid test): counted as controlClosed', async () => {
    const w = setup();
    const a = await raw(w);
    await a.write(COOKIE.subarray(0, 10));
    await w.settle(a.flow.close());
    await w.settle(w.server.idle());
    const b = await toStreams(w);
    b.flow.abort();
    await w.settle(w.server.idle());
    expect(w.server.stats).toMatchObject({ tests: 2, failed: 2, errors: { controlClosed: 2 } });
    await stillServes(w);
  });

  it('a silent connection is ended after setupTimeout (10 s), counted as timeout', async () => {
    const w = setup();
    const silent = await raw(w);
    await w.settle(new Promise<void>((resolve) => w.scheduler.at(w.scheduler.now() + 9_000, resolve)));
    expect(w.server.busy).toBe(true);
    expect(await silent.state()).toBe('end'); // reset at 10 s
    await w.settle(w.server.idle());
    expect(w.server.stats.errors).toEqual({ timeout: 1 });
    expect(w.scheduler.now()).toBeGreaterThanOrEqual(10_000);
    await stillServes(w);
  });

  it('a test without TEST_END is ended at time + 40 s, as iperf3 does', async () => {
    const w = setup();
    const c = await toStreams(w); // time: 1
    const stream = await raw(w);
    await stream.write(COOKIE);
    expect(await c.state()).toBe(IperfState.TEST_START);
    expect(await c.state()).toBe(IperfState.TEST_RUNNING);
    expect(w.scheduler.now()).toBeLessThan(1000); // the test started at once (virtual time) ...
    expect(await c.state()).toBe('end');
    expect(w.scheduler.now()).toBeGreaterThanOrEqual(41_000); // ... and was reset after 1 + 40 s
    await w.settle(w.server.idle());
    expect(w.server.stats.errors).toEqual({ timeout: 1 });
    stream.flow.abort();
    await stillServes(w);
  });

  it('-R with a client that stops reading: TEST_END still gets the results (the stuck write reset, not counted)', async () => {
    const w = setup();
    const c = await toStreams(w, { ...GOOD_PARAMS, reverse: true, len: 100_000 });
    const stream = await raw(w); // never read: the window closes and the server's write waits
    await stream.write(COOKIE);
    expect(await c.state()).toBe(IperfState.TEST_START);
    expect(await c.state()).toBe(IperfState.TEST_RUNNING);
    await w.settle(new Promise<void>((resolve) => w.scheduler.at(w.scheduler.now() + 500, resolve)));
    await c.write([IperfState.TEST_END]);
    expect(await c.state()).toBe(IperfState.EXCHANGE_RESULTS);
    await c.write(encodeJsonMessage({ cpu_util_total: 0, cpu_util_user: 0, cpu_util_system: 0, sender_has_retransmits: -1, streams: [{ id: 1, bytes: 0, retransmits: -1, jitter: 0, errors: 0, packets: 0 }] }));
    const n = await w.settle(c.reader.readExact(4));
    if (isEnd(n)) throw new Error('no results');
    const body = await w.settle(c.reader.readExact(new DataView(n.buffer, n.byteOffset, 4).getUint32(0)));
    if (isEnd(body)) throw new Error('no results');
    const results = JSON.parse(new TextDecoder().decode(body)) as { streams: { id: number; bytes: number }[]; sender_has_retransmits: number };
    expect(results.sender_has_retransmits).toBe(0);
    expect(results.streams[0]!.bytes).toBeGreaterThan(0);
    expect(results.streams[0]!.bytes % 100_000).toBe(0);
    expect(await c.state()).toBe(IperfState.DISPLAY_RESULTS);
    await c.write([IperfState.IPERF_DONE]);
    await w.settle(w.server.idle());
    expect(w.server.results[0]).toMatchObject({ reverse: true, bytesSent: results.streams[0]!.bytes, streams: [{ ended: 'aborted' }] });
    c.flow.abort();
    stream.flow.abort();
  });

  it('refuses bad options as misuse', () => {
    const w = setup();
    expect(() => serveIperf3(w.serverStack, { port: 0 })).toThrow(/port/);
    expect(() => runIperf3Client(w.clientStack, '10.0.0.2', { parallel: 0 })).toThrow(/parallel/);
    expect(() => runIperf3Client(w.clientStack, '10.0.0.2', { seconds: -1 })).toThrow(/seconds/);
    expect(() => runIperf3Client(w.clientStack, '10.0.0.2', { reverse: true, bidirectional: true })).toThrow(/exclude/);
  });
});
