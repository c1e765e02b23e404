// An iperf3 client over any Stack: runs one test against Linux's
// `iperf3 -s` (or serveIperf3) as iperf 3.12's client does (esnet/iperf
// src/iperf_client_api.c), TCP only.
import { randomFillSync } from 'node:crypto';
import { StackError, type ConnectError, type Flow, type Random, type Stack } from '@stack/interfaces';
import { cpuMeter, hostClock, waitUntil, within, type CpuUtil, type Iperf3Clock, type Wait } from './clock.js';
import {
  encodeJsonMessage, jsonLength, makeCookie, paramsJson, parseResults, resultsJson,
  type Iperf3Params, type Iperf3Results,
} from './messages.js';
import { DEFAULT_TCP_BLOCK_SIZE, IPERF3_PORT, IperfErrno, IperfState, MAX_BLOCK_SIZE, MAX_RESULTS_JSON, MAX_STREAMS, MAX_TIME, streamId } from './protocol.js';
import { FlowReader, isEnd } from './reader.js';
import { DataStream, SendBudget } from './stream.js';

/** Options of `runIperf3Client` (iperf3's client flags in brackets). */
export interface Iperf3ClientOptions {
  /** Server port (default 5201) [-p]. */
  port?: number;
  /** Test length, seconds (default 10) [-t]; fractions allowed (the server is told the whole seconds, rounded up). */
  seconds?: number;
  /** Streams (default 1, at most 128) [-P]. */
  parallel?: number;
  /** The server sends (default false) [-R]. */
  reverse?: boolean;
  /** Both send (default false) [--bidir]. */
  bidirectional?: boolean;
  /** Bytes per write (default 128 KiB, at most 1 MiB) [-l]. */
  blockSize?: number;
  /** End after this many bytes instead of `seconds` (default 0: by time) [-n]. */
  bytes?: number;
  /** Pace each sending stream to this many bits per second (default 0: no pacing) [-b]. */
  bitsPerSecond?: number;
  /** Ask the server for its output (`--get-server-output`); it comes back in `server.outputText`. */
  getServerOutput?: boolean;
  /** Time (default: the host's clock; a SimScheduler in simulations). */
  clock?: Iperf3Clock;
  /** Randomness for the cookie (default: node:crypto). */
  random?: Pick<Random, 'fill'>;
  /** Connect timeout per connection, ms (the stack's default when absent). */
  connectTimeout?: number;
}

/** One direction of a test: what the sender sent and what the receiver got. */
export interface Iperf3Direction {
  /** Bytes the sending side wrote (iperf3's sum_sent). */
  readonly sentBytes: number;
  /** Bytes the receiving side counted (iperf3's sum_received). */
  readonly receivedBytes: number;
  /** The receiving side's duration, seconds. */
  readonly seconds: number;
  /** receivedBytes × 8 / seconds. */
  readonly bitsPerSecond: number;
}

/** One stream of the test, from both ends. */
export interface Iperf3ClientStream {
  readonly id: number;
  /** True when the client sent on it. */
  readonly sender: boolean;
  /** What the client counted (sent or received). */
  readonly bytes: number;
  /** What the server reported for it. */
  readonly serverBytes: number;
  readonly seconds: number;
}

/** What `runIperf3Client` resolves with. */
export interface Iperf3ClientResult {
  readonly reverse: boolean;
  readonly bidirectional: boolean;
  readonly parallel: number;
  readonly blockSize: number;
  /** The main direction's received bytes (client → server; server → client with `reverse`). */
  readonly bytes: number;
  /** Its receiver's duration, seconds. */
  readonly seconds: number;
  /** bytes × 8 / seconds. */
  readonly bitsPerSecond: number;
  /** The main direction in full. */
  readonly forward: Iperf3Direction;
  /** With `bidirectional`: server → client. */
  readonly backward?: Iperf3Direction;
  readonly streams: readonly Iperf3ClientStream[];
  /** The client's CPU use during the test. */
  readonly cpu: CpuUtil;
  /** The server's results as it sent them. */
  readonly server: Iperf3Results;
}

/** Why a test did not complete. */
export type Iperf3ErrorCode =
  /** The control or a data connection could not be opened. */
  | 'CONNECT'
  /** The server is busy with another test (ACCESS_DENIED). */
  | 'ACCESS_DENIED'
  /** The server reported an error: `ierrno` is iperf3's number (e.g. 13 not implemented, 114 bad parameters). */
  | 'SERVER_ERROR'
  /** The server stopped (SERVER_TERMINATE). */
  | 'SERVER_TERMINATE'
  /** The control connection ended early. */
  | 'CONTROL_CLOSED'
  /** The server sent something this client cannot take (an unknown state, bad results). */
  | 'PROTOCOL';

