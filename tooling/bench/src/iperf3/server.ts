// An iperf3 server over any Stack: answers Linux's `iperf3 -c` (and
// runIperf3Client) as iperf 3.12's server does (esnet/iperf
// src/iperf_server_api.c), TCP only.
import { StackError, type Cancel, type Counters, type Flow, type ListenOptions, type Listener, type Stack } from '@stack/interfaces';
import { formatIpv4 } from '@stack/wire';
import { cpuMeter, hostClock, within, type CpuUtil, type Iperf3Clock } from './clock.js';
import {
  encodeJsonMessage, jsonLength, parseParams, parseResults, resultsJson, sameCookie,
  type Iperf3Params, type Iperf3Results, type MessageError,
} from './messages.js';
import { COOKIE_SIZE, IPERF3_PORT, IperfErrno, IperfState, MAX_PARAMS_JSON, MAX_RESULTS_JSON, streamId } from './protocol.js';
import { FlowReader, isEnd, type ReadEnd } from './reader.js';
import { DataStream, SendBudget } from './stream.js';

/** Options of `serveIperf3`. */
export interface Iperf3ServerOptions {
  /** TCP port (default 5201, iperf3's). */
  port?: number;
  /** Passed to `stack.tcp.listen` (address, backlog). */
  listen?: ListenOptions;
  /** Time for stream durations and pacing (default: the host's clock; a SimScheduler in simulations). */
  clock?: Iperf3Clock;
  /** Finished tests kept in `results` and failures in `failures`, oldest dropped first (default 1000). */
  keep?: number;
  /** Called with each finished test. */
  onTest?: (summary: Iperf3TestSummary) => void;
  /**
   * A test must reach TEST_START (cookie, parameters, every stream) within
   * this many ms, or it is ended as `timeout` (default 10,000): a silent
   * connection does not hold the server.
   */
  setupTimeout?: number;
}

/** One stream of a finished test, as the server counted it. */
export interface Iperf3StreamSummary {
  readonly id: number;
  /** 'receive': the client sent on it; 'send': the server did (-R, --bidir). */
  readonly direction: 'receive' | 'send';
  readonly bytes: number;
  readonly seconds: number;
  /** How its flow ended during the test, if it did. */
  readonly ended: string | null;
}

/** A test the server saw through to IPERF_DONE. */
export interface Iperf3TestSummary {
  /** 1, 2, ...: the order tests began on this server. */
  readonly test: number;
  /** The client's control connection, `address:port`. */
  readonly remote: string;
  readonly reverse: boolean;
  readonly bidirectional: boolean;
  readonly parallel: number;
  readonly blockSize: number;
  /** Bytes the server moved: received plus sent, all streams. */
  readonly bytes: number;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  /** From TEST_START to TEST_END, seconds on the server's clock. */
  readonly seconds: number;
  readonly streams: readonly Iperf3StreamSummary[];
  /** The server's CPU use during the test (what it reported). */
  readonly cpu: CpuUtil;
  /** What the client reported in the results exchange. */
  readonly client: Iperf3Results;
  readonly params: Iperf3Params;
}

/** A test that ended without IPERF_DONE. */
export interface Iperf3TestFailure {
  readonly test: number;
  readonly remote: string;
  /** The counter it went under in `stats.errors`. */
  readonly reason: string;
  readonly message: string;
}

/**
 * The server's counters. `errors` by reason: `badCookie` (a data connection
 * with a wrong or short cookie: answered ACCESS_DENIED, the test goes on, as
 * iperf3 does), and for tests that failed: `badLength` (a JSON length of 0
 * or over the limit), `badJson`, `badParams`, `badResults`, `unsupported`
 * (UDP, SCTP), `unknownState` (a state byte unknown or out of order),
 * `controlClosed` (the control connection ended early), `clientTerminated`
 * (CLIENT_TERMINATE), `timeout` (no TEST_START within `setupTimeout`, or
 * no TEST_END by the test's time + omit + 40 s, as iperf3's server timer),
 * `serverClosed` (`close()` during a test), `internal`.
 */
