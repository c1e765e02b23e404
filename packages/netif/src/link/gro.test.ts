import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RxMeta } from '@stack/interfaces';
import { checksum, checksumValid, fromHex, pseudoHeaderSum, readU16, readU32, toHex, writeU16 } from '@stack/wire';
import { gsoFrame } from '../../test/frames.js';
import { TcpCoalescer } from './gro.js';
import { segmentGso } from './software-offload.js';

const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const TIMESTAMPS = fromHex('0101080a 00001111 00002222');
const PLAIN: RxMeta = { checksumVerified: false, checksumPartial: false };

function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) % 251;
  return b;
}

/** A wire segment: payload at `seq`, full checksums, ACK (and `flags`). */
function seg(payload: Uint8Array, seq: number, spec: { flags?: number; src?: number; options?: Uint8Array } = {}): Uint8Array {
  return gsoFrame(payload, { seq, flags: spec.flags ?? ACK, checksum: 'full', options: spec.options ?? TIMESTAMPS, ...(spec.src === undefined ? {} : { src: spec.src }) });
}

/** What went up: copies (the coalesced frame is a view of scratch memory). */
interface Up {
  frame: Uint8Array;
  meta: RxMeta;
}

function coalescer(): { gro: TcpCoalescer; up: Up[] } {
  const up: Up[] = [];
  const gro = new TcpCoalescer((frame, meta) => up.push({ frame: frame.slice(), meta: { ...meta } }));
  return { gro, up };
}

/** IPv4 + TCP fields of a frame handed up, its checksums checked independently of the coalescer. */
function read(frame: Uint8Array): { seq: number; flags: number; payload: Uint8Array; ipOk: boolean; tcpOk: boolean; totalLength: number } {
  const total = readU16(frame, 14 + 2);
  const end = 14 + total;
  const thl = (frame[34 + 12]! >>> 4) * 4;
  const src = readU32(frame, 14 + 12);
  const dst = readU32(frame, 14 + 16);
  return {
    seq: readU32(frame, 34 + 4),
    flags: frame[34 + 13]!,
    payload: frame.slice(34 + thl, end),
    ipOk: checksumValid(frame, 14, 34),
    tcpOk: checksumValid(frame, 34, end, pseudoHeaderSum(src, dst, 6, end - 34)),
    totalLength: total,
  };
}