/** The rejection of `runIperf3Client` when the test fails. */
export class Iperf3Error extends Error {
  constructor(
    readonly code: Iperf3ErrorCode,
    message: string,
    /** iperf3's `i_errno` (SERVER_ERROR) or the connect error. */
    readonly detail?: number | ConnectError,
  ) {
    super(message);
    this.name = 'Iperf3Error';
  }
}

/** How long the client waits for its connections to close after the test, ms. */
const CLOSE_GRACE_MS = 1000;

const cryptoRandom: Pick<Random, 'fill'> = { fill: (b) => void randomFillSync(b) };

function invalid(message: string): never {
  throw new StackError('ERR_INVALID_ARGUMENT', `runIperf3Client: ${message}`);
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) invalid(`${name} must be an integer ${min}..${max}, got ${String(v)}`);
}

/**
 * Runs one iperf3 test against the server at `host` (a dotted quad or an
 * address number) over `stack`, as iperf3's client does: sends the cookie
 * and the parameters, opens the data connections (each starting with the
 * cookie), sends a reused block awaiting each write (or, with `reverse`,
 * counts what it reads without copying) until `seconds` pass on the clock
 * (or `bytes` moved), sends TEST_END, exchanges results and ends with
 * IPERF_DONE. Resolves with both ends' figures; rejects with an
 * Iperf3Error (ACCESS_DENIED, SERVER_ERROR with iperf3's error number,
 * CONNECT, ...) when the test fails, after closing what it opened. Throws
 * StackError ERR_INVALID_ARGUMENT for bad options.
 */
