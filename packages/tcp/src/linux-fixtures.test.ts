// TCP segments captured from Linux (src/fixtures/linux-tcp.hex says how):
// our codec reads each one, finds what Linux put in it (the expected values
// below come from the capture's own decode in the fixture comments, made by
// tcp2hex.py, not from this codec), and writes it back byte for byte.
import { describe, expect, it } from 'vitest';
import { fold, toHex } from '@stack/wire';
import { linuxSegment } from './fixtures/linux.js';
import {
  TcpFlags, TcpOptionSlots, TcpSegmentView, checkTcp, emitTcp, parseTcp, readSackBlocks, readTcpOptions, readTimestamps,
  seqAdd, seqDiff, tcpBufferLen, tcpHeaderLen, tcpPseudoHeaderSum, type TcpRepr,
} from './index.js';

const { FIN, SYN, RST, PSH, ACK, ECE, CWR } = TcpFlags;
const BLOCKS = [
  'syn', 'syn-ack', 'ack', 'data', 'data-ack', 'fin', 'fin-peer', 'last-ack', 'ecn-syn', 'ecn-syn-ack', 'bulk-data', 'sack', 'sack-2', 'rst',
] as const;

function repr(block: string, verifyChecksum = true): TcpRepr {
  const s = linuxSegment(block);
  const r = parseTcp(s.tcp, s.src, s.dst, { verifyChecksum });
  if (!r.ok) throw new Error(`${block}: ${r.error.kind} at ${r.error.offset}: ${r.error.message}`);
  return r.value;
}

/** Linux's SYN options on this kernel: MSS 1460, SACK-permitted, timestamps, window scale 10. */
const synOptions = (value: number, echo: number) => ({ mss: 1460, sackPermitted: true, timestamps: { value, echo }, windowScale: 10 });

describe('Linux TCP fixtures: decode', () => {
  it('every segment passes the checks, checksum included', () => {
    for (const b of BLOCKS) {
      const s = linuxSegment(b);
      expect(checkTcp(s.tcp, s.src, s.dst), b).toBeNull();
    }
  });

  it("the handshake: Linux's SYN, the SYN-ACK and the ACK, with the options Linux sends", () => {
    const syn = repr('syn');
    expect(syn).toEqual({
      srcPort: 40000, dstPort: 5555, seq: 526192197, ack: 0, flags: SYN, window: 64240, urgentPointer: 0,
      options: synOptions(3492977992, 0), payloadLength: 0,
    });
    const synAck = repr('syn-ack');
    expect(synAck).toEqual({
      srcPort: 5555, dstPort: 40000, seq: 3100782070, ack: seqAdd(syn.seq, 1), flags: SYN | ACK, window: 65160, urgentPointer: 0,
      options: synOptions(1293596236, 3492977992), payloadLength: 0,
    });
    // After the SYN, Linux sends timestamps only, and a scaled window (63 << 10).
    expect(repr('ack')).toEqual({
      srcPort: 40000, dstPort: 5555, seq: seqAdd(syn.seq, 1), ack: seqAdd(synAck.seq, 1), flags: ACK, window: 63, urgentPointer: 0,
      options: { timestamps: { value: 3492977992, echo: 1293596236 } }, payloadLength: 0,
    });
  });

  it('data, its ACK and both FINs follow in sequence space', () => {
    const data = repr('data');
    expect([data.flags, data.payloadLength, data.seq]).toEqual([PSH | ACK, 11, 526192198]);
    const s = linuxSegment('data');
    const view = TcpSegmentView.checked(s.tcp, s.src, s.dst);
    expect(view.ok && new TextDecoder().decode(view.value.payload)).toBe('hello, tcp\n');
    expect(repr('data-ack')).toMatchObject({ flags: ACK, ack: seqAdd(data.seq, 11), payloadLength: 0 });
    const fin = repr('fin');
    expect(fin).toMatchObject({ flags: FIN | ACK, seq: seqAdd(data.seq, 11) });
    const finPeer = repr('fin-peer');
    expect(finPeer).toMatchObject({ flags: FIN | ACK, ack: seqAdd(fin.seq, 1) });
    expect(repr('last-ack')).toMatchObject({ flags: ACK, seq: seqAdd(fin.seq, 1), ack: seqAdd(finPeer.seq, 1) });
  });

  it('ECN setup (RFC 3168 §6.1.1): SYN with ECE|CWR, SYN-ACK with ECE', () => {
    expect(repr('ecn-syn')).toMatchObject({ flags: SYN | ECE | CWR, options: synOptions(2924409939, 0) });
    expect(repr('ecn-syn-ack')).toMatchObject({ flags: SYN | ACK | ECE, options: synOptions(1157712643, 2924409939) });
  });

  it('SACK blocks after two dropped segments: one block, then two, the newest first (RFC 2018 §4)', () => {
    const bulk = repr('bulk-data');
    expect([bulk.flags, bulk.payloadLength]).toEqual([ACK, 1448]);
    const one = repr('sack');
    expect(one).toMatchObject({ flags: ACK, ack: 1782015915, payloadLength: 0 });
    expect(one.options).toEqual({ timestamps: { value: 3620995546, echo: 967662455 }, sack: [{ left: 1782017363, right: 1782018811 }] });
    // The hole is one full segment: the block starts 1448 bytes after the cumulative ACK.
    expect(seqDiff(one.options.sack![0]!.left, one.ack)).toBe(1448);
    const two = repr('sack-2');
    expect(two.options.sack).toEqual([
      { left: 1782020259, right: 1782021707 },
      { left: 1782017363, right: 1782018811 },
    ]);
  });

  it("the RST|ACK from a closed port: no options, seq 0, window 0, ack the SYN's seq + 1", () => {
    const syn = repr('partial-syn', false);
    expect(repr('rst')).toEqual({
      srcPort: 5558, dstPort: 40003, seq: 0, ack: seqAdd(syn.seq, 1), flags: RST | ACK, window: 0, urgentPointer: 0, options: {}, payloadLength: 0,
    });
  });

  it('view getters read every field of the SYN', () => {
    const s = linuxSegment('syn');
    const r = TcpSegmentView.checked(s.tcp, s.src, s.dst);
    if (!r.ok) throw new Error(r.error.message);
    const v = r.value;
    expect([v.srcPort, v.dstPort, v.seq, v.ack, v.dataOffset, v.headerLength, v.flags]).toEqual([40000, 5555, 526192197, 0, 10, 40, SYN]);
    expect([v.window, v.checksum, v.urgentPointer, v.payloadLength, v.payload.length]).toEqual([64240, 0x735e, 0, 0, 0]);
    expect([v.has(SYN), v.has(ACK), v.has(SYN | ACK)]).toEqual([true, false, false]);
    // MSS 1460 | SACK-permitted, timestamps (TSval 3492977992 = 0xd0329d48, TSecr 0) | NOP, window scale 10
    expect(toHex(v.options)).toBe('020405b4' + '0402' + '080ad0329d4800000000' + '01' + '03030a');
  });
});

