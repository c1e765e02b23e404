import { describe, expect, it } from 'vitest';
import { resolveTcpConfig } from '../config.js';
import { emitTcp, tcpBufferLen, tcpHeaderLen } from '../wire/segment.js';
import { TcpConnection } from './connection.js';
import { SegmentIn, type SegmentOut, type TcpOutput } from './segment.js';
import { check } from './sim.test-helper.js';
import { TcpState } from './state.js';
import type { Tcb } from './tcb.js';

// What an idle connection holds (the figure is the benchmark's, `npm run bench -- tcp`; these are the
// structural facts behind it): no ring storage, no reassembly or SACK ranges until a loss or a
// reordering needs them (and none again once repaired), no segment or option objects of its own, and
// sequence numbers kept as int32 so that V8 stores them unboxed.

const tcbOf = (c: TcpConnection): Tcb => (c as unknown as { t: Tcb }).t;

/** Two engines wired back to back by hand: `flush` delivers what each sent, `drop` loses A's next data segments. */
function pair(iss = 0xffff_fff0) {
  const config = resolveTcpConfig({ delayedAck: 0 });
  const wire = new Uint8Array(70_000);
  const toA: Uint8Array[] = [];
  const toB: Uint8Array[] = [];
  const emitted = new Set<SegmentOut>();
  let dropFromA = 0;
  const out = (q: Uint8Array[], fromA: boolean): TcpOutput => ({
    emit(seg) {
      emitted.add(seg);
      if (fromA && seg.payloadLength > 0 && dropFromA > 0) {
        dropFromA--;
        return true;
      }
      seg.copyPayload(wire.subarray(tcpHeaderLen(seg), tcpBufferLen(seg)));
      q.push(wire.slice(0, emitTcp(seg, wire, 0, { src: 1, dst: 2 })));
      return true;
    },
  });
  const outA = out(toB, true);
  const outB = out(toA, false);
  const a = TcpConnection.connect({ localPort: 40000, remotePort: 80, iss, config, tsOffset: 0xfff0_0000 });
  let b: TcpConnection | null = null;
  const seg = new SegmentIn();
  /** Rounds of: both poll, then each takes what the other sent (until quiet, at most `rounds`). */
  const flush = (now: number, rounds = 20): void => {
    for (let round = 0; round < rounds; round++) {
      a.poll(now, outA);
      b?.poll(now, outB);
      if (toA.length === 0 && toB.length === 0) return;
      for (const bytes of toB.splice(0)) {
        expect(seg.readFrom(bytes)).toBeNull();
        if (b === null) b = TcpConnection.accept(seg, { localPort: 80, remotePort: 40000, iss: 0x8000_0000, config, tsOffset: 7 });
        else b.input(seg, now);
      }
      for (const bytes of toA.splice(0)) {
        expect(seg.readFrom(bytes)).toBeNull();
        a.input(seg, now);
      }
    }
  };
  flush(0);
  return {
    a,
    get b(): TcpConnection {
      return b!;
    },
    flush,
    emitted,
    dropNext(n: number): void {
      dropFromA = n;
    },
  };
}

describe('idle memory', () => {
  it('an established connection holds no ring storage, no ranges and no segment of its own', () => {
    const p = pair();
    expect(p.a.state).toBe(TcpState.ESTABLISHED);
    expect(p.b.state).toBe(TcpState.ESTABLISHED);
    expect(p.a.info()).toMatchObject({ sack: true, timestamps: true });
    for (const c of [p.a, p.b]) {
      const t = tcbOf(c);
      expect(t.sendBuf.allocated + t.recvBuf.allocated).toBe(0);
      expect(t.reasm.allocated + t.sack.allocated).toBe(0);
      // The shared empty ranges (capacity 0), not ones of this connection.
      expect(t.reasm.capacity).toBe(0);
      expect(t.sack.capacity).toBe(0);
      // The segment to send is borrowed per poll, not kept.
      expect(t.tx).toBeNull();
    }
    // Both ends sent their SYNs and ACKs through one and the same segment object.
    expect(p.emitted.size).toBe(1);
  });

  it('ranges are made on a loss and their storage goes once it is repaired', () => {
    const p = pair();
    const ta = tcbOf(p.a);
    const tb = tcbOf(p.b);
    p.dropNext(1);
    expect(p.a.send(new Uint8Array(5000).fill(9))).toBe(5000);
    p.flush(10, 1); // A's segments go, the first is lost: B holds the rest out of order
    expect(p.b.readable).toBe(0);
    expect(tb.reasm.allocated).toBeGreaterThan(0);
    expect(ta.sack.allocated).toBe(0);
    p.flush(10, 1); // B's ACK with SACK blocks reaches A's scoreboard
    expect(ta.sack.allocated).toBeGreaterThan(0);
    expect(p.a.info().sacked).toBeGreaterThan(0);
    // The retransmission repairs it; afterwards the storage is given back, the objects stay.
    p.flush(10);
    expect(p.b.readable).toBe(5000);
    expect(tb.reasm.allocated).toBe(0);
    expect(ta.sack.allocated).toBe(0);
    expect(tb.reasm.capacity).toBeGreaterThan(0);
  });

  it('ring storage follows small writes: 64 bytes take 64', () => {
    const p = pair();
    expect(p.a.send(new Uint8Array(64).fill(1))).toBe(64);
    expect(tcbOf(p.a).sendBuf.allocated).toBe(64);
    p.flush(5);
    expect(p.b.readable).toBe(64);
    expect(tcbOf(p.b).recvBuf.allocated).toBe(64);
  });
});