export function runIperf3Client(stack: Stack, host: string | number, options: Iperf3ClientOptions = {}): Promise<Iperf3ClientResult> {
  const port = options.port ?? IPERF3_PORT;
  const seconds = options.seconds ?? 10;
  const parallel = options.parallel ?? 1;
  const blockSize = options.blockSize ?? DEFAULT_TCP_BLOCK_SIZE;
  const bytes = options.bytes ?? 0;
  const rate = options.bitsPerSecond ?? 0;
  const reverse = options.reverse ?? false;
  const bidirectional = options.bidirectional ?? false;
  checkInt('port', port, 1, 0xffff);
  if (typeof seconds !== 'number' || !(seconds > 0) || seconds > MAX_TIME) invalid(`seconds must be a number in (0, ${MAX_TIME}], got ${String(seconds)}`);
  checkInt('parallel', parallel, 1, MAX_STREAMS);
  checkInt('blockSize', blockSize, 1, MAX_BLOCK_SIZE);
  checkInt('bytes', bytes, 0, Number.MAX_SAFE_INTEGER);
  checkInt('bitsPerSecond', rate, 0, Number.MAX_SAFE_INTEGER);
  if (reverse && bidirectional) invalid('reverse and bidirectional exclude each other');
  const tcp = stack.tcp;
  if (tcp === undefined) throw new StackError('ERR_UNSUPPORTED', `runIperf3Client: the stack "${stack.name}" has no TCP`);
  const clock = options.clock ?? hostClock;
  const params: Iperf3Params = {
    protocol: 'tcp',
    time: Math.ceil(seconds),
    omit: 0,
    bytes,
    blocks: 0,
    parallel,
    reverse,
    bidirectional,
    blockSize,
    bandwidth: rate,
    getServerOutput: options.getServerOutput ?? false,
    clientVersion: '3.12',
  };
  const connectOptions = options.connectTimeout !== undefined ? { timeout: options.connectTimeout } : {};
  const connect = async (what: string): Promise<Flow> => {
    const r = await tcp.connect(host, port, connectOptions);
    if (r.error !== undefined) throw new Iperf3Error('CONNECT', `cannot open the ${what} to ${String(host)}:${port}: ${r.error}`, r.error);
    return r.flow;
  };

  const streams: DataStream[] = [];
  let timer = null as Wait | null;
  let control: Flow | null = null;
  // Misuse above throws at once; what happens on the network settles the promise.
  return (async () => {
    control = await connect('control connection');
    try {
      return await runTest(control);
    } catch (e) {
      for (const s of streams) s.flow.abort();
      control.abort();
      throw e;
    } finally {
      timer?.cancel();
    }
  })();

  async function runTest(ctrl: Flow): Promise<Iperf3ClientResult> {
    const reader = new FlowReader(ctrl);
    const cookie = makeCookie(options.random ?? cryptoRandom);
    const send = async (data: Uint8Array): Promise<void> => {
      const r = await ctrl.write(data);
      if (r !== null) throw new Iperf3Error('CONTROL_CLOSED', `writing to the control connection failed (${r})`);
    };
    const read = async (n: number, what: string): Promise<Uint8Array> => {
      const r = await reader.readExact(n);
      if (isEnd(r)) throw new Iperf3Error('CONTROL_CLOSED', `the control connection ended while reading ${what} (${r.eof ? 'closed by the server' : r.error})`);
      return r;
    };
    await send(cookie);

    let running = false;
    let ended: Promise<void> | null = null;
    let startTime = 0;
    let endTime = 0;
    let meter: (() => CpuUtil) | null = null;
    let cpu: CpuUtil = { total: 0, user: 0, system: 0 };
    let server: Iperf3Results | null = null;
    let totalReceived = 0;
    const budget = new SendBudget(bytes, 0);

    /** The test is over here: stop counting (a write under way completes), then TEST_END. */
    const finish = (): Promise<void> => {
      if (ended === null) {
        ended = (async () => {
          timer?.cancel();
          endTime = clock.now();
          await Promise.all(streams.map((s) => s.stop(endTime)));
          cpu = meter?.() ?? cpu;
          await send(new Uint8Array([IperfState.TEST_END]));
        })();
        // A failure surfaces through the control loop (the control connection ends), not here.
        ended.catch(() => ctrl.abort());
      }
      return ended;
    };

    for (;;) {
      const state = await reader.readState();
      if (typeof state !== 'number') {
        throw new Iperf3Error('CONTROL_CLOSED', `the server closed the control connection (${state.eof ? 'end of stream' : state.error})`);
      }
      switch (state) {
        case IperfState.PARAM_EXCHANGE:
          await send(encodeJsonMessage(paramsJson(params)));
          break;
        case IperfState.CREATE_STREAMS: {
          // As iperf3: the sending streams first, then (--bidir) the receiving ones; each opens with the cookie.
          const directions = bidirectional ? [true, false] : [!reverse];
          for (const sender of directions) {
            for (let i = 0; i < parallel; i++) {
              const flow = await connect('data connection');
              const stream = new DataStream(streamId(streams.length), sender, flow);
              streams.push(stream);
              const r = await flow.write(cookie);
              if (r !== null) throw new Iperf3Error('CONNECT', `sending the cookie on data connection ${stream.id} failed (${r})`);
            }
          }
          break;
        }
        case IperfState.TEST_START:
          meter = cpuMeter();
          startTime = clock.now();
          if (bytes === 0) timer = waitUntil(clock, startTime + seconds * 1000);
          break;
        case IperfState.TEST_RUNNING: {
          if (running) break;
          running = true;
          const now = clock.now();
          if (meter === null) {
            meter = cpuMeter();
            startTime = now;
            if (bytes === 0) timer = waitUntil(clock, startTime + seconds * 1000);
          }
          const block = new Uint8Array(blockSize);
          for (let i = 0; i < block.length; i++) block[i] = 0x30 + (i % 10);
          for (const s of streams) {
            if (s.sender) {
              s.startSending(now, { block, clock, bitsPerSecond: rate, budget });
              if (bytes > 0) s.onProgress = () => void (budget.spent && finish());
            } else {
              s.startReceiving(now);
              if (bytes > 0) {
                s.onProgress = () => {
                  totalReceived = streams.reduce((n, t) => n + (t.sender ? 0 : t.bytes), 0);
                  if (totalReceived >= bytes) void finish();
                };
              }
            }
          }
          void timer?.done.then((fired) => {
            if (fired) void finish();
          });
          break;
        }
        case IperfState.EXCHANGE_RESULTS: {
          await finish();
          await send(encodeJsonMessage(resultsJson(clientResults(streams, cpu, (endTime - startTime) / 1000))));
          const n = jsonLength(await read(4, 'the length of the server results'));
          if (n === 0 || n > MAX_RESULTS_JSON) throw new Iperf3Error('PROTOCOL', `the server results length ${n} is not 1..${MAX_RESULTS_JSON}`);
          const parsed = parseResults(await read(n, 'the server results'));
          if (!parsed.ok) throw new Iperf3Error('PROTOCOL', `the server results: ${parsed.error.message}`, parsed.error.ierrno);
          for (const s of parsed.value.streams) {
            if (!streams.some((t) => t.id === s.id)) throw new Iperf3Error('PROTOCOL', `the server results name stream ${s.id}, which this test does not have`, IperfErrno.IESTREAMID);
          }
          server = parsed.value;
          break;
        }
        case IperfState.DISPLAY_RESULTS: {
          if (server === null) throw new Iperf3Error('PROTOCOL', 'DISPLAY_RESULTS before the results exchange');
          // As iperf3's client: IPERF_DONE, then every connection closed. The closes are awaited (a
          // moment at most), so the caller may close its stack right away without resetting them.
          await send(new Uint8Array([IperfState.IPERF_DONE]));
          const flows = [...streams.map((s) => s.flow), ctrl];
          if (!(await within(Promise.all(flows.map((f) => f.close())), clock, CLOSE_GRACE_MS))) for (const f of flows) f.abort();
          return summary(streams, server, cpu, (endTime - startTime) / 1000, params);
        }
        case IperfState.IPERF_DONE:
          break;
        case IperfState.ACCESS_DENIED:
          throw new Iperf3Error('ACCESS_DENIED', 'the server is busy running a test (ACCESS_DENIED)', IperfErrno.IEACCESSDENIED);
        case IperfState.SERVER_TERMINATE:
          throw new Iperf3Error('SERVER_TERMINATE', 'the server has terminated (SERVER_TERMINATE)', IperfErrno.IESERVERTERM);
        case IperfState.SERVER_ERROR: {
          const e = await read(8, 'the server error numbers');
          const view = new DataView(e.buffer, e.byteOffset, 8);
          const ierrno = view.getInt32(0);
          throw new Iperf3Error('SERVER_ERROR', `the server reported iperf3 error ${ierrno} (errno ${view.getInt32(4)})`, ierrno);
        }
        default:
          throw new Iperf3Error('PROTOCOL', `unknown control state ${state}`, IperfErrno.IEMESSAGE);
      }
    }
  }
}