export interface Iperf3ServerStats {
  /** Control connections taken as tests. */
  tests: number;
  completed: number;
  failed: number;
  /** Connections answered ACCESS_DENIED because a test was running (a second client). */
  denied: number;
  errors: Counters;
}

/** A running iperf3 server. */
export interface Iperf3Server {
  readonly port: number;
  /** Resolves once the stack listens (a socket stack binds a tick later); rejects if it cannot. */
  readonly ready: Promise<void>;
  /** Finished tests, oldest first. */
  readonly results: readonly Iperf3TestSummary[];
  /** Tests that failed, oldest first. */
  readonly failures: readonly Iperf3TestFailure[];
  readonly stats: Iperf3ServerStats;
  /** True while a test is under way. */
  readonly busy: boolean;
  /** Resolves when no test is under way (at once if none is). */
  idle(): Promise<void>;
  /** Stops listening; a test under way gets SERVER_TERMINATE and its connections are reset. Idempotent. */
  close(): Promise<void>;
}

type Phase = 'cookie' | 'params' | 'streams' | 'running' | 'ending' | 'results' | 'display' | 'done';

/** The test failed: counted under `reason`; `ierrno` is sent as SERVER_ERROR when the client waits for a state. */
class TestFailure {
  constructor(
    readonly reason: string,
    readonly message: string,
    readonly ierrno?: number,
  ) {}
}

const ACCESS_DENIED = new Uint8Array([IperfState.ACCESS_DENIED & 0xff]);
/** How long `close()` lets graceful closes finish before resetting, ms. */
const CLOSE_GRACE_MS = 1000;
/** How long TEST_END waits for the writes under way, ms. */
const END_GRACE_MS = 2000;

function endText(e: ReadEnd): string {
  return e.eof ? 'the peer closed it' : `it failed (${e.error})`;
}

function formatRemote(flow: Flow): string {
  return `${formatIpv4(flow.remote.address)}:${flow.remote.port}`;
}

/**
 * Serves iperf3 on `stack` (TCP, `options.port`, default 5201), one test at
 * a time as iperf3's server does: a second client while a test runs gets
 * ACCESS_DENIED; after a test (or a failed one) the next client is served.
 *
 * Protocol (iperf 3.12): the client's control connection sends a 37-byte
 * cookie; the server sends the one-byte state PARAM_EXCHANGE and reads the
 * parameter JSON (4-byte big-endian length + JSON), sends CREATE_STREAMS,
 * takes `parallel` data connections (2 × with --bidir) that each open with
 * the same cookie (a wrong one: ACCESS_DENIED on that connection), numbers
 * them 1, 3, 4, ... in arrival order, sends TEST_START and TEST_RUNNING,
 * receives (or with -R sends a reused block, awaiting each write) until the
 * client's TEST_END, sends EXCHANGE_RESULTS, reads the client's results
 * JSON and sends its own (cpu_util_*, sender_has_retransmits, streams with
 * id, bytes, retransmits, jitter, errors, packets, start_time, end_time),
 * sends DISPLAY_RESULTS and waits for IPERF_DONE.
 *
 * Malformed input (a bad length, JSON or parameters, an unknown state)
 * ends that test: SERVER_ERROR with iperf3's error number when the client
 * waits for a state byte, its connections closed, the reason counted in
 * `stats.errors`; never an exception. UDP and SCTP tests are refused with
 * SERVER_ERROR IEUNIMP. Throws StackError for a bad port or a stack without TCP.
 */
