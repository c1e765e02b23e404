import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { checksum, fromHex, ipv4, readU16, toHex, writeU16 } from '@stack/wire';
import { UdpView, checkUdp, emitUdp, parseUdp, udpBufferLen, udpChecksum, udpPartialChecksum } from './udp.js';

const SRC = ipv4('10.77.0.1');
const DST = ipv4('10.77.0.2');

// 40000 → 7, "hi\n" (odd length). Checksum 0xdc8a computed outside this code
// base (a Python RFC 1071 loop over pseudo-header, header and data) and
// checked again below with an independent byte loop.
const HI_HEX = '9c40 0007 000b dc8a 68690a';

/** RFC 768 checksum by the plain byte loop, independent of @stack/wire. */
function naiveUdpChecksum(src: number, dst: number, udp: Uint8Array): number {
  const ph = [src >>> 24, (src >>> 16) & 255, (src >>> 8) & 255, src & 255, dst >>> 24, (dst >>> 16) & 255, (dst >>> 8) & 255, dst & 255, 0, 17, udp.length >> 8, udp.length & 255];
  const all = [...ph, ...udp];
  let s = 0;
  for (let i = 0; i < all.length; i += 2) s += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (s >> 16) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  return c === 0 ? 0xffff : c;
}

describe('UDP codec: fixed bytes', () => {
  it('the fixture checksum agrees with an independent byte loop', () => {
    const b = fromHex(HI_HEX);
    b[6] = 0;
    b[7] = 0;
    expect(naiveUdpChecksum(SRC, DST, b)).toBe(0xdc8a);
  });

  it('decodes', () => {
    const b = fromHex(HI_HEX);
    expect(parseUdp(b, SRC, DST)).toEqual({ ok: true, value: { srcPort: 40000, dstPort: 7, length: 11, checksum: 0xdc8a } });
    const v = UdpView.checked(b, SRC, DST);
    expect(v.ok && new TextDecoder().decode(v.value.payload)).toBe('hi\n');
  });

  it('encodes the same bytes, copying the payload, also at an offset in a larger buffer', () => {
    const buf = new Uint8Array(11);
    expect(emitUdp({ srcPort: 40000, dstPort: 7, length: 11 }, buf, 0, { src: SRC, dst: DST, payload: new TextEncoder().encode('hi\n') })).toBe(11);
    expect(toHex(buf)).toBe(toHex(fromHex(HI_HEX)));
    const big = new Uint8Array(20).fill(0xaa);
    emitUdp({ srcPort: 40000, dstPort: 7, length: 11 }, big, 5, { src: SRC, dst: DST, payload: new TextEncoder().encode('hi\n') });
    expect(toHex(big.subarray(5, 16))).toBe(toHex(fromHex(HI_HEX)));
    expect([big[4], big[16]]).toEqual([0xaa, 0xaa]);
    expect(udpBufferLen({ length: 11 })).toBe(11);
  });

  it('accepts a zero checksum as "none" (RFC 768) and can emit one', () => {
    const b = fromHex('9c40 0007 000b 0000 68690a');
    expect(parseUdp(b, SRC, DST).ok).toBe(true);
    const out = new Uint8Array(11);
    emitUdp({ srcPort: 40000, dstPort: 7, length: 11 }, out, 0, { src: SRC, dst: DST, payload: fromHex('68690a'), checksum: false });
    expect(toHex(out)).toBe(toHex(b));
  });

  it("'partial' leaves the pseudo-header sum; completing it over the datagram gives the fixture", () => {
    const out = new Uint8Array(11);
    emitUdp({ srcPort: 40000, dstPort: 7, length: 11 }, out, 0, { src: SRC, dst: DST, payload: new TextEncoder().encode('hi\n'), checksum: 'partial' });
    // 10.77.0.1 + 10.77.0.2 + 17 + 11, by hand: 0x0a4d + 0x0001 + 0x0a4d + 0x0002 + 0x11 + 0x0b.
    expect(readU16(out, 6)).toBe(0x0a4d + 0x0001 + 0x0a4d + 0x0002 + 0x11 + 0x0b);
    expect(udpPartialChecksum(11, SRC, DST)).toBe(readU16(out, 6));
    writeU16(out, 6, checksum(out)); // what a device does with NEEDS_CSUM
    expect(toHex(out)).toBe(toHex(fromHex(HI_HEX)));
  });

  it('writes 0xffff when the checksum comes out 0 (RFC 768)', () => {
    // Pick a payload word that makes the one's complement sum 0xffff.
    const buf = new Uint8Array(10);
    emitUdp({ srcPort: 1, dstPort: 2, length: 10 }, buf, 0, { src: SRC, dst: DST, payload: fromHex('0000') });
    const c = buf[6]! * 256 + buf[7]!;
    // Put the complement of the checksum into the data: the new sum is all ones.
    const tuned = new Uint8Array(10);
    emitUdp({ srcPort: 1, dstPort: 2, length: 10 }, tuned, 0, { src: SRC, dst: DST, payload: new Uint8Array([c >> 8, c & 0xff]) });
    expect(toHex(tuned.subarray(6, 8))).toBe('ffff');
    expect(naiveUdpChecksum(SRC, DST, tuned.slice().fill(0, 6, 8))).toBe(0xffff);
    expect(parseUdp(tuned, SRC, DST).ok).toBe(true);
  });

  it('checks Length against the buffer; a longer buffer (IP padding) is fine', () => {
    const b = fromHex(HI_HEX);
    expect(parseUdp(b.subarray(0, 7), SRC, DST)).toMatchObject({ ok: false, error: { kind: 'truncated' } });
    expect(parseUdp(b.subarray(0, 10), SRC, DST)).toMatchObject({ ok: false, error: { kind: 'truncated' } });
    const short = fromHex('9c40 0007 0007 0000 68690a');
    expect(parseUdp(short, SRC, DST)).toMatchObject({ ok: false, error: { kind: 'malformed', offset: 4 } });
    const padded = new Uint8Array(16);
    padded.set(b);
    const v = UdpView.checked(padded, SRC, DST);
    expect(v.ok && v.value.payload.length).toBe(3);
  });

  it('rejects a bad checksum, a wrong pseudo-header, and can skip the check', () => {
    const b = fromHex(HI_HEX);
    b[9] = b[9]! ^ 0x20;
    expect(parseUdp(b, SRC, DST)).toMatchObject({ ok: false, error: { kind: 'checksum', offset: 6 } });
    expect(parseUdp(b, SRC, DST, { verifyChecksum: false }).ok).toBe(true);
    expect(checkUdp(fromHex(HI_HEX), SRC, ipv4('10.77.0.3'))?.kind).toBe('checksum');
  });

  it('emit refuses lengths and buffers that do not fit', () => {
    for (const f of [
      () => emitUdp({ srcPort: 1, dstPort: 2, length: 7 }, new Uint8Array(20), 0, { src: 0, dst: 0 }),
      () => emitUdp({ srcPort: 1, dstPort: 2, length: 12 }, new Uint8Array(11), 0, { src: 0, dst: 0 }),
      () => emitUdp({ srcPort: 1, dstPort: 2, length: 12 }, new Uint8Array(12), 0, { src: 0, dst: 0, payload: new Uint8Array(3) }),
    ]) {
      try {
        f();
        expect.unreachable();
      } catch (e) {
        expect(isStackError(e, 'ERR_INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

const datagramArb = fc.record({
  srcPort: fc.nat(0xffff),
  dstPort: fc.nat(0xffff),
  payload: fc.uint8Array({ maxLength: 600 }),
  src: fc.nat(0xffffffff),
  dst: fc.nat(0xffffffff),
});

describe('UDP codec: properties', () => {
  it('parse(emit(x)) equals x, with the checksum of an independent byte loop, at any offset', () => {
    fc.assert(
      fc.property(datagramArb, fc.nat(7), ({ srcPort, dstPort, payload, src, dst }, pad) => {
        const length = 8 + payload.length;
        const buf = new Uint8Array(pad + length + 5);
        emitUdp({ srcPort, dstPort, length }, buf, pad, { src, dst, payload });
        const udp = buf.subarray(pad, pad + length);
        const zeroed = udp.slice();
        zeroed[6] = 0;
        zeroed[7] = 0;
        const expected = naiveUdpChecksum(src, dst, zeroed);
        expect(udpChecksum(zeroed, length, src, dst)).toBe(expected);
        expect(parseUdp(udp, src, dst)).toEqual({ ok: true, value: { srcPort, dstPort, length, checksum: expected } });
        const v = UdpView.checked(buf.subarray(pad), src, dst);
        expect(v.ok && toHex(v.value.payload)).toBe(toHex(payload));
      }),
    );
  });

  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(0xffffffff), fc.nat(0xffffffff), fc.boolean(), (b, s, d, verify) => {
        const r = parseUdp(b, s, d, { verifyChecksum: verify });
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });

  it('mutated valid datagrams never throw, and a flipped byte fails the checksum', () => {
    fc.assert(
      fc.property(datagramArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), ({ srcPort, dstPort, payload, src, dst }, at, xor, cut) => {
        const length = 8 + payload.length;
        const buf = new Uint8Array(length);
        emitUdp({ srcPort, dstPort, length }, buf, 0, { src, dst, payload });
        const i = at % length;
        const m = buf.slice();
        m[i] = m[i]! ^ xor;
        const r = parseUdp(m, src, dst);
        // Flipping the length field may make it truncated/malformed instead; a
        // flipped checksum byte may turn it into 0 ("none"): both fine, never ok otherwise.
        if (i !== 4 && i !== 5 && !(m[6] === 0 && m[7] === 0)) expect(r).toMatchObject({ ok: false, error: { kind: 'checksum' } });
        parseUdp(m.subarray(0, cut % (length + 1)), src, dst);
      }),
    );
  });
});
