// The JSON messages of the iperf3 control channel: the client's test
// parameters (iperf 3.12 send_parameters/get_parameters) and each side's
// results (send_results/get_results), framed as a 4-byte big-endian length
// and the JSON text (JSON_write/JSON_read). Parsing untrusted text never
// throws: it says what was wrong.
import type { Random } from '@stack/interfaces';
import { readU32, writeU32 } from '@stack/wire';
import {
  COOKIE_CHARS, COOKIE_SIZE, DEFAULT_TCP_BLOCK_SIZE, IperfErrno, MAX_BLOCK_SIZE, MAX_STREAMS, MAX_TIME,
} from './protocol.js';

/** A test as the client asks for it (the parameters iperf3's server honours over a `Stack`). */
export interface Iperf3Params {
  /** 'tcp' (no key: tcp, as iperf3's server assumes). UDP and SCTP are refused by this server. */
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  /** Test length the client runs, seconds ("time"; the client times the test). */
  readonly time: number;
  /** Seconds the client omits from its figures ("omit"). */
  readonly omit: number;
  /** Bytes to move, 0: no limit ("num", `-n`). */
  readonly bytes: number;
  /** Blocks to move, 0: no limit ("blockcount", `-k`). */
  readonly blocks: number;
  /** Streams ("parallel", `-P`), 1..128. */
  readonly parallel: number;
  /** The server sends (`-R`). */
  readonly reverse: boolean;
  /** Both send (`--bidir`): first `parallel` streams client → server, then `parallel` back. */
  readonly bidirectional: boolean;
  /** Bytes per write ("len", `-l`), 1..1 MiB; 128 KiB when absent. */
  readonly blockSize: number;
  /** Pacing per stream, bits per second, 0: none ("bandwidth", `-b`). */
  readonly bandwidth: number;
  /** The client wants the server's output in the results ("get_server_output", `--get-server-output`). */
  readonly getServerOutput: boolean;
  /** "client_version", when sent (3.12 sends it; not checked). */
  readonly clientVersion?: string;
}

/** One stream in a results message. */
export interface Iperf3StreamResult {
  /** The stream's id (1, 3, 4, ...: see `streamId`). */
  readonly id: number;
  /** Bytes this side sent on it (a sending stream) or received (a receiving one). */
  readonly bytes: number;
  /** TCP retransmissions, -1: unknown. */
  readonly retransmits: number;
  /** UDP only: jitter (ms), lost and received datagrams; 0 for TCP. */
  readonly jitter: number;
  readonly errors: number;
  readonly packets: number;
  /** Seconds from the test start, to when the stream started and ended (optional before iperf 3.2). */
  readonly startTime?: number;
  readonly endTime?: number;
}

/** One side's results, exchanged after TEST_END. */
export interface Iperf3Results {
  /** CPU use of the process during the test, percent: total, user, system. */
  readonly cpuUtilTotal: number;
  readonly cpuUtilUser: number;
  readonly cpuUtilSystem: number;
  /** 1: the sending side knows TCP retransmissions; 0: it does not; -1: this side did not send. */
  readonly senderHasRetransmits: number;
  readonly congestionUsed?: string;
  /** iperf3's `--get-server-output` text, when asked for. */
  readonly serverOutputText?: string;
  readonly streams: readonly Iperf3StreamResult[];
}

/** Why a message was refused, and the iperf3 error number a server reports for it. */
export interface MessageError {
  readonly reason: 'badJson' | 'badParams' | 'badResults' | 'unsupported';
  /** iperf3's `i_errno` for a SERVER_ERROR reply. */
  readonly ierrno: number;
  readonly message: string;
}

/** A parse outcome: the value, or why not. */
export type MessageResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: MessageError };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** A control-channel JSON message: 4-byte big-endian length, then the JSON text (UTF-8, no terminator). */
export function encodeJsonMessage(value: unknown): Uint8Array {
  const text = encoder.encode(JSON.stringify(value));
  const out = new Uint8Array(4 + text.length);
  writeU32(out, 0, text.length);
  out.set(text, 4);
  return out;
}

/** The length prefix of a JSON message. */
export function jsonLength(header: Uint8Array): number {
  return readU32(header, 0);
}

