import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { checksumValid, fromHex, toHex } from '@stack/wire';
import { IcmpView, emitIcmp, icmpBufferLen, parseIcmp, type IcmpRepr } from './icmp.js';

/** RFC 1071 byte loop, independent of @stack/wire, to build fixtures. */
function naiveChecksum(buf: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < buf.length; i += 2) s += (buf[i]! << 8) | (buf[i + 1] ?? 0);
  while (s >> 16) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

// An echo request: id 0x1c46, seq 1, 8 data bytes 00..07. Checksum by hand:
// 0800 + 1c46 + 0001 + 0001 + 0203 + 0405 + 0607 = 0x3057, complement 0xcfa8
// (and checked with an independent byte loop below).
const ECHO_HEX = '08 00 cfa8 1c46 0001 0001 0203 0405 0607';

describe('ICMP codec: fixed bytes', () => {
  it('the hand-made echo fixture has a checksum the byte loop agrees with', () => {
    const b = fromHex(ECHO_HEX);
    const copy = b.slice();
    copy[2] = 0;
    copy[3] = 0;
    expect(naiveChecksum(copy)).toBe(0xcfa8);
  });

  it('decodes an echo request', () => {
    const r = parseIcmp(fromHex(ECHO_HEX));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({ kind: 'echo-request', id: 0x1c46, seq: 1, data: fromHex('0001 0203 0405 0607') });
  });

  it('encodes an echo request to the same bytes, also at an offset', () => {
    const repr: IcmpRepr = { kind: 'echo-request', id: 0x1c46, seq: 1, data: fromHex('0001020304050607') };
    expect(icmpBufferLen(repr)).toBe(16);
    const buf = new Uint8Array(16);
    expect(emitIcmp(repr, buf)).toBe(16);
    expect(toHex(buf)).toBe(toHex(fromHex(ECHO_HEX)));
    const big = new Uint8Array(21).fill(0xaa);
    emitIcmp(repr, big, 3);
    expect(toHex(big.subarray(3, 19))).toBe(toHex(fromHex(ECHO_HEX)));
    expect(big[2]).toBe(0xaa);
    expect(big[19]).toBe(0xaa);
  });

  it('decodes fragmentation needed with its next-hop MTU (RFC 1191)', () => {
    const quoted = fromHex('4500 05dc 0000 4000 4011 0000 0a4d0002 c0000201 c000 0035 05c8 0000');
    const msg = new Uint8Array(8 + quoted.length);
    msg.set([3, 4, 0, 0, 0, 0, 0x05, 0x78]);
    msg.set(quoted, 8);
    const c = naiveChecksum(msg);
    msg[2] = c >> 8;
    msg[3] = c & 0xff;
    const r = parseIcmp(msg);
    expect(r.ok && r.value).toEqual({ kind: 'destination-unreachable', code: 4, mtu: 1400, quoted });
  });

  it('decodes parameter problem with its pointer, and keeps unknown types', () => {
    const pp = fromHex('0c 00 0000 14 000000');
    const c = naiveChecksum(pp);
    pp[2] = c >> 8;
    pp[3] = c & 0xff;
    expect(parseIcmp(pp)).toEqual({ ok: true, value: { kind: 'parameter-problem', code: 0, pointer: 20, quoted: new Uint8Array(0) } });
    const unknown = fromHex('2a 07 0000 deadbeef 0102');
    const c2 = naiveChecksum(unknown);
    unknown[2] = c2 >> 8;
    unknown[3] = c2 & 0xff;
    const r = parseIcmp(unknown);
    expect(r.ok && r.value).toEqual({ kind: 'other', type: 42, code: 7, rest: 0xdeadbeef, data: fromHex('0102') });
    const out = new Uint8Array(unknown.length);
    if (r.ok) emitIcmp(r.value, out);
    expect(toHex(out)).toBe(toHex(unknown));
  });

  it('an echo with a non-zero code is not an echo: it round-trips as "other"', () => {
    const m = fromHex('08 01 0000 0001 0002');
    const c = naiveChecksum(m);
    m[2] = c >> 8;
    m[3] = c & 0xff;
    const r = parseIcmp(m);
    expect(r.ok && r.value.kind).toBe('other');
  });

  it('reports truncated and checksum errors, and can skip the checksum', () => {
    expect(parseIcmp(fromHex('0800 0000 0000'))).toMatchObject({ ok: false, error: { kind: 'truncated', offset: 6 } });
    const bad = fromHex(ECHO_HEX);
    bad[10] = bad[10]! ^ 0xff;
    expect(parseIcmp(bad)).toMatchObject({ ok: false, error: { kind: 'checksum', offset: 2 } });
    expect(parseIcmp(bad, { verifyChecksum: false }).ok).toBe(true);
  });

  it('the view exposes the raw fields', () => {
    const v = IcmpView.checked(fromHex(ECHO_HEX));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect([v.value.type, v.value.code, v.value.checksum, v.value.echoId, v.value.echoSeq, v.value.rest]).toEqual([8, 0, 0xcfa8, 0x1c46, 1, 0x1c460001]);
    expect(v.value.payload.length).toBe(8);
  });

  it('emit refuses a buffer that is too small', () => {
    try {
      emitIcmp({ kind: 'echo-reply', id: 1, seq: 1, data: new Uint8Array(10) }, new Uint8Array(17));
      expect.unreachable();
    } catch (e) {
      expect(isStackError(e, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});

const u8 = fc.nat(0xff);
const u16 = fc.nat(0xffff);
const bytes = fc.uint8Array({ maxLength: 200 });
const KNOWN = new Set([0, 3, 4, 8, 11, 12]);
/** Any repr, with fields inside what the wire can hold. */
const icmpReprArb: fc.Arbitrary<IcmpRepr> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), id: u16, seq: u16, data: bytes }),
  fc.record({ kind: fc.constant('destination-unreachable' as const), code: u8, mtu: u16, quoted: bytes }),
  fc.record({ kind: fc.constant('time-exceeded' as const), code: u8, quoted: bytes }),
  fc.record({ kind: fc.constant('parameter-problem' as const), code: u8, pointer: u8, quoted: bytes }),
  fc.record({ kind: fc.constant('source-quench' as const), code: u8, quoted: bytes }),
  fc.record({ kind: fc.constant('other' as const), type: u8.filter((t) => !KNOWN.has(t)), code: u8, rest: fc.nat(0xffffffff), data: bytes }),
);

describe('ICMP codec: properties', () => {
  it('parse(emit(x)) equals x, at any offset, and the checksum verifies', () => {
    fc.assert(
      fc.property(icmpReprArb, fc.nat(9), (repr, pad) => {
        const len = icmpBufferLen(repr);
        const buf = new Uint8Array(pad + len + 3);
        expect(emitIcmp(repr, buf, pad)).toBe(len);
        const msg = buf.subarray(pad, pad + len);
        expect(checksumValid(msg)).toBe(true);
        const r = parseIcmp(msg);
        expect(r).toEqual({ ok: true, value: repr });
        // re-encoding the parsed repr gives the same bytes
        if (r.ok) {
          const again = new Uint8Array(len);
          emitIcmp(r.value, again);
          expect(toHex(again)).toBe(toHex(msg));
        }
      }),
    );
  });

  it('parsing random bytes never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (b, verify) => {
        const r = parseIcmp(b, { verifyChecksum: verify });
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });

  it('parsing mutated valid messages never throws, and a flipped byte fails the checksum', () => {
    fc.assert(
      fc.property(icmpReprArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (repr, at, xor, cut) => {
        const buf = new Uint8Array(icmpBufferLen(repr));
        emitIcmp(repr, buf);
        const flipped = buf.slice();
        flipped[at % flipped.length] = flipped[at % flipped.length]! ^ xor;
        expect(parseIcmp(flipped)).toMatchObject({ ok: false, error: { kind: 'checksum' } });
        parseIcmp(flipped, { verifyChecksum: false });
        const truncated = buf.subarray(0, cut % (buf.length + 1));
        parseIcmp(truncated);
        parseIcmp(truncated, { verifyChecksum: false });
      }),
    );
  });
});
