import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resolveTcpConfig } from '../config.js';
import { TcpFlags as F } from '../wire/fields.js';
import type { TcpOptions } from '../wire/options.js';
import { emitTcp, parseTcp, tcpBufferLen, tcpHeaderLen, type TcpRepr } from '../wire/segment.js';
import { seqAdd } from '../wire/seq.js';
import { TcpConnection } from './connection.js';
import { SegmentIn, type SegmentOut, type TcpOutput } from './segment.js';
import { TcpState } from './state.js';

// Hostile input never throws and never breaks the engine's invariants:
// random segments (sequence and acknowledgment numbers at, near or far from
// the live ones; random flags, options and payloads) and application calls
// against connections opened every way.

const STATES = new Set<string>(Object.values(TcpState));
const PEER_ISN = 5000;
const ISS = 0xfffff000;

const segmentArb = fc.record({
  dt: fc.integer({ min: 0, max: 3000 }),
  flags: fc.oneof(
    { arbitrary: fc.constantFrom(F.ACK, F.ACK | F.PSH, F.ACK | F.FIN, F.RST, F.RST | F.ACK, F.SYN, F.SYN | F.ACK, F.FIN), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 0x1ff }), weight: 1 },
  ),
  seqNear: fc.boolean(),
  seqOff: fc.oneof({ arbitrary: fc.constantFrom(0, 0, 1, -1, 100, 1000), weight: 3 }, { arbitrary: fc.integer({ min: -70_000, max: 70_000 }), weight: 1 }),
  seqAny: fc.integer({ min: 0, max: 0xffffffff }),
  ackNear: fc.boolean(),
  ackOff: fc.oneof({ arbitrary: fc.constantFrom(0, 0, -1, 1, -1000), weight: 3 }, { arbitrary: fc.integer({ min: -70_000, max: 70_000 }), weight: 1 }),
  ackAny: fc.integer({ min: 0, max: 0xffffffff }),
  window: fc.integer({ min: 0, max: 0xffff }),
  ts: fc.option(
    fc.record({ value: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 0xffffffff })), echo: fc.integer({ min: 0, max: 0xffffffff }) }),
    { nil: undefined, freq: 5 },
  ),
  mss: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
  ws: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  len: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3000 })),
  // SACK blocks as offsets around the end of what we sent (or anywhere), possibly inverted or empty.
  sack: fc.option(
    fc.array(
      fc.record({ near: fc.boolean(), left: fc.integer({ min: -6000, max: 500 }), len: fc.integer({ min: -100, max: 3000 }), any: fc.integer({ min: 0, max: 0xffffffff }) }),
      { minLength: 1, maxLength: 3 },
    ),
    { nil: undefined, freq: 3 },
  ),
});
type HostileSegment = typeof segmentArb extends fc.Arbitrary<infer T> ? T : never;
type Opening = 'active' | 'passive' | 'established';
type AppCall = 'none' | 'send' | 'recv' | 'shutdown' | 'close' | 'abort';