/** Parses JSON text into a plain object, or says why it is not one. */
export function parseJsonObject(bytes: Uint8Array, reason: MessageError['reason'], ierrno: number): MessageResult<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    return bad('badJson', ierrno, `not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return bad(reason === 'badJson' ? 'badJson' : reason, ierrno, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return { ok: true, value: value as Record<string, unknown> };
}

function bad<T>(reason: MessageError['reason'], ierrno: number, message: string): MessageResult<T> {
  return { ok: false, error: { reason, ierrno, message } };
}

/** A flag key: absent, or `true` (as iperf3's cJSON_AddTrueToObject writes it). */
function flag(j: Record<string, unknown>, key: string): boolean | string {
  const v = j[key];
  if (v === undefined) return false;
  if (v === true) return true;
  return `"${key}" must be true when present, got ${JSON.stringify(v)}`;
}

/** A whole-number key: absent (the default), or an integer in [min, max]. */
function int(j: Record<string, unknown>, key: string, dflt: number, min: number, max: number): number | string {
  const v = j[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return `"${key}" must be an integer ${min}..${max}, got ${JSON.stringify(v)}`;
  }
  return v;
}

/**
 * Reads the client's parameters (iperf3 get_parameters), checking what this
 * server relies on: the flags are `true`, the numbers integers in iperf3's
 * ranges, `parallel` 1..128, `len` 1..1 MiB, not both reverse and
 * bidirectional. Keys it does not use (MSS, window, TOS, congestion, title,
 * ...) are ignored, as a kernel-less server cannot honour them. UDP and
 * SCTP come back as protocol 'udp'/'sctp' for the caller to refuse.
 */
export function parseParams(bytes: Uint8Array): MessageResult<Iperf3Params> {
  const E = IperfErrno.IERECVPARAMS;
  const parsed = parseJsonObject(bytes, 'badJson', E);
  if (!parsed.ok) return parsed;
  const j = parsed.value;
  const tcp = flag(j, 'tcp');
  const udp = flag(j, 'udp');
  const sctp = flag(j, 'sctp');
  const reverse = flag(j, 'reverse');
  const bidirectional = flag(j, 'bidirectional');
  for (const f of [tcp, udp, sctp, reverse, bidirectional]) if (typeof f === 'string') return bad('badParams', E, f);
  const time = int(j, 'time', 10, 0, MAX_TIME);
  const omit = int(j, 'omit', 0, 0, MAX_TIME);
  const num = int(j, 'num', 0, 0, Number.MAX_SAFE_INTEGER);
  const blocks = int(j, 'blockcount', 0, 0, Number.MAX_SAFE_INTEGER);
  const bandwidth = int(j, 'bandwidth', 0, 0, Number.MAX_SAFE_INTEGER);
  const getServerOutput = int(j, 'get_server_output', 0, 0, 1);
  for (const n of [time, omit, num, blocks, bandwidth, getServerOutput]) if (typeof n === 'string') return bad('badParams', E, n);
  const parallel = int(j, 'parallel', 1, 1, MAX_STREAMS);
  if (typeof parallel === 'string') return bad('badParams', IperfErrno.IENUMSTREAMS, parallel);
  const len = int(j, 'len', 0, 0, MAX_BLOCK_SIZE);
  if (typeof len === 'string') return bad('badParams', IperfErrno.IEBLOCKSIZE, len);
  if (reverse === true && bidirectional === true) return bad('badParams', E, '"reverse" and "bidirectional" exclude each other');
  const version = j.client_version;
  if (version !== undefined && typeof version !== 'string') return bad('badParams', E, `"client_version" must be a string, got ${JSON.stringify(version)}`);
  const protocol = udp === true ? 'udp' : sctp === true ? 'sctp' : 'tcp';
  const value: Iperf3Params = {
    protocol,
    time: time as number,
    omit: omit as number,
    bytes: num as number,
    blocks: blocks as number,
    parallel,
    reverse: reverse === true,
    bidirectional: bidirectional === true,
    blockSize: len === 0 ? DEFAULT_TCP_BLOCK_SIZE : len,
    bandwidth: bandwidth as number,
    getServerOutput: getServerOutput === 1,
    ...(version !== undefined ? { clientVersion: version } : {}),
  };
  return { ok: true, value };
}

/** The parameter JSON as iperf 3.12's client writes it (send_parameters), for our client. */
export function paramsJson(p: Iperf3Params): Record<string, unknown> {
  const j: Record<string, unknown> = {};
  j[p.protocol] = true;
  j.omit = p.omit;
  j.time = p.time;
  j.num = p.bytes;
  j.blockcount = p.blocks;
  j.parallel = p.parallel;
  if (p.reverse) j.reverse = true;
  if (p.bidirectional) j.bidirectional = true;
  j.len = p.blockSize;
  if (p.bandwidth > 0) j.bandwidth = p.bandwidth;
  j.pacing_timer = 1000;
  if (p.getServerOutput) j.get_server_output = 1;
  if (p.clientVersion !== undefined) j.client_version = p.clientVersion;
  return j;
}

/** A results message as iperf3 writes it (send_results). */
export function resultsJson(r: Iperf3Results): Record<string, unknown> {
  const j: Record<string, unknown> = {
    cpu_util_total: r.cpuUtilTotal,
    cpu_util_user: r.cpuUtilUser,
    cpu_util_system: r.cpuUtilSystem,
    sender_has_retransmits: r.senderHasRetransmits,
  };
  if (r.congestionUsed !== undefined) j.congestion_used = r.congestionUsed;
  if (r.serverOutputText !== undefined) j.server_output_text = r.serverOutputText;
  j.streams = r.streams.map((s) => ({
    id: s.id,
    bytes: s.bytes,
    retransmits: s.retransmits,
    jitter: s.jitter,
    errors: s.errors,
    packets: s.packets,
    ...(s.startTime !== undefined ? { start_time: s.startTime } : {}),
    ...(s.endTime !== undefined ? { end_time: s.endTime } : {}),
  }));
  return j;
}

function num(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Reads the other side's results (iperf3 get_results): the cpu_util_* and
 * sender_has_retransmits numbers and a `streams` array whose entries have
 * numeric id, bytes, retransmits, jitter, errors, packets (start_time and
 * end_time optional) are required, as iperf3 requires them.
 */
export function parseResults(bytes: Uint8Array): MessageResult<Iperf3Results> {
  const E = IperfErrno.IERECVRESULTS;
  const parsed = parseJsonObject(bytes, 'badJson', E);
  if (!parsed.ok) return parsed;
  const j = parsed.value;
  const total = num(j, 'cpu_util_total');
  const user = num(j, 'cpu_util_user');
  const system = num(j, 'cpu_util_system');
  const retrans = num(j, 'sender_has_retransmits');
  if (total === undefined || user === undefined || system === undefined || retrans === undefined) {
    return bad('badResults', E, 'results need numbers cpu_util_total, cpu_util_user, cpu_util_system and sender_has_retransmits');
  }
  if (!Array.isArray(j.streams)) return bad('badResults', E, 'results need a "streams" array');
  const streams: Iperf3StreamResult[] = [];
  for (const [i, s] of (j.streams as unknown[]).entries()) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return bad('badResults', E, `streams[${i}] is not an object`);
    const o = s as Record<string, unknown>;
    const id = num(o, 'id');
    const b = num(o, 'bytes');
    const rt = num(o, 'retransmits');
    const jitter = num(o, 'jitter');
    const errors = num(o, 'errors');
    const packets = num(o, 'packets');
    if (id === undefined || b === undefined || rt === undefined || jitter === undefined || errors === undefined || packets === undefined) {
      return bad('badResults', E, `streams[${i}] needs numbers id, bytes, retransmits, jitter, errors and packets`);
    }
    const start = num(o, 'start_time');
    const end = num(o, 'end_time');
    streams.push({
      id, bytes: b, retransmits: rt, jitter, errors, packets,
      ...(start !== undefined ? { startTime: start } : {}),
      ...(end !== undefined ? { endTime: end } : {}),
    });
  }
  const congestion = j.congestion_used;
  const output = j.server_output_text;
  return {
    ok: true,
    value: {
      cpuUtilTotal: total, cpuUtilUser: user, cpuUtilSystem: system, senderHasRetransmits: retrans,
      ...(typeof congestion === 'string' ? { congestionUsed: congestion } : {}),
      ...(typeof output === 'string' ? { serverOutputText: output } : {}),
      streams,
    },
  };
}

/** A fresh cookie (iperf3 make_cookie): 36 characters of [a-z2-7] from `random`, then a NUL. */
export function makeCookie(random: Pick<Random, 'fill'>): Uint8Array {
  const cookie = new Uint8Array(COOKIE_SIZE);
  random.fill(cookie);
  for (let i = 0; i < COOKIE_SIZE - 1; i++) cookie[i] = COOKIE_CHARS.charCodeAt(cookie[i]! % COOKIE_CHARS.length);
  cookie[COOKIE_SIZE - 1] = 0;
  return cookie;
}

/** True when two cookies match as iperf3 compares them (strcmp: up to the first NUL). */
export function sameCookie(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < COOKIE_SIZE; i++) {
    const x = a[i] ?? 0;
    if (x !== (b[i] ?? 0)) return false;
    if (x === 0) return true;
  }
  return true;
}
