// A packetdrill-style script runner for engine tests (test-only: not
// exported from the package, not built). A script is a list of steps:
//
//   [time, '<', 'S 0:0(0) win 65535 <mss 1460,sackOK,TS val 100 ecr 0,nop,wscale 7>']  inject
//   [time, '>', 'S. 0:0(0) ack 1 win 65535 <mss 1460,...>']                               expect
//   [time, 'call', (conn) => ...]                                                         application
//   [time, '<<', '...']   inject without polling after it (two segments in one batch)
//
// `time` is virtual ms: a number (absolute) or '+n' (after the previous step).
// Between steps the runner calls `poll` at every `nextDeadline()` the
// engine asks for, so timers fire at their exact times; a segment the
// engine sends that the script did not expect at exactly that time fails.
//
// Segments are written as packetdrill does: flags (S F R P and '.' for
// ACK), `start:end(len)`, `ack n`, `win n`, `<options>`. Sequence numbers
// are relative: what we send to our ISS, what the peer sends to `peerIsn`
// (and acks and SACK blocks the other way round). Timestamps are absolute.
// Options: mss n, sackOK, TS val n ecr n, nop, wscale n, sack a:b c:d. In an
// expected segment, `ack`, `win`, `gso n` (SegmentOut.gsoSize, 0 for an
// ordinary segment) and `<options>` are checked only when written (`<>`: no
// options at all); `*` matches any TS val or ecr; PSH is
// checked only when `P` is written. Payload bytes are `pattern(relSeq)` both ways:
// injected data carries it, and data we send is checked against it.
//
// Injected segments go through emitTcp and SegmentIn.readFrom, and sent
// ones through emitTcp and parseTcp (checksum verified), so the wire path
// is exercised too. Failures print the script so far as tcpdump-like lines.

import { TcpFlags as F } from '../wire/fields.js';
import { formatTcpSegment } from '../wire/format.js';
import type { TcpOptions } from '../wire/options.js';
import { emitTcp, parseTcp, tcpBufferLen, tcpHeaderLen, type TcpRepr } from '../wire/segment.js';
import { seqAdd, seqDiff } from '../wire/seq.js';
import type { TcpConnection } from './connection.js';
import { SegmentIn, type SegmentOut, type TcpOutput } from './segment.js';

/** Local and remote IPv4 addresses used for checksums in scripts. */
export const LOCAL_ADDR = 0x0a000001;
export const REMOTE_ADDR = 0x0a000002;
/** The peer's ISN in scripts unless told otherwise. */
export const PEER_ISN = 1_000_000;

/** Payload byte for relative sequence number `rel`: both directions carry this pattern. */
export function pattern(rel: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = ((rel + i) * 31 + 7) & 0xff;
  return b;
}

export type Step =
  | readonly [time: number | string, dir: '<' | '<<' | '>', segment: string]
  | readonly [time: number | string, dir: 'call', fn: (conn: TcpConnection, now: number) => void];

interface SegText {
  flags: number;
  start: number;
  end: number;
  len: number;
  ack: number | undefined;
  win: number | undefined;
  gso: number | undefined;
  options: ParsedOptions | undefined;
}

interface ParsedOptions {
  /** SACK blocks, relative to the ISN of whoever sent the data they acknowledge. */
  sack?: [number, number][];
  mss?: number;
  sackPermitted?: boolean;
  windowScale?: number;
  ts?: { value: number | '*'; echo: number | '*' };
}

const FLAG_CHARS: Record<string, number> = { S: F.SYN, F: F.FIN, R: F.RST, P: F.PSH, '.': F.ACK, E: F.ECE, W: F.CWR };

function parseSegText(text: string): SegText {
  const m = /^\s*([SFRPEW.]+)\s+(\d+):(\d+)\((\d+)\)(.*)$/.exec(text);
  if (m === null) throw new Error(`script: cannot parse segment "${text}"`);
  let flags = 0;
  for (const ch of m[1]!) {
    const f = FLAG_CHARS[ch];
    if (f === undefined) throw new Error(`script: unknown flag ${ch} in "${text}"`);
    flags |= f;
  }
  const start = Number(m[2]);
  const end = Number(m[3]);
  const len = Number(m[4]);
  if (end - start !== len) throw new Error(`script: ${start}:${end}(${len}) is inconsistent in "${text}"`);
  let rest = m[5]!;
  let ack: number | undefined;
  let win: number | undefined;
  let options: ParsedOptions | undefined;
  const optMatch = /<([^>]*)>/.exec(rest);
  if (optMatch !== null) {
    options = parseOptions(optMatch[1]!, text);
    rest = rest.replace(optMatch[0], '');
  }
  const ackMatch = /\back\s+(\d+)/.exec(rest);
  if (ackMatch !== null) ack = Number(ackMatch[1]);
  const winMatch = /\bwin\s+(\d+)/.exec(rest);
  if (winMatch !== null) win = Number(winMatch[1]);
  const gsoMatch = /\bgso\s+(\d+)/.exec(rest);
  const gso = gsoMatch !== null ? Number(gsoMatch[1]) : undefined;
  return { flags, start, end, len, ack, win, gso, options };
}