describe('TcpCoalescer', () => {
  it('merges in-order segments of one flow into one segment with valid checksums, flagged verified', () => {
    const { gro, up } = coalescer();
    const data = pattern(3 * 1448 + 500);
    const segs = segmentGso(gsoFrame(data, { seq: 5000, flags: ACK | PSH, options: TIMESTAMPS }), 1448);
    if (!segs.ok) throw new Error(segs.error.message);
    for (const s of segs.value) gro.push(s, PLAIN);
    gro.flush();
    expect(up).toHaveLength(1);
    const r = read(up[0]!.frame);
    expect(r.seq).toBe(5000);
    expect(toHex(r.payload)).toBe(toHex(data));
    expect(r.totalLength).toBe(20 + 32 + data.length);
    expect(r.ipOk).toBe(true);
    expect(r.tcpOk).toBe(true);
    expect(r.flags).toBe(ACK | PSH);
    expect(toHex(up[0]!.frame.subarray(54, 66))).toBe(toHex(TIMESTAMPS));
    expect(up[0]!.meta.checksumVerified).toBe(true);
    expect(gro.stats).toEqual({ merged: 4, packets: 1 });
  });

  it('holds segments until flush, and a PSH ends the merge at once', () => {
    const { gro, up } = coalescer();
    gro.push(seg(pattern(100), 1), PLAIN);
    gro.push(seg(pattern(100, 1), 101), PLAIN);
    expect(up).toHaveLength(0);
    gro.push(seg(pattern(50, 2), 201, { flags: ACK | PSH }), PLAIN);
    expect(up).toHaveLength(1);
    expect(read(up[0]!.frame).payload.length).toBe(250);
    gro.push(seg(pattern(100, 3), 251), PLAIN);
    gro.flush();
    expect(up).toHaveLength(2);
    expect(read(up[1]!.frame).seq).toBe(251);
    expect(up[1]!.meta.checksumVerified).toBe(true); // alone, as it came, but its checksum was checked
    gro.flush();
    expect(up).toHaveLength(2);
  });

  it('does not merge a gap, a longer segment, another flow, or a segment with other options; order is kept', () => {
    const { gro, up } = coalescer();
    gro.push(seg(pattern(100), 1), PLAIN);
    gro.push(seg(pattern(100), 201), PLAIN); // gap: 101 expected
    gro.push(seg(pattern(150), 301), PLAIN); // longer than the first of its run (100)
    gro.push(seg(pattern(100), 451, { src: 0x0a4d0009 }), PLAIN); // another flow
    gro.push(seg(pattern(100), 551, { options: fromHex('0101080a 00001112 00002222') }), PLAIN); // newer TSval
    gro.flush();
    expect(up.map((u) => read(u.frame).seq)).toEqual([1, 201, 301, 451, 551]);
    expect(gro.stats).toEqual({ merged: 0, packets: 0 });
  });

  it('does not merge a segment whose Ethernet header, TOS (an ECN CE mark), TTL or DF differs from the first', () => {
    const { gro, up } = coalescer();
    const ip = (f: Uint8Array, at: number, value: number): Uint8Array => {
      f[14 + at] = value;
      writeU16(f, 14 + 10, 0);
      writeU16(f, 14 + 10, checksum(f, 14, 34));
      return f;
    };
    gro.push(seg(pattern(100), 1), PLAIN);
    gro.push(ip(seg(pattern(100), 101), 1, 0x03), PLAIN); // CE
    gro.push(ip(seg(pattern(100), 201), 8, 63), PLAIN); // TTL
    gro.push(ip(seg(pattern(100), 301), 6, 0x00), PLAIN); // DF clear
    const otherMac = seg(pattern(100), 501);
    otherMac[5] = 0x09; // another destination MAC
    gro.push(seg(pattern(100), 401), PLAIN);
    gro.push(otherMac, PLAIN);
    gro.flush();
    expect(up.map((u) => read(u.frame).seq)).toEqual([1, 101, 201, 301, 401, 501]);
    expect(up[1]!.frame[15]).toBe(0x03);
    expect(up.every((u) => u.meta.checksumVerified)).toBe(true);
  });

  it('passes control segments and pure ACKs up alone, in order, after what was held', () => {
    const { gro, up } = coalescer();
    gro.push(seg(pattern(100), 1), PLAIN);
    gro.push(seg(pattern(100), 101), PLAIN);
    const fin = seg(pattern(10), 201, { flags: ACK | FIN });
    const pureAck = seg(new Uint8Array(0), 211);
    gro.push(fin, PLAIN);
    gro.push(pureAck, PLAIN);
    gro.flush();
    expect(up).toHaveLength(3);
    expect(read(up[0]!.frame).payload.length).toBe(200);
    expect(toHex(up[1]!.frame)).toBe(toHex(fin));
    expect(up[1]!.meta.checksumVerified).toBe(false); // not looked at: the stack checks it
    expect(toHex(up[2]!.frame)).toBe(toHex(pureAck));
  });

  it('sends a segment with a bad checksum up alone and unverified, so TCP counts it', () => {
    const { gro, up } = coalescer();
    const bad = seg(pattern(100), 101);
    bad[bad.length - 1]! ^= 0x40;
    gro.push(seg(pattern(100), 1), PLAIN);
    gro.push(bad, PLAIN);
    gro.push(seg(pattern(100), 201), PLAIN);
    gro.flush();
    expect(up.map((u) => u.meta.checksumVerified)).toEqual([true, false, true]);
    expect(toHex(up[1]!.frame)).toBe(toHex(bad));
  });

  it('sends a segment with a bad IPv4 header checksum up alone and unverified', () => {
    const { gro, up } = coalescer();
    const bad = seg(pattern(100), 101);
    writeU16(bad, 14 + 10, readU16(bad, 14 + 10) ^ 1);
    gro.push(seg(pattern(100), 1), PLAIN);
    gro.push(bad, PLAIN);
    gro.flush();
    expect(up.map((u) => u.meta.checksumVerified)).toEqual([true, false]);
  });

  it('trusts the device when it verified, and leaves partial checksums alone', () => {
    const { gro, up } = coalescer();
    const a = seg(pattern(100), 1);
    const b = seg(pattern(100), 101);
    b[b.length - 1]! ^= 1; // wrong, but the device says it checked: not looked at
    gro.push(a, { checksumVerified: true, checksumPartial: false });
    gro.push(b, { checksumVerified: true, checksumPartial: false });
    const partial = seg(pattern(100), 201);
    gro.push(partial, { checksumVerified: true, checksumPartial: true });
    gro.flush();
    expect(up).toHaveLength(2);
    expect(read(up[0]!.frame).payload.length).toBe(200);
    expect(up[1]!.meta.checksumPartial).toBe(true);
  });

  it('stops at 65,535 bytes of IP packet', () => {
    const { gro, up } = coalescer();
    const mss = 8948;
    for (let i = 0; i < 10; i++) gro.push(seg(pattern(mss, i), 1 + i * mss), PLAIN);
    gro.flush();
    const lengths = up.map((u) => read(u.frame).totalLength);
    expect(lengths.every((l) => l <= 65_535)).toBe(true);
    expect(up.map((u) => read(u.frame).payload.length)).toEqual([7 * mss, 3 * mss]);
  });

  it('property: any split of a payload into in-order segments comes up intact, in as many segments as Linux would make (odd lengths too)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 0xffffffff }), (sizes, seq0) => {
        const { gro, up } = coalescer();
        const total = sizes.reduce((a, b) => a + b, 0);
        const data = pattern(total, sizes.length);
        // What should come up: a run starts with a segment of size m and takes segments of size m; a shorter
        // one ends it (included), a longer one starts the next.
        let expected = 0;
        let mss = -1;
        for (const n of sizes) {
          if (mss < 0 || n > mss) {
            expected++;
            mss = n;
          }
          if (n < mss) mss = -1;
        }
        let off = 0;
        for (const n of sizes) {
          gro.push(seg(data.subarray(off, off + n), (seq0 + off) >>> 0), PLAIN);
          off += n;
        }
        gro.flush();
        expect(up).toHaveLength(expected);
        let at = 0;
        for (const u of up) {
          const r = read(u.frame);
          expect(r.ipOk && r.tcpOk).toBe(true);
          expect(r.seq).toBe((seq0 + at) >>> 0);
          expect(toHex(r.payload)).toBe(toHex(data.subarray(at, at + r.payload.length)));
          at += r.payload.length;
        }
        expect(at).toBe(total);
      }),
      { numRuns: 300 },
    );
  });
});