/** Runs one hostile script; returns the states the connection went through. */
function run(opening: Opening, timestamps: boolean, sack: boolean, steps: readonly (readonly [HostileSegment, AppCall])[]): Set<string> {
  const visited = new Set<string>();
  const config = resolveTcpConfig({ timestamps, recvBufferSize: 5000, sendBufferSize: 5000 });
  const buf = new Uint8Array(70_000);
  // "Near" numbers follow the conversation: the peer's next sequence number is what we last acknowledged,
  // and the ACKs it sends sit around the end of what we have sent.
  let theirNext = PEER_ISN + 1;
  let ourEnd = ISS + 1;
  const out: TcpOutput = {
    emit(seg: SegmentOut): boolean {
      const total = tcpBufferLen(seg);
      seg.copyPayload(buf.subarray(tcpHeaderLen(seg), total));
      const n = emitTcp(seg, buf, 0, { src: 1, dst: 2 }); // throws on any field out of range
      expect(parseTcp(buf.subarray(0, n), 1, 2).ok).toBe(true);
      if (seg.flags & F.ACK) theirNext = seg.ack;
      const end = seqAdd(seg.seq, seg.payloadLength + (seg.flags & F.SYN ? 1 : 0) + (seg.flags & F.FIN ? 1 : 0));
      if (((end - ourEnd) | 0) > 0) ourEnd = end;
      return true;
    },
  };
  const seg = new SegmentIn();
  const base = { srcPort: 5555, dstPort: 80, urgentPointer: 0 };
  const wire = (r: TcpRepr): void => {
    const bytes = new Uint8Array(tcpBufferLen(r));
    emitTcp(r, bytes, 0, { src: 2, dst: 1, payload: new Uint8Array(r.payloadLength) });
    expect(seg.readFrom(bytes)).toBeNull();
  };
  const ts: TcpOptions = { ...(timestamps ? { timestamps: { value: 1, echo: 0 } } : {}), ...(sack ? { sackPermitted: true } : {}) };
  let now = 0;
  let conn: TcpConnection;
  if (opening === 'passive') {
    wire({ ...base, seq: PEER_ISN, ack: 0, flags: F.SYN, window: 65535, options: { mss: 1000, ...ts }, payloadLength: 0 });
    conn = TcpConnection.accept(seg, { localPort: 80, remotePort: 5555, iss: ISS, config });
  } else conn = TcpConnection.connect({ localPort: 80, remotePort: 5555, iss: ISS, config });
  conn.poll(now, out);
  if (opening === 'established') {
    wire({ ...base, seq: PEER_ISN, ack: ISS + 1, flags: F.SYN | F.ACK, window: 65535, options: { mss: 1000, windowScale: 2, ...ts }, payloadLength: 0 });
    conn.input(seg, now);
    conn.poll(now, out);
    expect(conn.state).toBe(TcpState.ESTABLISHED);
  }
  const data = new Uint8Array(4000);
  const into = new Uint8Array(1000);
  for (const [s, app] of steps) {
    now += s.dt;
    wire({
      ...base,
      seq: s.seqNear ? seqAdd(theirNext, s.seqOff) : s.seqAny,
      ack: s.ackNear ? seqAdd(ourEnd, s.ackOff) : s.ackAny,
      flags: s.flags,
      window: s.window,
      options: {
        ...(s.mss !== undefined ? { mss: s.mss } : {}),
        ...(s.ts !== undefined ? { timestamps: s.ts } : {}),
        ...(s.ws !== undefined ? { windowScale: s.ws } : {}),
        ...(s.sack !== undefined
          ? { sack: s.sack.slice(0, s.ts !== undefined ? 2 : 3).map((b) => (b.near ? { left: seqAdd(ourEnd, b.left), right: seqAdd(ourEnd, b.left + b.len) } : { left: b.any, right: seqAdd(b.any, b.len) })) }
          : {}),
      },
      payloadLength: s.flags & F.SYN ? Math.min(s.len, 10) : s.len,
    });
    conn.input(seg, now);
    try {
      if (app === 'send' && conn.writable > 0) conn.send(data);
      else if (app === 'recv') conn.recv(into);
      else if (app === 'shutdown') conn.shutdown();
      else if (app === 'close') conn.close();
      else if (app === 'abort') conn.abort();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ERR_CLOSED');
    }
    conn.poll(now, out);
    if (conn.nextDeadline() <= now) conn.poll(now, out);
    const info = conn.info();
    visited.add(info.state);
    expect(STATES.has(info.state)).toBe(true);
    expect(info.bytesInFlight).toBeGreaterThanOrEqual(0);
    expect(info.bytesInFlight).toBeLessThanOrEqual(info.sendBufferSize + 2);
    expect(info.recvBuffered).toBeLessThanOrEqual(info.recvBufferSize);
    expect(info.sendBuffered).toBeLessThanOrEqual(info.sendBufferSize);
    expect(info.rcvWnd).toBeGreaterThanOrEqual(0);
    expect(info.rcvWnd).toBeLessThanOrEqual(info.recvBufferSize);
    expect(info.cwnd).toBeGreaterThan(0);
    expect(info.sacked).toBeGreaterThanOrEqual(0);
    expect(info.sacked).toBeLessThanOrEqual(info.bytesInFlight);
    expect(info.pipe).toBeGreaterThanOrEqual(0);
    expect(info.lost + info.sacked).toBeLessThanOrEqual(info.bytesInFlight);
    expect(Number.isFinite(info.rto) && info.rto >= config.rtoMin && info.rto <= config.rtoMax).toBe(true);
    if (info.state === TcpState.CLOSED) expect(conn.nextDeadline()).toBe(Infinity);
  }
  return visited;
}

const hostileScript = fc.tuple(
  fc.constantFrom<Opening>('active', 'passive', 'established'),
  fc.boolean(),
  fc.boolean(),
  fc.array(
    fc.tuple(
      segmentArb,
      fc.oneof(
        { arbitrary: fc.constantFrom<AppCall>('none', 'send', 'recv'), weight: 12 },
        { arbitrary: fc.constantFrom<AppCall>('shutdown', 'close', 'abort'), weight: 1 },
      ),
    ),
    { minLength: 1, maxLength: 60 },
  ),
);

describe('hostile segments (property)', () => {
  it('never throw, every segment sent is valid, invariants hold', () => {
    fc.assert(
      fc.property(hostileScript, ([opening, timestamps, sack, steps]) => {
        run(opening, timestamps, sack, steps);
      }),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('the walk goes deep: a fixed seed reaches every state a connection has', () => {
    // A property that stops reaching the far states tests less than it says. With random seeds the far
    // ones are luck, so this run is pinned (seed 2): it must keep covering all ten.
    const visited = new Set<string>();
    fc.assert(
      fc.property(hostileScript, ([opening, timestamps, sack, steps]) => {
        for (const s of run(opening, timestamps, sack, steps)) visited.add(s);
      }),
      { numRuns: 1000, seed: 2 },
    );
    expect([...visited].sort()).toEqual([...STATES].filter((x) => x !== TcpState.LISTEN).sort());
  }, 60_000);
});