function parseOptions(s: string, text: string): ParsedOptions {
  const o: ParsedOptions = {};
  for (const raw of s.split(',')) {
    const part = raw.trim();
    if (part === '' || part === 'nop' || part === 'eol') continue;
    let m: RegExpExecArray | null;
    if ((m = /^mss (\d+)$/.exec(part))) o.mss = Number(m[1]);
    else if (part === 'sackOK') o.sackPermitted = true;
    else if ((m = /^wscale (\d+)$/.exec(part))) o.windowScale = Number(m[1]);
    else if ((m = /^sack((?: \d+:\d+)+)$/.exec(part))) o.sack = m[1]!.trim().split(' ').map((b) => b.split(':').map(Number) as [number, number]);
    else if ((m = /^TS val (\d+|\*) ecr (\d+|\*)$/.exec(part))) {
      o.ts = { value: m[1] === '*' ? '*' : Number(m[1]), echo: m[2] === '*' ? '*' : Number(m[2]) };
    } else throw new Error(`script: unknown option "${part}" in "${text}"`);
  }
  return o;
}

function formatOptions(o: TcpOptions, sackBase: number): string {
  const parts: string[] = [];
  if (o.mss !== undefined) parts.push(`mss ${o.mss}`);
  if (o.sackPermitted === true) parts.push('sackOK');
  if (o.timestamps !== undefined) parts.push(`TS val ${o.timestamps.value} ecr ${o.timestamps.echo}`);
  if (o.windowScale !== undefined) parts.push(`nop,wscale ${o.windowScale}`);
  if (o.sack !== undefined) parts.push(`sack ${o.sack.map((b) => `${seqDiff(b.left, sackBase)}:${seqDiff(b.right, sackBase)}`).join(' ')}`);
  return parts.join(',');
}

function flagText(flags: number): string {
  let s = '';
  for (const ch of 'SFRPEW') if (flags & FLAG_CHARS[ch]!) s += ch;
  if (flags & F.ACK) s += '.';
  return s;
}

/** A sent segment as captured from the wire. */
export interface Captured {
  readonly time: number;
  readonly repr: TcpRepr;
  readonly payload: Uint8Array;
  /** `SegmentOut.gsoSize` as handed out (0: an ordinary segment). */
  readonly gsoSize: number;
}

/**
 * Runs scripts against one connection, keeping virtual time and the trace
 * between `run` calls. `open` is the connection, or a function that builds
 * it from the first injected segment (a passive open).
 */
export class Script {
  now = 0;
  conn: TcpConnection | null;
  readonly trace: string[] = [];
  /** Every segment sent, in order. */
  readonly sent: Captured[] = [];
  private queue: Captured[] = [];
  private readonly buf = new Uint8Array(70_000);
  private readonly segIn = new SegmentIn();
  private readonly output: TcpOutput;
  private lastStep = 0;
  private batching = false;
  /** What `emit` returns; a test can set it false to model a full device. */
  accepting = true;

  constructor(
    private readonly open: TcpConnection | ((syn: SegmentIn, now: number) => TcpConnection),
    readonly opts: { peerIsn?: number; localPort?: number; remotePort?: number; iss?: number } = {},
  ) {
    this.conn = typeof open === 'function' ? null : open;
    this.output = { emit: (seg) => this.capture(seg) };
  }

  private get peerIsn(): number {
    return this.opts.peerIsn ?? PEER_ISN;
  }
  private get iss(): number {
    return this.conn?.sequenceBase.iss ?? this.opts.iss ?? 0;
  }

