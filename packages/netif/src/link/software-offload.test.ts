import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, checksumValid, fold, fromHex, pseudoHeaderSum, readU16, readU32, toHex, writeU16 } from '@stack/wire';
import { gsoFrame, l3Offset, udp, ipv4, ethernet } from '../../test/frames.js';
import { parseIpv4Header } from '../../test/ipv4.js';
import { completeChecksum, gsoSegmentLength, resolveOffloads, segmentGso } from './software-offload.js';

const FIN = 0x01;
const PSH = 0x08;
const ACK = 0x10;
const CWR = 0x80;
const ECE = 0x40;

/** What one segment holds, read back with the ipv4 package's parser and wire helpers. */
interface Seg {
  id: number;
  df: boolean;
  totalLength: number;
  seq: number;
  flags: number;
  thl: number;
  payload: Uint8Array;
  tcpChecksumOk: boolean;
}

function read(seg: Uint8Array, tags = 0): Seg {
  const l3 = l3Offset(tags);
  const r = parseIpv4Header(seg.subarray(l3)); // verifies the header checksum
  if (!r.ok) throw new Error(`segment IPv4 header: ${r.error.message}`);
  const ip = r.value;
  const l4 = l3 + ip.headerLength;
  const end = l3 + ip.headerLength + ip.payloadLength;
  const thl = (seg[l4 + 12]! >>> 4) * 4;
  return {
    id: ip.identification,
    df: ip.dontFragment,
    totalLength: ip.headerLength + ip.payloadLength,
    seq: readU32(seg, l4 + 4),
    flags: seg[l4 + 13]!,
    thl,
    payload: seg.slice(l4 + thl, end),
    tcpChecksumOk: checksumValid(seg, l4, end, pseudoHeaderSum(ip.src, ip.dst, ip.protocol, ip.payloadLength)),
  };
}

function cut(frame: Uint8Array, gsoSize: number): Uint8Array[] {
  const r = segmentGso(frame, gsoSize);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function pattern(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) % 251;
  return b;
}

/** A TCP timestamps option (NOP, NOP, kind 8 len 10): 12 bytes, copied into every segment. */
const TIMESTAMPS = fromHex('0101080a 00001111 00002222');

describe('segmentGso: a GSO frame of 3 × MSS + a remainder', () => {
  const payload = pattern(3 * 1448 + 100);
  const frame = gsoFrame(payload, { id: 0xfffe, seq: 0xffff_ff00, flags: ACK | PSH | FIN | CWR | ECE, options: TIMESTAMPS });
  const segs = cut(frame, 1448);
  const got = segs.map((s) => read(s));

  it('makes 4 segments, 3 of MSS and one of the rest, each a whole wire frame', () => {
    expect(segs.map((s) => s.length)).toEqual([14 + 20 + 32 + 1448, 14 + 20 + 32 + 1448, 14 + 20 + 32 + 1448, 14 + 20 + 32 + 100]);
    expect(got.map((g) => g.totalLength)).toEqual([1500, 1500, 1500, 152]);
    expect(got.map((g) => g.payload.length)).toEqual([1448, 1448, 1448, 100]);
    // Ethernet header, IP addresses and TTL, TCP ports, ack, window and options: copied as they were
    for (const s of segs) {
      expect(toHex(s.subarray(0, 14))).toBe(toHex(frame.subarray(0, 14)));
      expect(toHex(s.subarray(14 + 8, 14 + 10))).toBe(toHex(frame.subarray(14 + 8, 14 + 10)));
      expect(toHex(s.subarray(14 + 12, 14 + 20))).toBe(toHex(frame.subarray(14 + 12, 14 + 20)));
      expect(toHex(s.subarray(34, 38))).toBe(toHex(frame.subarray(34, 38)));
      expect(toHex(s.subarray(42, 46))).toBe(toHex(frame.subarray(42, 46)));
      expect(toHex(s.subarray(48, 50))).toBe(toHex(frame.subarray(48, 50)));
      expect(toHex(s.subarray(54, 66))).toBe(toHex(TIMESTAMPS));
    }
  });

  it('numbers IP ids up from the frame\'s, wrapping at 16 bits, and keeps DF', () => {
    expect(got.map((g) => g.id)).toEqual([0xfffe, 0xffff, 0x0000, 0x0001]);
    expect(got.every((g) => g.df)).toBe(true);
  });

  it('advances the sequence number by the bytes before each segment (mod 2^32)', () => {
    expect(got.map((g) => g.seq)).toEqual([0xffff_ff00, (0xffff_ff00 + 1448) >>> 0, (0xffff_ff00 + 2896) >>> 0, (0xffff_ff00 + 4344) >>> 0]);
  });

  it('FIN and PSH on the last segment only, CWR on the first only; ACK and ECE on all', () => {
    expect(got.map((g) => g.flags)).toEqual([ACK | CWR | ECE, ACK | ECE, ACK | ECE, ACK | PSH | FIN | ECE]);
  });

  it('every IP header checksum and every TCP checksum verifies; the payloads join up to the original', () => {
    expect(got.every((g) => g.tcpChecksumOk)).toBe(true);
    expect(Buffer.concat(got.map((g) => g.payload))).toEqual(Buffer.from(payload));
  });

  it('a segment is what a stack without GSO would have sent (checksum by full computation)', () => {
    // The second segment, built directly as a whole frame with the same fields.
    const second = gsoFrame(payload.subarray(1448, 2896), { id: 0xffff, seq: (0xffff_ff00 + 1448) >>> 0, flags: ACK | ECE, options: TIMESTAMPS, checksum: 'full' });
    expect(toHex(segs[1]!)).toBe(toHex(second));
  });
});