describe('Linux TCP fixtures: encode', () => {
  it('every segment re-encodes byte for byte, checksum included', () => {
    for (const b of BLOCKS) {
      const s = linuxSegment(b);
      const r = repr(b);
      const payload = s.tcp.subarray(s.tcp.length - r.payloadLength);
      expect(tcpBufferLen(r), b).toBe(s.tcp.length);
      expect(tcpHeaderLen(r), b).toBe((s.tcp[12]! >> 4) * 4);
      const out = new Uint8Array(s.tcp.length);
      expect(emitTcp(r, out, 0, { src: s.src, dst: s.dst, payload })).toBe(s.tcp.length);
      expect(toHex(out), b).toBe(toHex(s.tcp));
    }
  });

  it('at an offset in a larger buffer, touching nothing around it', () => {
    for (const b of BLOCKS) {
      const s = linuxSegment(b);
      const r = repr(b);
      const big = new Uint8Array(s.tcp.length + 40).fill(0xaa);
      big.set(s.tcp.subarray(s.tcp.length - r.payloadLength), 17 + s.tcp.length - r.payloadLength); // payload already in place
      emitTcp(r, big, 17, { src: s.src, dst: s.dst });
      expect(toHex(big.subarray(17, 17 + s.tcp.length)), b).toBe(toHex(s.tcp));
      expect(big.subarray(0, 17).every((x) => x === 0xaa) && big.subarray(17 + s.tcp.length).every((x) => x === 0xaa)).toBe(true);
    }
  });

  it("with TX checksum offload on, Linux's SYN holds the folded pseudo-header sum: our 'partial' writes the same", () => {
    const s = linuxSegment('partial-syn');
    expect(checkTcp(s.tcp, s.src, s.dst)?.kind).toBe('checksum');
    const r = repr('partial-syn', false);
    expect(r.options).toEqual(synOptions(471394600, 0));
    const out = new Uint8Array(s.tcp.length);
    emitTcp(r, out, 0, { src: s.src, dst: s.dst, checksum: 'partial' });
    expect(toHex(out)).toBe(toHex(s.tcp));
    expect(s.tcp[16]! * 256 + s.tcp[17]!).toBe(fold(tcpPseudoHeaderSum(s.src, s.dst, s.tcp.length)));
  });
});

describe('Linux TCP fixtures: allocation-free readers', () => {
  it('readTimestamps finds TSval/TSecr in the aligned layout of ACKs and in the SYN layout', () => {
    const ts = { value: 0, echo: 0 };
    expect(readTimestamps(linuxSegment('data').tcp, ts)).toBe(true);
    expect(ts).toEqual({ value: 3492977992, echo: 1293596236 });
    expect(readTimestamps(linuxSegment('syn-ack').tcp, ts)).toBe(true);
    expect(ts).toEqual({ value: 1293596236, echo: 3492977992 });
    expect(readTimestamps(linuxSegment('rst').tcp, ts)).toBe(false);
  });

  it('readSackBlocks fills a caller-owned array', () => {
    const out = new Uint32Array(8);
    expect(readSackBlocks(linuxSegment('sack-2').tcp, out)).toBe(2);
    expect([...out.subarray(0, 4)]).toEqual([1782020259, 1782021707, 1782017363, 1782018811]);
    expect(readSackBlocks(linuxSegment('data').tcp, out)).toBe(0);
  });

  it('readTcpOptions fills reusable slots, clearing what the previous segment left', () => {
    const slots = new TcpOptionSlots();
    expect(readTcpOptions(linuxSegment('syn').tcp, slots)).toBeNull();
    expect([slots.mss, slots.windowScale, slots.sackPermitted, slots.hasTimestamps, slots.tsValue, slots.tsEcho, slots.sackCount])
      .toEqual([1460, 10, true, true, 3492977992, 0, 0]);
    expect(readTcpOptions(linuxSegment('sack').tcp, slots)).toBeNull();
    expect([slots.mss, slots.windowScale, slots.sackPermitted, slots.tsValue, slots.sackCount, slots.sack[0], slots.sack[1]])
      .toEqual([-1, -1, false, 3620995546, 1, 1782017363, 1782018811]);
    expect(readTcpOptions(linuxSegment('rst').tcp, slots)).toBeNull();
    expect([slots.hasTimestamps, slots.sackCount, slots.unknownCount]).toEqual([false, 0, 0]);
  });
});