  private capture(seg: SegmentOut): boolean {
    if (!this.accepting) return false;
    const headerLen = tcpHeaderLen(seg);
    const total = tcpBufferLen(seg);
    seg.copyPayload(this.buf.subarray(headerLen, total));
    const n = emitTcp(seg, this.buf, 0, { src: LOCAL_ADDR, dst: REMOTE_ADDR });
    const bytes = this.buf.slice(0, n);
    const parsed = parseTcp(bytes, LOCAL_ADDR, REMOTE_ADDR);
    if (!parsed.ok) throw new Error(`script: the engine sent a segment that does not parse: ${parsed.error.message}`);
    const c: Captured = { time: this.now, repr: parsed.value, payload: bytes.subarray(n - parsed.value.payloadLength), gsoSize: seg.gsoSize };
    this.queue.push(c);
    this.sent.push(c);
    this.trace.push(`${this.now} > ${this.describe(parsed.value, false)}${seg.gsoSize > 0 ? ` gso ${seg.gsoSize}` : ''}`);
    return true;
  }

  /** A segment in script notation (relative numbers), `fromPeer` says which ISN each number is relative to. */
  describe(r: TcpRepr, fromPeer: boolean): string {
    const seqBase = fromPeer ? this.peerIsn : this.iss;
    const ackBase = fromPeer ? this.iss : this.peerIsn;
    const start = seqDiff(r.seq, seqBase);
    const ackPart = r.flags & F.ACK ? ` ack ${seqDiff(r.ack, ackBase)}` : '';
    const opts = formatOptions(r.options, ackBase);
    return `${flagText(r.flags)} ${start}:${start + r.payloadLength}(${r.payloadLength})${ackPart} win ${r.window}${opts === '' ? '' : ` <${opts}>`}`;
  }

  private fail(message: string): never {
    const last = this.trace.slice(-30).map((l) => `    ${l}`).join('\n');
    throw new Error(`${message}\n  trace (t in ms; > we sent, < injected):\n${last}`);
  }

  /** Polls at every deadline up to `to`, then moves time to `to`. */
  advance(to: number): void {
    for (let guard = 0; ; guard++) {
      if (guard > 100_000) this.fail(`script: the engine keeps asking to be polled at t=${this.now}`);
      const conn = this.conn;
      if (conn === null) break;
      const d = conn.nextDeadline();
      if (d > to) break;
      this.now = Math.max(this.now, d);
      this.checkQueue(this.now, false);
      const before = conn.nextDeadline();
      const n = conn.poll(this.now, this.output);
      if (n === 0 && conn.nextDeadline() === before && before <= this.now) {
        // Nothing to do and the deadline did not move (e.g. a refused emit): stop here.
        break;
      }
    }
    this.now = Math.max(this.now, to);
  }

  private checkQueue(t: number, inclusive: boolean): void {
    const stale = this.queue.find((c) => (inclusive ? c.time <= t : c.time < t));
    if (stale !== undefined) this.fail(`unexpected segment at t=${stale.time}: > ${this.describe(stale.repr, false)}  [${formatTcpSegment(stale.repr)}]`);
  }

  private timeOf(t: number | string): number {
    if (typeof t === 'number') return t;
    if (t.startsWith('+')) return this.lastStep + Number(t.slice(1));
    return Number(t);
  }

  /** Runs `steps` (see the file comment). Throws with the trace on the first mismatch. */
  run(steps: readonly Step[]): this {
    for (const step of steps) {
      const t = this.timeOf(step[0]);
      if (t < this.lastStep) this.fail(`script: step at t=${t} goes back in time (previous ${this.lastStep})`);
      this.lastStep = t;
      // After '<<' the next step at the same time comes before any poll: both land in one batch.
      if (!(this.batching && t === this.now)) this.advance(t);
      this.batching = false;
      this.checkQueue(t, false);
      if (step[1] === 'call') {
        if (this.conn === null) this.fail('script: call before the connection exists');
        this.trace.push(`${t} call`);
        step[2](this.conn, t);
        this.conn.poll(t, this.output);
      } else if (step[1] === '<' || step[1] === '<<') this.inject(t, step[2], step[1] === '<');
      else this.expectSent(t, step[2]);
    }
    return this;
  }

  /** After the script: nothing sent that was not expected. */
  done(): this {
    this.checkQueue(Infinity, true);
    return this;
  }

