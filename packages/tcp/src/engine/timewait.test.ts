import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TcpConfig } from '../config.js';
import { TcpFlags as F } from '../wire/fields.js';
import type { TcpOptions } from '../wire/options.js';
import { emitTcp, tcpBufferLen, type TcpRepr } from '../wire/segment.js';
import { toHex } from '@stack/wire';
import type { TcpConnection } from './connection.js';
import { active, established, plain, PLAIN } from './fixtures.test-helper.js';
import type { Script } from './script.test-helper.js';
import { SegmentIn, type SegmentOut, type TcpOutput } from './segment.js';
import { TcpState } from './state.js';
import { TcpTimeWait } from './timewait.js';

// The compact TIME-WAIT against the full engine: the same segments at the
// same times must draw the same bytes, the same state and the same deadline.

const ADDRS = { src: 0x0a000001, dst: 0x0a000002 };

/** We close first (FIN at 20), the peer ACKs it and sends its FIN (40): TIME-WAIT, with timestamps, SACK and window scaling. */
function timeWaitFull(config: TcpConfig): Script {
  return established({ timeWait: 5000, ...config }).run([
    [20, 'call', (c) => c.shutdown()],
    [20, '>', 'F. 1:1(0) ack 1'],
    [30, '<', '. 1:1(0) ack 2 win 65535 <TS val 130 ecr 20>'],
    [40, '<', 'F. 1:1(0) ack 2 win 65535 <TS val 140 ecr 20>'],
    [40, '>', '. 2:2(0) ack 2'],
  ]);
}

/** The same without options, and with data the application read before the FIN (so RCV.NXT is further on). */
function timeWaitPlain(config: TcpConfig): Script {
  return plain({ timeWait: 5000, ...config }).run([
    [15, '<', 'P. 1:101(100) ack 1 win 65535'],
    [15, '>', '. 1:1(0) ack 101'],
    [16, 'call', (c) => void c.take(1000)],
    [20, 'call', (c) => c.shutdown()],
    [20, '>', 'F. 1:1(0) ack 101'],
    [40, '<', 'F. 101:101(0) ack 2 win 65535'],
    [40, '>', '. 2:2(0) ack 102'],
  ]);
}

/** Simultaneous close: FIN-WAIT-1 → CLOSING → TIME-WAIT. */
function timeWaitClosing(config: TcpConfig): Script {
  return plain({ timeWait: 5000, ...config }).run([
    [20, 'call', (c) => c.shutdown()],
    [20, '>', 'F. 1:1(0) ack 1'],
    [30, '<', 'F. 1:1(0) ack 1 win 65535'],
    [30, '>', '. 2:2(0) ack 2'],
    [31, '<', '. 2:2(0) ack 2 win 65535'],
  ]);
}

/** Data with the peer's FIN in FIN-WAIT-2, ACKed while unread (a smaller window), read after: the next ACK opens the window. */
function timeWaitReadLate(config: TcpConfig): Script {
  return plain({ timeWait: 5000, ...config }).run([
    [20, 'call', (c) => c.shutdown()],
    [20, '>', 'F. 1:1(0) ack 1'],
    [30, '<', '. 1:1(0) ack 2 win 65535'],
    [40, '<', 'FP. 1:101(100) ack 2 win 65535'],
    [40, '>', '. 2:2(0) ack 102'],
    [41, 'call', (c) => void c.take(1000)],
  ]);
}

/** The peer scales its window (shift 2) and offers little of it: TIME-WAIT's window updates can raise MAX.SND.WND. */
function timeWaitScaled(config: TcpConfig): Script {
  return active({ ...PLAIN, windowScaling: true, timeWait: 5000, ...config }).run([
    [0, '>', 'S 0:0(0)'],
    [10, '<', 'S. 0:0(0) ack 1 win 1000 <mss 1000,nop,wscale 2>'],
    [10, '>', '. 1:1(0) ack 1'],
    [20, 'call', (c) => c.shutdown()],
    [20, '>', 'F. 1:1(0) ack 1'],
    [30, '<', 'F. 1:1(0) ack 2 win 1000'],
    [30, '>', '. 2:2(0) ack 2'],
  ]);
}