describe('segmentGso: shapes', () => {
  it('keeps VLAN tags (one or two) on every segment', () => {
    for (const vlans of [[100], [10, 20]]) {
      const frame = gsoFrame(pattern(3000), { vlans });
      const segs = cut(frame, 1000);
      expect(segs).toHaveLength(3);
      for (const s of segs) {
        expect(toHex(s.subarray(12, 12 + 4 * vlans.length))).toBe(toHex(frame.subarray(12, 12 + 4 * vlans.length)));
        const g = read(s, vlans.length);
        expect(g.tcpChecksumOk).toBe(true);
        expect(g.payload.length).toBe(1000);
      }
    }
  });

  it('pads a short last segment with zeros to the wire minimum (60, 64 when tagged), outside the IP packet', () => {
    const segs = cut(gsoFrame(pattern(1001)), 1000);
    expect(segs.map((s) => s.length)).toEqual([54 + 1000, 60]);
    expect(read(segs[1]!).totalLength).toBe(41);
    expect(toHex(segs[1]!.subarray(55))).toBe('0000000000');
    const tagged = cut(gsoFrame(pattern(1001), { vlans: [5] }), 1000);
    expect(tagged[1]!.length).toBe(64);
  });

  it('a frame that needs no cutting becomes one segment with its checksum filled in', () => {
    const frame = gsoFrame(pattern(500), { flags: ACK | PSH | FIN | CWR });
    const [one, ...rest] = cut(frame, 1448);
    expect(rest).toEqual([]);
    expect(toHex(one!)).toBe(toHex(gsoFrame(pattern(500), { flags: ACK | PSH | FIN | CWR, checksum: 'full' })));
    // and a bare header (no payload at all)
    const [bare] = cut(gsoFrame(new Uint8Array(0)), 1448);
    expect(read(bare!).tcpChecksumOk).toBe(true);
  });

  it('cuts exactly at multiples of gsoSize (no empty tail segment)', () => {
    expect(cut(gsoFrame(pattern(4000)), 1000)).toHaveLength(4);
  });

  it('gsoSegmentLength is the length of the first segment, -1 for a frame it cannot cut', () => {
    expect(gsoSegmentLength(gsoFrame(pattern(5000), { options: TIMESTAMPS }), 1448)).toBe(14 + 52 + 1448);
    expect(gsoSegmentLength(gsoFrame(pattern(100)), 1448)).toBe(14 + 40 + 100);
    expect(gsoSegmentLength(ethernet(0, 0, 0x0806, 28), 1448)).toBe(-1);
  });
});

describe('segmentGso: what it refuses, never throwing', () => {
  it('not IPv4 TCP, a fragment, headers that do not fit, a bad gsoSize', () => {
    const udpFrame = ethernet(1, 2, 0x0800, ipv4(1, 2, 17, udp(1, 2, pattern(3000))));
    const cases: [Uint8Array, number, string][] = [
      [udpFrame, 1000, 'unsupported'],
      [ethernet(1, 2, 0x0806, 28), 1000, 'unsupported'],
      [ethernet(1, 2, 0x0800, ipv4(1, 2, 6, new Uint8Array(3000), { offset: 8 })), 1000, 'malformed'],
      [ethernet(1, 2, 0x0800, ipv4(1, 2, 6, new Uint8Array(10))), 1000, 'truncated'],
      [gsoFrame(pattern(100)).subarray(0, 30), 1000, 'truncated'],
      [new Uint8Array(5), 1000, 'truncated'],
      [gsoFrame(pattern(100)), 0, 'malformed'],
    ];
    for (const [frame, size, kind] of cases) {
      const r = segmentGso(frame, size);
      expect(r.ok ? 'ok' : r.error.kind).toBe(kind);
    }
    const lying = gsoFrame(pattern(100));
    writeU16(lying, 16, 2000); // IP total length beyond the frame
    expect(segmentGso(lying, 50).ok).toBe(false);
    const badOffset = gsoFrame(pattern(100));
    badOffset[14 + 20 + 12] = 0x40; // data offset 4 words < 5
    expect(segmentGso(badOffset, 50).ok).toBe(false);
  });

  it('random bytes and mutated GSO frames never throw', () => {
    const valid = gsoFrame(pattern(3000), { options: TIMESTAMPS });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: -5, max: 3000 }), (bytes, size) => {
        segmentGso(bytes, size);
        gsoSegmentLength(bytes, size);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat(valid.length), (flips, cutAt) => {
        const m = valid.slice(0, Math.max(cutAt, 1));
        for (const [i, v] of flips) if (i < m.length) m[i] = v;
        const r = segmentGso(m, 1000);
        if (r.ok) for (const s of r.value) expect(s.length).toBeGreaterThanOrEqual(54);
      }),
    );
  });
});