  private inject(t: number, text: string, poll: boolean): void {
    const s = parseSegText(text);
    const o = s.options ?? {};
    const ts = o.ts;
    const options: TcpOptions = {
      ...(o.mss !== undefined ? { mss: o.mss } : {}),
      ...(o.sackPermitted === true ? { sackPermitted: true } : {}),
      ...(ts !== undefined ? { timestamps: { value: ts.value === '*' ? 0 : ts.value, echo: ts.echo === '*' ? 0 : ts.echo } } : {}),
      ...(o.windowScale !== undefined ? { windowScale: o.windowScale } : {}),
      ...(o.sack !== undefined ? { sack: o.sack.map(([l, r]) => ({ left: seqAdd(this.iss, l), right: seqAdd(this.iss, r) })) } : {}),
    };
    const repr: TcpRepr = {
      srcPort: this.opts.remotePort ?? this.conn?.remotePort ?? 5555,
      dstPort: this.opts.localPort ?? this.conn?.localPort ?? 80,
      seq: seqAdd(this.peerIsn, s.start),
      ack: s.ack !== undefined ? seqAdd(this.iss, s.ack) : 0,
      flags: s.flags | (s.ack !== undefined ? F.ACK : 0),
      window: s.win ?? 65_535,
      urgentPointer: 0,
      options,
      payloadLength: s.len,
    };
    const bytes = new Uint8Array(tcpBufferLen(repr));
    emitTcp(repr, bytes, 0, { src: REMOTE_ADDR, dst: LOCAL_ADDR, payload: pattern(s.start, s.len) });
    const err = this.segIn.readFrom(bytes);
    if (err !== null) this.fail(`script: injected segment does not read back: ${err.message}`);
    this.trace.push(`${t} < ${this.describe(repr, true)}`);
    if (this.conn === null) {
      if (typeof this.open !== 'function') throw new Error('unreachable');
      this.conn = this.open(this.segIn, t);
    } else this.conn.input(this.segIn, t);
    if (poll) this.conn.poll(t, this.output);
    else this.batching = true;
  }

  private expectSent(t: number, text: string): void {
    const want = parseSegText(text);
    const got = this.queue.shift();
    if (got === undefined) this.fail(`at t=${t}: expected > ${text.trim()}\n  but nothing was sent`);
    const r = got.repr;
    const mismatch = (what: string): never =>
      this.fail(`at t=${t}: ${what}\n  expected > ${text.trim()}\n  got      > ${this.describe(r, false)}  (t=${got.time}) [${formatTcpSegment(r)}]`);
    if (got.time !== t) mismatch(`sent at t=${got.time}, not t=${t}`);
    if ((r.flags & ~(F.PSH)) !== (want.flags & ~(F.PSH)) || (text.includes('P') && !(r.flags & F.PSH))) mismatch('flags differ');
    const start = seqDiff(r.seq, this.iss);
    if (start !== want.start || r.payloadLength !== want.len) mismatch('sequence numbers or length differ');
    if (want.ack !== undefined && seqDiff(r.ack, this.peerIsn) !== want.ack) mismatch('ack differs');
    if (want.win !== undefined && r.window !== want.win) mismatch('window differs');
    if (want.gso !== undefined && got.gsoSize !== want.gso) mismatch(`gsoSize ${got.gsoSize} differs`);
    if (want.options !== undefined) {
      const w = want.options;
      const o = r.options;
      const tsOk =
        w.ts === undefined
          ? o.timestamps === undefined
          : o.timestamps !== undefined && (w.ts.value === '*' || w.ts.value === o.timestamps.value) && (w.ts.echo === '*' || w.ts.echo === o.timestamps.echo);
      const sackText = (blocks: readonly { left: number; right: number }[] | undefined): string =>
        (blocks ?? []).map((b) => `${seqDiff(b.left, this.peerIsn)}:${seqDiff(b.right, this.peerIsn)}`).join(' ');
      const sackOk = (w.sack ?? []).map(([l, rr]) => `${l}:${rr}`).join(' ') === sackText(o.sack);
      if (w.mss !== o.mss || (w.sackPermitted ?? false) !== (o.sackPermitted ?? false) || w.windowScale !== o.windowScale || !tsOk || !sackOk) mismatch('options differ');
    }
    if (want.len > 0) {
      const expected = pattern(start, want.len);
      for (let i = 0; i < want.len; i++) if (got.payload[i] !== expected[i]) mismatch(`payload byte ${i} differs`);
    }
  }
}

/**
 * `n` segments of 1000 bytes (MSS 1000) written at t=20 and expected on the
 * wire at once, the last with PSH when `total` is exactly n × 1000 (else
 * more stays queued).
 */
export function burst(n: number, total = n * 1000): Step[] {
  const steps: Step[] = [[20, 'call', (c) => void c.send(pattern(1, total))]];
  for (let i = 0; i < n; i++) steps.push([20, '>', `${i === n - 1 && total === n * 1000 ? 'P.' : '.'} ${1 + i * 1000}:${1001 + i * 1000}(1000) ack 1`]);
  return steps;
}