export function serveIperf3(stack: Stack, options: Iperf3ServerOptions = {}): Iperf3Server {
  const port = options.port ?? IPERF3_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) {
    throw new StackError('ERR_INVALID_ARGUMENT', `serveIperf3: port must be an integer 1..65535, got ${String(port)}`);
  }
  const keep = options.keep ?? 1000;
  if (!Number.isInteger(keep) || keep < 0) throw new StackError('ERR_INVALID_ARGUMENT', `serveIperf3: keep must be an integer ≥ 0, got ${String(keep)}`);
  const tcp = stack.tcp;
  if (tcp === undefined) throw new StackError('ERR_UNSUPPORTED', `serveIperf3: the stack "${stack.name}" has no TCP`);
  const clock = options.clock ?? hostClock;
  const setupTimeout = options.setupTimeout ?? 10_000;
  if (!(setupTimeout > 0)) throw new StackError('ERR_INVALID_ARGUMENT', `serveIperf3: setupTimeout must be > 0 ms, got ${String(setupTimeout)}`);
  const results: Iperf3TestSummary[] = [];
  const failures: Iperf3TestFailure[] = [];
  const stats: Iperf3ServerStats = { tests: 0, completed: 0, failed: 0, denied: 0, errors: {} };
  /** Flows closing gracefully after their test; `close()` gives them a grace period, then resets them. */
  const closing = new Map<Flow, Promise<void>>();
  let current: ServerTest | null = null;
  let closed = false;
  let closePromise: Promise<void> | null = null;
  let idleWaiters: (() => void)[] = [];

  const count = (reason: string): void => {
    stats.errors[reason] = (stats.errors[reason] ?? 0) + 1;
  };
  const push = <T>(list: T[], item: T): void => {
    list.push(item);
    if (list.length > keep) list.splice(0, list.length - keep);
  };
  /** Closes a flow gracefully without waiting for it (server.close() resets what is left). */
  const release = (flow: Flow): void => {
    if (closing.has(flow)) return;
    const done = flow.close().then(
      () => void closing.delete(flow),
      () => void closing.delete(flow),
    );
    closing.set(flow, done);
  };
  const deny = async (flow: Flow): Promise<void> => {
    try {
      await flow.write(ACCESS_DENIED);
    } catch {
      // closed under us
    }
    release(flow);
  };

  const host: TestHost = {
    clock,
    setupTimeout,
    count,
    release,
    deny,
    finished(test, outcome) {
      if (outcome instanceof TestFailure) {
        stats.failed++;
        count(outcome.reason);
        push(failures, { test: test.number, remote: test.remote, reason: outcome.reason, message: outcome.message });
      } else {
        stats.completed++;
        push(results, outcome);
        try {
          options.onTest?.(outcome);
        } catch {
          // the caller's callback: not the protocol's concern
        }
      }
      if (current === test) current = null;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };

  const onFlow = (flow: Flow): void => {
    if (closed) {
      flow.abort();
      return;
    }
    if (current === null) {
      stats.tests++;
      current = new ServerTest(host, flow, stats.tests);
      return;
    }
    if (current.acceptsStreams) {
      current.addStream(flow);
      return;
    }
    stats.denied++;
    void deny(flow);
  };

  const listener: Listener = tcp.listen(port, onFlow, options.listen);
  const ready = listener.ready;
  // Not awaited by the caller: the rejection still surfaces through `ready` when asked for.
  ready.catch(() => {});

  return {
    port,
    ready,
    results,
    failures,
    stats,
    get busy() {
      return current !== null;
    },
    idle() {
      if (current === null) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    close() {
      if (closePromise !== null) return closePromise;
      closed = true;
      closePromise = (async () => {
        const test = current;
        await listener.close();
        if (test !== null) await test.terminate();
        // Graceful closes under way get a moment, so their FINs go out; what is left then is reset.
        if (closing.size > 0) await within(Promise.all(closing.values()), clock, CLOSE_GRACE_MS);
        for (const f of closing.keys()) f.abort();
        closing.clear();
      })();
      return closePromise;
    },
  };
}

/** What a test needs from its server. */
interface TestHost {
  readonly clock: Iperf3Clock;
  readonly setupTimeout: number;
  count(reason: string): void;
  release(flow: Flow): void;
  deny(flow: Flow): Promise<void>;
  finished(test: ServerTest, outcome: Iperf3TestSummary | TestFailure): void;
}

/** One test, from the control connection's cookie to IPERF_DONE. */
class ServerTest {
  readonly remote: string;
  phase: Phase = 'cookie';
  readonly #host: TestHost;
  readonly #control: Flow;
  readonly #reader: FlowReader;
  #cookie: Uint8Array | null = null;
  #params: Iperf3Params | null = null;
  readonly #streams: DataStream[] = [];
  /** Data connections not yet streams (reading their cookie). */
  readonly #pending = new Set<Flow>();
  /** Bytes that came right behind a stream's cookie, before the test started. */
  readonly #early = new Map<DataStream, Uint8Array[]>();
  /** Data connections are checked one at a time, in arrival order, so their ids match the client's. */
  #accepting: Promise<void> = Promise.resolve();
  #toReceive = 0;
  #toSend = 0;
  #started = false;
  /** The data connections were closed at TEST_END: from then on `close()`'s grace period owns them. */
  #streamsReleased = false;
  #startTime = 0;
  #endTime = 0;
  #cpu: (() => CpuUtil) | null = null;
  /** The setup timer, then iperf3's test timer (time + omit + 40 s). */
  #timer: Cancel | null = null;
  #cpuUtil: CpuUtil = { total: 0, user: 0, system: 0 };
  #failure: TestFailure | null = null;
  readonly #done: Promise<void>;

  constructor(
    host: TestHost,
    control: Flow,
    readonly number: number,
  ) {
    this.#host = host;
    this.#control = control;
    this.#reader = new FlowReader(control);
    this.remote = formatRemote(control);
    this.#timer = host.clock.at(host.clock.now() + host.setupTimeout, () => this.#timeout('did not start'));
    this.#done = this.#run();
  }

  /** The test took too long: ended as `timeout`, everything reset. */
  #timeout(what: string): void {
    this.#timer = null;
    if (this.phase === 'done') return;
    this.#failure ??= new TestFailure('timeout', `the test ${what} in time (phase ${this.phase})`);
    this.#control.abort();
    if (!this.#streamsReleased) for (const s of this.#streams) s.flow.abort();
    for (const f of this.#pending) f.abort();
  }

  /** True while data connections belong to this test (after CREATE_STREAMS, until all came). */
  get acceptsStreams(): boolean {
    return this.phase === 'streams';
  }

  async #run(): Promise<void> {
    let outcome: Iperf3TestSummary | TestFailure;
    try {
      outcome = await this.#protocol();
    } catch (e) {
      outcome = e instanceof TestFailure ? e : new TestFailure('internal', e instanceof Error ? e.message : String(e));
    }
    this.#timer?.();
    this.#timer = null;
    if (this.#failure !== null) outcome = this.#failure; // terminate() or a timeout came first
    const failed = outcome instanceof TestFailure;
    const told = failed && (await this.#sendError(outcome as TestFailure));
    this.phase = 'done';
    // Data connections: closed at TEST_END, reset on a failure before it.
    if (failed && !this.#streamsReleased) for (const s of this.#streams) s.flow.abort();
    for (const f of this.#pending) f.abort();
    this.#pending.clear();
    // A client told why (SERVER_ERROR) gets a graceful close, so the reason arrives before the end.
    if (failed && !told) this.#control.abort();
    else this.#host.release(this.#control);
    this.#host.finished(this, outcome);
  }

  /** Sends SERVER_ERROR and the error number when the client is waiting for a state byte; true when sent. */
  async #sendError(f: TestFailure): Promise<boolean> {
    if (f.ierrno === undefined || this.#failure !== null) return false;
    if (this.phase === 'cookie' || this.phase === 'results' || this.phase === 'done') return false;
    const msg = new Uint8Array(9);
    const view = new DataView(msg.buffer);
    msg[0] = IperfState.SERVER_ERROR & 0xff;
    view.setInt32(1, f.ierrno);
    view.setInt32(5, 0);
    try {
      return (await this.#control.write(msg)) === null;
    } catch {
      return false; // closed under us
    }
  }

  /** The server is closing: SERVER_TERMINATE to the client, then everything reset. */
  async terminate(): Promise<void> {
    if (this.phase === 'done') return this.#done;
    if (this.#failure === null) this.#failure = new TestFailure('serverClosed', 'the server closed during the test');
    if (this.phase !== 'cookie' && this.phase !== 'results') {
      try {
        await this.#control.write(new Uint8Array([IperfState.SERVER_TERMINATE]));
      } catch {
        // closed under us
      }
    }
    this.#control.abort();
    if (!this.#streamsReleased) for (const s of this.#streams) s.flow.abort();
    for (const f of this.#pending) f.abort();
    return this.#done;
  }

  async #send(bytes: Uint8Array): Promise<void> {
    let r;
    try {
      r = await this.#control.write(bytes);
    } catch {
      r = 'closed';
    }
    if (r !== null) throw new TestFailure('controlClosed', `writing to the control connection failed (${r})`);
  }

  async #sendState(...states: number[]): Promise<void> {
    await this.#send(new Uint8Array(states.map((s) => s & 0xff)));
  }

  async #read(n: number, what: string): Promise<Uint8Array> {
    const r = await this.#reader.readExact(n);
    if (isEnd(r)) throw new TestFailure('controlClosed', `the control connection ended while reading ${what}: ${endText(r)}`, IperfErrno.IECTRLCLOSE);
    return r;
  }

  async #readJson<T>(what: string, limit: number, ierrno: number, parse: (b: Uint8Array) => { ok: true; value: T } | { ok: false; error: MessageError }): Promise<T> {
    const n = jsonLength(await this.#read(4, `the length of the ${what}`));
    if (n === 0 || n > limit) throw new TestFailure('badLength', `the ${what} length ${n} is not 1..${limit}`, ierrno);
    const parsed = parse(await this.#read(n, `the ${what}`));
    if (!parsed.ok) throw new TestFailure(parsed.error.reason, `the ${what}: ${parsed.error.message}`, parsed.error.ierrno);
    return parsed.value;
  }

  async #protocol(): Promise<Iperf3TestSummary> {
    const cookie = await this.#reader.readExact(COOKIE_SIZE);
    if (isEnd(cookie)) throw new TestFailure('controlClosed', `the control connection ended before its cookie: ${endText(cookie)}`);
    this.#cookie = cookie.slice();
    this.phase = 'params';
    await this.#sendState(IperfState.PARAM_EXCHANGE);
    const params = await this.#readJson('parameters', MAX_PARAMS_JSON, IperfErrno.IERECVPARAMS, parseParams);
    if (params.protocol !== 'tcp') throw new TestFailure('unsupported', `${params.protocol.toUpperCase()} tests are not supported`, IperfErrno.IEUNIMP);
    this.#params = params;
    this.#toReceive = params.reverse ? 0 : params.parallel;
    this.#toSend = params.reverse || params.bidirectional ? params.parallel : 0;
    this.phase = 'streams';
    await this.#sendState(IperfState.CREATE_STREAMS);

    let client: Iperf3Results | null = null;
    for (;;) {
      const state = await this.#reader.readState();
      if (typeof state !== 'number') {
        throw new TestFailure('controlClosed', `the control connection ended in phase ${this.phase}: ${endText(state)}`);
      }
      if (this.#failure !== null) throw this.#failure;
      const phase = this.phase as Phase; // changed by the stream side meanwhile
      switch (state) {
        case IperfState.TEST_START:
          break; // iperf3's server ignores it too
        case IperfState.TEST_END:
          if (phase !== 'streams' && phase !== 'running') {
            throw new TestFailure('unknownState', `TEST_END in phase ${phase}`, IperfErrno.IEMESSAGE);
          }
          await this.#end();
          this.phase = 'results';
          await this.#sendState(IperfState.EXCHANGE_RESULTS);
          client = await this.#readJson('client results', MAX_RESULTS_JSON, IperfErrno.IERECVRESULTS, parseResults);
          for (const s of client.streams) {
            if (!this.#streams.some((t) => t.id === s.id)) {
              throw new TestFailure('badResults', `the client results name stream ${s.id}, which this test does not have`, IperfErrno.IESTREAMID);
            }
          }
          await this.#send(encodeJsonMessage(resultsJson(this.#results())));
          this.phase = 'display';
          await this.#sendState(IperfState.DISPLAY_RESULTS);
          break;
        case IperfState.IPERF_DONE:
          if (phase !== 'display' || client === null) {
            throw new TestFailure('unknownState', `IPERF_DONE in phase ${phase}`, IperfErrno.IEMESSAGE);
          }
          return this.#summary(params, client);
        case IperfState.CLIENT_TERMINATE:
          throw new TestFailure('clientTerminated', 'the client terminated the test');
        default:
          throw new TestFailure('unknownState', `unknown control state ${state} in phase ${phase}`, IperfErrno.IEMESSAGE);
      }
    }
  }

  /** A data connection arrived while the test takes streams. */
  addStream(flow: Flow): void {
    this.#pending.add(flow);
    this.#accepting = this.#accepting
      .then(() => this.#acceptStream(flow))
      .catch((e: unknown) => {
        this.#failure ??= new TestFailure('internal', e instanceof Error ? e.message : String(e));
        this.#control.abort(); // the control loop sees it and ends the test
      });
  }

  async #acceptStream(flow: Flow): Promise<void> {
    const reader = new FlowReader(flow);
    const cookie = await reader.readExact(COOKIE_SIZE);
    if (!this.#pending.delete(flow)) return; // the test ended meanwhile (and reset it)
    if (isEnd(cookie) || this.#cookie === null || !sameCookie(cookie, this.#cookie)) {
      // iperf3: ACCESS_DENIED on that connection, and the test goes on.
      this.#host.count('badCookie');
      await this.#host.deny(flow);
      return;
    }
    if (this.phase !== 'streams') {
      // One more stream than asked for (or the test ended): as iperf3, a connection after the streams is denied.
      await this.#host.deny(flow);
      return;
    }
    // As iperf3's server: first the streams it receives on, then those it sends on.
    const receiving = this.#streams.filter((s) => !s.sender).length;
    const stream = new DataStream(streamId(this.#streams.length), receiving >= this.#toReceive, flow);
    this.#streams.push(stream);
    const early = reader.takeBuffered();
    if (early.length > 0) this.#early.set(stream, early);
    if (this.#streams.length === this.#toReceive + this.#toSend) await this.#start();
  }

  async #start(): Promise<void> {
    const params = this.#params!;
    this.phase = 'running';
    this.#started = true;
    this.#cpu = cpuMeter();
    this.#startTime = this.#host.clock.now();
    this.#timer?.();
    this.#timer = null;
    if (params.time > 0 && params.bytes === 0 && params.blocks === 0) {
      // iperf3's server timer: a test is over by its time, the omitted seconds and 40 s of grace.
      this.#timer = this.#host.clock.at(this.#startTime + (params.time + params.omit + 40) * 1000, () => this.#timeout('did not end'));
    }
    try {
      await this.#sendState(IperfState.TEST_START, IperfState.TEST_RUNNING);
    } catch (e) {
      this.#failure ??= e as TestFailure;
      this.#control.abort(); // the control loop sees it and ends the test
      return;
    }
    if ((this.phase as Phase) !== 'running') return; // ended meanwhile
    const now = this.#host.clock.now();
    const block = new Uint8Array(params.blockSize);
    for (let i = 0; i < block.length; i++) block[i] = 0x30 + (i % 10); // iperf3's --repeating-payload pattern
    const budget = new SendBudget(params.bytes, params.blocks);
    for (const s of this.#streams) {
      if (s.sender) s.startSending(now, { block, clock: this.#host.clock, bitsPerSecond: params.bandwidth, budget });
      else s.startReceiving(now, this.#early.get(s));
    }
    this.#early.clear();
  }

  /** TEST_END: stop counting (a sender's write under way completes first), then close the streams, as iperf3 does. */
  async #end(): Promise<void> {
    this.phase = 'ending';
    const now = this.#host.clock.now();
    this.#endTime = now;
    if (!this.#started) this.#startTime = now; // ended before all streams came
    this.#timer?.();
    this.#timer = null;
    // A sender's write under way completes when the client reads on (iperf3's client drains after
    // TEST_END); one that does not is reset after a moment, its block not counted.
    const stops = Promise.all(this.#streams.map((s) => s.stop(now)));
    if (!(await within(stops, this.#host.clock, END_GRACE_MS))) {
      for (const s of this.#streams) if (s.sender) s.flow.abort();
      await stops;
    }
    this.#cpuUtil = this.#cpu?.() ?? this.#cpuUtil;
    this.#streamsReleased = true;
    for (const s of this.#streams) this.#host.release(s.flow);
  }

  #results(): Iperf3Results {
    const params = this.#params!;
    const sending = this.#streams.some((s) => s.sender);
    const bytesIn = this.#streams.filter((s) => !s.sender).reduce((n, s) => n + s.bytes, 0);
    const bytesOut = this.#streams.filter((s) => s.sender).reduce((n, s) => n + s.bytes, 0);
    return {
      cpuUtilTotal: this.#cpuUtil.total,
      cpuUtilUser: this.#cpuUtil.user,
      cpuUtilSystem: this.#cpuUtil.system,
      // Retransmissions are the stack's business, not visible through the Stack contract: 0 ("unknown") when sending.
      senderHasRetransmits: sending ? 0 : -1,
      ...(params.getServerOutput
        ? { serverOutputText: `@stack iperf3 server: received ${bytesIn} bytes, sent ${bytesOut} bytes in ${this.#seconds().toFixed(2)} s\n` }
        : {}),
      streams: this.#streams.map((s) => ({
        id: s.id,
        bytes: s.bytes,
        retransmits: -1,
        jitter: 0,
        errors: 0,
        packets: 0,
        startTime: 0,
        endTime: s.seconds,
      })),
    };
  }

  #seconds(): number {
    return Math.max(0, this.#endTime - this.#startTime) / 1000;
  }

  #summary(params: Iperf3Params, client: Iperf3Results): Iperf3TestSummary {
    const streams = this.#streams.map((s) => ({
      id: s.id,
      direction: s.sender ? ('send' as const) : ('receive' as const),
      bytes: s.bytes,
      seconds: s.seconds,
      ended: s.ended,
    }));
    const bytesReceived = streams.filter((s) => s.direction === 'receive').reduce((n, s) => n + s.bytes, 0);
    const bytesSent = streams.filter((s) => s.direction === 'send').reduce((n, s) => n + s.bytes, 0);
    return {
      test: this.number,
      remote: this.remote,
      reverse: params.reverse,
      bidirectional: params.bidirectional,
      parallel: params.parallel,
      blockSize: params.blockSize,
      bytes: bytesReceived + bytesSent,
      bytesReceived,
      bytesSent,
      seconds: this.#seconds(),
      streams,
      cpu: this.#cpuUtil,
      client,
      params,
    };
  }
}