describe('segmentGso: properties (random sizes, flags, tags, ids, seqs)', () => {
  it('payloads join up to the original, every segment fits gsoSize + headers, flags and numbers as Linux does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65_000 }),
        fc.integer({ min: 1, max: 1460 }),
        fc.integer({ min: 0, max: 255 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        (lenRaw, gsoSize, flags, id, seq, tags, withOptions) => {
          const len = lenRaw % (gsoSize * 45 + 1); // up to 45 segments, and 64 KiB-size frames for a large gsoSize
          const payload = pattern(len, id);
          const vlans = [7, 8].slice(0, tags);
          const frame = gsoFrame(payload, { flags, id, seq, vlans, ...(withOptions ? { options: TIMESTAMPS } : {}) });
          const segs = cut(frame, gsoSize);
          const thl = withOptions ? 32 : 20;
          const l3 = l3Offset(tags);
          const mtu = 20 + thl + gsoSize; // the MTU this gsoSize was chosen for
          expect(segs.length).toBe(Math.max(1, Math.ceil(len / gsoSize)));
          const got = segs.map((s) => read(s, tags));
          let off = 0;
          got.forEach((g, i) => {
            const last = i === got.length - 1;
            expect(segs[i]!.length - l3).toBeLessThanOrEqual(Math.max(mtu, 46 + 4 * tags)); // within the MTU (or the padded minimum)
            expect(g.totalLength).toBeLessThanOrEqual(mtu);
            expect(g.payload.length).toBe(last ? len - off : gsoSize);
            expect(g.seq).toBe((seq + off) >>> 0);
            expect(g.id).toBe((id + i) & 0xffff);
            expect(g.tcpChecksumOk).toBe(true);
            expect(g.thl).toBe(thl);
            let want = flags;
            if (!last) want &= ~(FIN | PSH);
            if (i !== 0) want &= ~CWR;
            expect(g.flags).toBe(want);
            off += g.payload.length;
          });
          expect(Buffer.concat(got.map((g) => g.payload)).equals(Buffer.from(payload))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('completeChecksum (virtio NEEDS_CSUM, skb_checksum_help)', () => {
  it('gives the bytes a full computation gives (TCP and UDP, any length, padding included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1500 }), fc.boolean(), fc.boolean(), (data, isTcp, padded) => {
        const l4Len = (isTcp ? 20 : 8) + data.length;
        const l4 = isTcp ? tcpBytes(data) : udp(5353, 53, data);
        const pseudo = pseudoHeaderSum(0x0a4d0001, 0x0a4d0002, isTcp ? 6 : 17, l4Len);
        const field = isTcp ? 16 : 6;
        const full = ethernet(1, 2, 0x0800, ipv4(0x0a4d0001, 0x0a4d0002, isTcp ? 6 : 17, l4));
        const partial = full.slice();
        writeU16(full, 34 + field, 0);
        const c = checksum(full, 34, full.length, pseudo);
        writeU16(full, 34 + field, c === 0 ? 0xffff : c);
        writeU16(partial, 34 + field, fold(pseudo));
        const frame = padded && partial.length < 60 ? Uint8Array.from([...partial, ...new Uint8Array(60 - partial.length)]) : partial;
        completeChecksum(frame, 34, field);
        expect(toHex(frame.subarray(0, full.length))).toBe(toHex(full));
        expect(checksumValid(frame, 34, full.length, pseudo)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('resolveOffloads: a copy with the checksum completed, or the segments of a GSO frame', () => {
    const frame = gsoFrame(pattern(300));
    const r = resolveOffloads(frame, { checksumStart: 34, checksumOffset: 16 });
    expect(r.ok && r.value.length === 1 && read(r.value[0]!).tcpChecksumOk).toBe(true);
    expect(r.ok && r.value[0] !== frame).toBe(true);
    expect(readU16(frame, 50)).not.toBe(readU16(r.ok ? r.value[0]! : frame, 50)); // the original is untouched
    const g = resolveOffloads(gsoFrame(pattern(3000)), { checksumStart: 34, checksumOffset: 16, gsoSize: 1000 });
    expect(g.ok && g.value.length).toBe(3);
  });
});

function tcpBytes(data: Uint8Array): Uint8Array {
  const f = gsoFrame(data);
  return f.slice(34);
}