/** What a TcpOutput was handed, as bytes. */
function recorder(): { out: TcpOutput; taken: () => string[] } {
  let got: string[] = [];
  return {
    out: {
      emit(seg: SegmentOut) {
        const bytes = new Uint8Array(tcpBufferLen(seg));
        emitTcp(seg, bytes, 0, ADDRS);
        got.push(toHex(bytes));
        return true;
      },
    },
    taken: () => {
      const r = got;
      got = [];
      return r;
    },
  };
}

interface PeerSeg {
  dt: number;
  flags: number;
  seqOff: number;
  ackOff: number;
  window: number;
  ts: number | null;
  len: number;
}

const FLAG_SETS = [F.ACK, F.ACK | F.FIN, F.FIN, F.SYN, F.SYN | F.ACK, F.RST, F.RST | F.ACK, F.ACK | F.PSH, 0, F.SYN | F.FIN, F.ACK | F.FIN | F.PSH];
/** Offsets around RCV.NXT / SND.NXT: the edges that matter, and far away. */
const OFFSETS = [0, -1, 1, -2, 2, -100, 100, 65_534, 65_535, 65_536, -65_536, -70_000, 0x7fff_ffff, -0x8000_0000, 1_000_000];

const peerSeg: fc.Arbitrary<PeerSeg> = fc.record({
  // Mostly a few ms apart (TIME-WAIT lasts 5 s here), sometimes at the timers' edges or past them.
  dt: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 300 }), weight: 6 }, fc.constantFrom(0, 1, 999, 1000, 4999, 5000), fc.integer({ min: 0, max: 6000 })),
  flags: fc.constantFrom(...FLAG_SETS),
  // RCV.NXT and SND.NXT themselves often: the in-window segments that reach the ACK checks.
  seqOff: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, fc.constantFrom(...OFFSETS), fc.integer({ min: -200_000, max: 200_000 })),
  ackOff: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, fc.constantFrom(...OFFSETS), fc.integer({ min: -300_000, max: 1000 })),
  window: fc.constantFrom(0, 1, 1000, 65_535),
  ts: fc.oneof(fc.constant(null), { arbitrary: fc.integer({ min: -10, max: 10 }), weight: 3 }, fc.constantFrom(0x7fff_ffff, -0x8000_0000)),
  len: fc.constantFrom(0, 0, 1, 3),
});

function segIn(p: PeerSeg, c: TcpConnection, rcvNxt: number, sndNxt: number, tsBase: number): SegmentIn {
  const options: TcpOptions = p.ts === null ? {} : { timestamps: { value: (tsBase + p.ts) >>> 0, echo: 7 } };
  const repr: TcpRepr = {
    srcPort: c.remotePort, dstPort: c.localPort, seq: (rcvNxt + p.seqOff) >>> 0, ack: (sndNxt + p.ackOff) >>> 0,
    flags: p.flags, window: p.window, urgentPointer: 0, options, payloadLength: p.len,
  };
  const bytes = new Uint8Array(tcpBufferLen(repr));
  emitTcp(repr, bytes, 0, { src: ADDRS.dst, dst: ADDRS.src, payload: new Uint8Array(p.len).fill(0x42) });
  const s = new SegmentIn();
  expect(s.readFrom(bytes)).toBeNull();
  return s;
}

type Opener = (config: TcpConfig) => Script;
const CASES: [string, Opener, number, number][] = [
  // name, opener, peer data bytes before its FIN, the peer's last TSval
  ['timestamps, SACK, window scaling', timeWaitFull, 0, 140],
  ['no options, after data', timeWaitPlain, 100, 0],
  ['no options, through CLOSING', timeWaitClosing, 0, 0],
  ['no options, data read after TIME-WAIT began', timeWaitReadLate, 100, 0],
  ['the peer scales its window', timeWaitScaled, 0, 0],
];

