import { describe, expect, it } from 'vitest';
import { TcpFlags as F } from '../wire/fields.js';
import { emitTcp, tcpBufferLen, type TcpRepr } from '../wire/segment.js';
import { listenerInput, resetFor } from './closed.js';
import { SegmentIn, SegmentOut } from './segment.js';

function segment(flags: number, seq: number, ack: number, payloadLength = 0): SegmentIn {
  const repr: TcpRepr = { srcPort: 5555, dstPort: 80, seq, ack, flags, window: 1000, urgentPointer: 0, options: {}, payloadLength };
  const bytes = new Uint8Array(tcpBufferLen(repr));
  emitTcp(repr, bytes, 0, { src: 1, dst: 2, payload: new Uint8Array(payloadLength) });
  const s = new SegmentIn();
  expect(s.readFrom(bytes)).toBeNull();
  return s;
}

describe('segments for no connection (RFC 9293 §3.10.7.1/2)', () => {
  it('LISTEN: SYN accepted, ACK reset, RST and others dropped', () => {
    expect(listenerInput(segment(F.SYN, 1, 0))).toBe('accept');
    expect(listenerInput(segment(F.SYN | F.ACK, 1, 9))).toBe('reset');
    expect(listenerInput(segment(F.ACK, 1, 9))).toBe('reset');
    expect(listenerInput(segment(F.RST, 1, 0))).toBe('drop');
    expect(listenerInput(segment(F.RST | F.ACK, 1, 9))).toBe('drop');
    expect(listenerInput(segment(F.FIN, 1, 0))).toBe('drop');
  });

  it('CLOSED: <SEQ=SEG.ACK><RST> for an ACK, <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK> otherwise, nothing for an RST', () => {
    const out = new SegmentOut();
    expect(resetFor(segment(F.ACK | F.PSH, 100, 0xfffffff0, 10), out)).toBe(true);
    expect(out).toMatchObject({ srcPort: 80, dstPort: 5555, seq: 0xfffffff0, ack: 0, flags: F.RST, window: 0, payloadLength: 0 });
    expect(resetFor(segment(F.SYN | F.FIN, 0xffffffff, 0, 5), out)).toBe(true);
    expect(out).toMatchObject({ seq: 0, ack: 6, flags: F.RST | F.ACK }); // 5 + SYN + FIN past 2^32−1
    const before = { ...out };
    expect(resetFor(segment(F.RST, 1, 0), out)).toBe(false);
    expect({ ...out }).toEqual(before);
  });

  it('SegmentIn reads a segment without building objects, and rejects broken options', () => {
    const s = segment(F.SYN, 7, 0, 3);
    expect(s).toMatchObject({ srcPort: 5555, dstPort: 80, seq: 7, flags: F.SYN, window: 1000, len: 4 });
    expect(s.payload.length).toBe(3);
    const bad = new Uint8Array(24);
    bad[12] = 6 << 4;
    bad[20] = 2; // MSS kind with length 0
    expect(new SegmentIn().readFrom(bad)?.kind).toBe('malformed');
    expect(new SegmentIn().readFrom(new Uint8Array(10))?.kind).toBe('truncated');
  });
});