describe('the shared segment', () => {
  it('a poll that starts inside another connection\'s emit gets a segment of its own', () => {
    const p = pair();
    p.a.send(new Uint8Array(100).fill(1));
    p.b.send(new Uint8Array(200).fill(2));
    const seen: { port: number; len: number; nestedPort: number }[] = [];
    let nested = -1;
    p.a.poll(10, {
      emit(seg) {
        // Re-entry: B polls (and sends) while A's segment is being emitted.
        p.b.poll(10, {
          emit(inner) {
            expect(inner).not.toBe(seg);
            nested = inner.srcPort;
            return true;
          },
        });
        seen.push({ port: seg.srcPort, len: seg.payloadLength, nestedPort: nested });
        return true;
      },
    });
    expect(seen).toEqual([{ port: 40000, len: 100, nestedPort: 80 }]);
  });
});

describe('sequence numbers in the TCB', () => {
  /** Every field of the TCB that holds a sequence number or a timestamp. */
  const SEQ_FIELDS = [
    'iss', 'irs', 'sndUna', 'sndNxt', 'sndMax', 'sndWl1', 'sndWl2', 'sndBufSeq', 'sndSml', 'rcvNxt', 'rcvAdvRight', 'lastAckSent',
    'finHeldAt', 'recover', 'highRxt', 'rescueRxt', 'rttSeq', 'rstSeq', 'rstAck', 'tsRecent', 'tsOffset', 'tsAtTimeout',
  ] as const;

  function assertInt32(c: TcpConnection, where: string): void {
    const t = tcbOf(c) as unknown as Record<string, number>;
    for (const f of SEQ_FIELDS) {
      const v = t[f]!;
      if (v !== (v | 0)) throw new Error(`${where}: TCB field ${f} = ${v} is not an int32`);
    }
  }

  it('stay int32 through handshakes, loss, reordering, SACK recovery, RTOs and closes, on both sides of 2^31', () => {
    const proto = TcpConnection.prototype as unknown as Record<'input' | 'poll' | 'recv' | 'send', (this: TcpConnection, ...a: never[]) => unknown>;
    const saved = { input: proto.input, poll: proto.poll, recv: proto.recv, send: proto.send };
    const high = new Set<boolean>();
    for (const name of ['input', 'poll', 'recv', 'send'] as const) {
      const original = saved[name];
      proto[name] = function (this: TcpConnection, ...args: never[]): unknown {
        const r = original.apply(this, args);
        assertInt32(this, name);
        high.add(this.sequenceBase.iss >= 2 ** 31);
        return r;
      };
    }
    try {
      for (const [seed, config] of [[1, {}], [2, { timestamps: false }], [3, { sack: false }], [4, {}], [5, { timestamps: false, windowScaling: false }]] as const) {
        check({ seed, loss: 0.05, duplicate: 0.02, jitter: 20, sizeA: 60_000, sizeB: 20_000, config });
      }
      // Heavy loss: RTOs (tsAtTimeout) and zero-window probes come up too.
      for (const seed of [6, 7]) check({ seed, loss: 0.25, duplicate: 0, jitter: 5, sizeA: 20_000, sizeB: 5_000, config: { recvBufferSize: 4096 } });
    } finally {
      Object.assign(proto, saved);
    }
    expect([...high].sort()).toEqual([false, true]); // ISSs below and above 2^31 both came up
  });

  it('go out as u32', () => {
    const p = pair(0xffff_fff0);
    expect(p.a.sequenceBase).toEqual({ iss: 0xffff_fff0, irs: 0x8000_0000 });
    expect(p.b.sequenceBase).toEqual({ iss: 0x8000_0000, irs: 0xffff_fff0 });
  });
});