function clientResults(streams: readonly DataStream[], cpu: CpuUtil, seconds: number): Iperf3Results {
  const sending = streams.some((s) => s.sender);
  return {
    cpuUtilTotal: cpu.total,
    cpuUtilUser: cpu.user,
    cpuUtilSystem: cpu.system,
    senderHasRetransmits: sending ? 0 : -1,
    streams: streams.map((s) => ({
      id: s.id, bytes: s.bytes, retransmits: -1, jitter: 0, errors: 0, packets: 0, startTime: 0, endTime: s.seconds || seconds,
    })),
  };
}

function direction(streams: readonly DataStream[], server: Iperf3Results, clientSends: boolean, ownSeconds: number): Iperf3Direction {
  let sentBytes = 0;
  let receivedBytes = 0;
  let seconds = 0;
  for (const s of streams) {
    if (s.sender !== clientSends) continue;
    const theirs = server.streams.find((t) => t.id === s.id);
    const theirBytes = theirs?.bytes ?? 0;
    const theirSeconds = theirs !== undefined && theirs.endTime !== undefined ? theirs.endTime - (theirs.startTime ?? 0) : 0;
    if (clientSends) {
      sentBytes += s.bytes;
      receivedBytes += theirBytes;
      seconds = Math.max(seconds, theirSeconds);
    } else {
      sentBytes += theirBytes;
      receivedBytes += s.bytes;
      seconds = Math.max(seconds, s.seconds);
    }
  }
  if (seconds <= 0) seconds = ownSeconds;
  return { sentBytes, receivedBytes, seconds, bitsPerSecond: seconds > 0 ? (receivedBytes * 8) / seconds : 0 };
}

function summary(streams: readonly DataStream[], server: Iperf3Results, cpu: CpuUtil, seconds: number, params: Iperf3Params): Iperf3ClientResult {
  const forward = direction(streams, server, !params.reverse, seconds);
  return {
    reverse: params.reverse,
    bidirectional: params.bidirectional,
    parallel: params.parallel,
    blockSize: params.blockSize,
    bytes: forward.receivedBytes,
    seconds: forward.seconds,
    bitsPerSecond: forward.bitsPerSecond,
    forward,
    ...(params.bidirectional ? { backward: direction(streams, server, false, seconds) } : {}),
    streams: streams.map((s) => ({
      id: s.id,
      sender: s.sender,
      bytes: s.bytes,
      serverBytes: server.streams.find((t) => t.id === s.id)?.bytes ?? 0,
      seconds: s.seconds || seconds,
    })),
    cpu,
    server,
  };
}