describe('compact TIME-WAIT answers as the full engine does', () => {
  it.each(CASES)('%s', (_name, open, data, tsBase) => {
    fc.assert(
      fc.property(fc.array(peerSeg, { maxLength: 24 }), fc.constantFrom(2, 10), (segs, limit) => {
        const config: TcpConfig = { challengeAckLimit: limit };
        const full = open(config).done().conn!;
        const twin = open(config).done().conn!;
        expect(full.state).toBe(TcpState.TIME_WAIT);
        const tw = new TcpTimeWait();
        expect(twin.compactTimeWait(tw)).toBe(true);
        const { iss, irs } = full.sequenceBase;
        const rcvNxt = irs + 2 + data;
        const sndNxt = iss + 2;
        const a = recorder();
        const b = recorder();
        const check = (when: string) => {
          expect(b.taken(), when).toEqual(a.taken());
          expect(tw.state, when).toBe(full.state);
          expect(tw.nextDeadline(), when).toBe(full.nextDeadline());
        };
        check('at the start');
        let now = 41;
        for (const p of segs) {
          const at = now + p.dt;
          // Timers first, as the layer runs them: at each deadline before the segment.
          for (let d = full.nextDeadline(); d <= at && full.state !== TcpState.CLOSED; d = full.nextDeadline()) {
            full.poll(d, a.out);
            tw.poll(d, b.out);
            check(`deadline ${d}`);
          }
          now = at;
          full.input(segIn(p, full, rcvNxt, sndNxt, tsBase), now);
          tw.input(segIn(p, full, rcvNxt, sndNxt, tsBase), now);
          full.poll(now, a.out);
          tw.poll(now, b.out);
          check(`at ${now} after ${JSON.stringify(p)}`);
        }
      }),
      {
        numRuns: 300,
        examples: [
          // SND.WL1 moves past RCV.NXT, so a later, bigger window at RCV.NXT is not taken: the old ACK stays outside.
          [[
            { dt: 10, flags: F.ACK, seqOff: 100, ackOff: 0, window: 1000, ts: 0, len: 0 },
            { dt: 10, flags: F.ACK, seqOff: 0, ackOff: 0, window: 65_535, ts: 0, len: 0 },
            { dt: 10, flags: F.ACK, seqOff: 0, ackOff: -100_000, window: 65_535, ts: 0, len: 0 },
          ], 10],
        ],
      },
    );
  });

  it('a connection not yet quiet in TIME-WAIT is not compacted: unread data, or not in TIME-WAIT', () => {
    const unread = plain({ timeWait: 5000 }).run([
      [15, '<', 'P. 1:101(100) ack 1 win 65535'],
      [15, '>', '. 1:1(0) ack 101'],
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 101'],
      [40, '<', 'F. 101:101(0) ack 2 win 65535'],
      [40, '>', '. 2:2(0) ack 102'],
    ]).done().conn!;
    expect(unread.state).toBe(TcpState.TIME_WAIT);
    // canCompactTimeWait says beforehand what compactTimeWait will do.
    expect(unread.canCompactTimeWait()).toBe(false);
    expect(unread.compactTimeWait(new TcpTimeWait())).toBe(false);
    void unread.take(1000);
    expect(unread.canCompactTimeWait()).toBe(true);
    expect(unread.compactTimeWait(new TcpTimeWait())).toBe(true);
    const open = plain().done().conn!;
    expect(open.canCompactTimeWait()).toBe(false);
    expect(open.compactTimeWait(new TcpTimeWait())).toBe(false);
  });

  it('ends at its deadline, or at once on abort, sending nothing', () => {
    const c = timeWaitFull({}).done().conn!;
    const tw = new TcpTimeWait();
    expect(c.compactTimeWait(tw)).toBe(true);
    expect(tw.expires).toBe(5040);
    const r = recorder();
    expect(tw.poll(5039, r.out)).toBe(0);
    expect(tw.state).toBe(TcpState.TIME_WAIT);
    expect(tw.poll(5040, r.out)).toBe(0);
    expect(tw.state).toBe(TcpState.CLOSED);
    expect(tw.nextDeadline()).toBe(Infinity);
    expect(r.taken()).toEqual([]);
    const other = new TcpTimeWait();
    expect(timeWaitFull({}).done().conn!.compactTimeWait(other)).toBe(true);
    other.abort();
    expect(other.state).toBe(TcpState.CLOSED);
  });
});
