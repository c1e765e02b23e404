import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { fromHex, toHex } from '@stack/wire';
import { ArpMutView, ArpOperation, ArpView, arpBufferLen, emitArp, parseArp, type ArpRepr } from './arp.js';
import { linuxFixture } from '../fixtures/linux.js';

const M1 = 0x020000005101;
const M2 = 0x020000005102;
const IP1 = 0x0a4d3301; // 10.77.51.1
const IP2 = 0x0a4d3302; // 10.77.51.2

// Hand-laid request, field by field (RFC 826 packet format).
const REQUEST = fromHex(`
  0001        # htype Ethernet
  0800        # ptype IPv4
  06 04       # hlen, plen
  0001        # op request
  020000000001 c0000201   # sender 02:00:00:00:00:01 192.0.2.1
  000000000000 c0000202   # target unknown, 192.0.2.2
`);
const REQUEST_REPR: ArpRepr = { operation: 1, senderMac: 0x020000000001, senderIp: 0xc0000201, targetMac: 0, targetIp: 0xc0000202 };

const arbRepr: fc.Arbitrary<ArpRepr> = fc.record({
  operation: fc.oneof(fc.constantFrom(1, 2), fc.nat(0xffff)),
  senderMac: fc.nat({ max: 2 ** 48 - 1 }),
  senderIp: fc.nat(0xffffffff),
  targetMac: fc.nat({ max: 2 ** 48 - 1 }),
  targetIp: fc.nat(0xffffffff),
});

describe('ARP codec (RFC 826)', () => {
  it('decodes a request', () => {
    expect(parseArp(REQUEST)).toEqual({ ok: true, value: REQUEST_REPR });
  });

  it('encodes byte for byte', () => {
    const buf = new Uint8Array(28);
    expect(emitArp(REQUEST_REPR, buf)).toBe(28);
    expect(toHex(buf)).toBe(toHex(REQUEST));
    expect(arpBufferLen(REQUEST_REPR)).toBe(28);
  });

  it('encodes at an offset into a larger buffer without touching the rest', () => {
    const big = new Uint8Array(50).fill(0xcc);
    emitArp(REQUEST_REPR, big, 9);
    expect(big.subarray(0, 9).every((b) => b === 0xcc)).toBe(true);
    expect(big.subarray(37).every((b) => b === 0xcc)).toBe(true);
    expect(toHex(big.subarray(9, 37))).toBe(toHex(REQUEST));
  });

  it('ignores Ethernet padding after the 28 bytes', () => {
    const padded = new Uint8Array(46);
    padded.set(REQUEST);
    padded.fill(0xff, 28);
    expect(parseArp(padded)).toEqual({ ok: true, value: REQUEST_REPR });
  });

  it('keeps unknown operations as numbers', () => {
    const b = REQUEST.slice();
    b[7] = 8; // InARP request
    expect(parseArp(b)).toEqual({ ok: true, value: { ...REQUEST_REPR, operation: 8 } });
    expect(ArpOperation).toEqual({ Request: 1, Reply: 2 });
  });

  it('ArpOperation is frozen (strict mode: writes throw, nothing changes)', () => {
    expect(Object.isFrozen(ArpOperation)).toBe(true);
    expect(() => { (ArpOperation as Record<string, number>).Request = 3; }).toThrow(TypeError);
    expect(() => { (ArpOperation as Record<string, number>).InRequest = 8; }).toThrow(TypeError);
    expect(ArpOperation).toEqual({ Request: 1, Reply: 2 });
  });

  it('a reusable view: reset() points it at packet after packet, and leaves it alone on a bad one', () => {
    const v = ArpView.unbound();
    expect([v.operation, v.senderMac, v.senderIp, v.targetMac, v.targetIp, v.bytes.length]).toEqual([0, 0, 0, 0, 0, 28]);
    const reply = linuxFixture('linux-arp.hex', 'reply');
    expect(v.reset(REQUEST)).toBeNull();
    expect(v.bytes).toBe(REQUEST); // no copy
    expect([v.operation, v.senderMac, v.senderIp, v.targetMac, v.targetIp]).toEqual([1, 0x020000000001, 0xc0000201, 0, 0xc0000202]);
    expect(v.reset(reply)).toBeNull();
    expect([v.operation, v.senderMac, v.senderIp, v.targetMac, v.targetIp]).toEqual([2, M2, IP2, M1, IP1]);
    expect(v.reset(REQUEST.subarray(0, 27))).toBe('truncated');
    expect(v.bytes).toBe(reply); // still the last good packet
    const ipv6 = REQUEST.slice();
    ipv6.set([0x86, 0xdd], 2);
    expect(v.reset(ipv6)).toBe('unsupported');
    const hlen = REQUEST.slice();
    hlen[4] = 8;
    expect(v.reset(hlen)).toBe('malformed');
    expect(v.reset(new Uint8Array(3))).toBe('truncated');
  });

  it('property: reset() accepts exactly what parseArp accepts, with the same error kind and the same fields', () => {
    const v = ArpView.unbound();
    const check = (b: Uint8Array): void => {
      const r = parseArp(b);
      const kind = v.reset(b);
      if (r.ok) {
        expect(kind).toBeNull();
        expect({ operation: v.operation, senderMac: v.senderMac, senderIp: v.senderIp, targetMac: v.targetMac, targetIp: v.targetIp }).toEqual(r.value);
      } else {
        expect(kind).toBe(r.error.kind);
      }
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), check));
    fc.assert(
      fc.property(arbRepr, fc.array(fc.tuple(fc.nat(7), fc.nat(255)), { maxLength: 3 }), fc.nat(30), (repr, flips, cut) => {
        const b = new Uint8Array(28);
        emitArp(repr, b);
        for (const [i, x] of flips) b[i] = x;
        check(b.subarray(0, Math.max(0, 28 - cut)));
      }),
    );
  });

  it('sorts errors: truncated, unsupported, malformed, with offsets', () => {
    expect(parseArp(REQUEST.subarray(0, 7))).toMatchObject({ ok: false, error: { kind: 'truncated', offset: 7 } });
    expect(parseArp(REQUEST.subarray(0, 27))).toMatchObject({ ok: false, error: { kind: 'truncated', offset: 27 } });
    const ieee802 = REQUEST.slice();
    ieee802[1] = 6; // htype IEEE 802
    expect(parseArp(ieee802)).toMatchObject({ ok: false, error: { kind: 'unsupported', offset: 0 } });
    const ipv6 = REQUEST.slice();
    ipv6.set([0x86, 0xdd], 2);
    expect(parseArp(ipv6)).toMatchObject({ ok: false, error: { kind: 'unsupported', offset: 2 } });
    const hlen = REQUEST.slice();
    hlen[4] = 8;
    expect(parseArp(hlen)).toMatchObject({ ok: false, error: { kind: 'malformed', offset: 4 } });
    const plen = REQUEST.slice();
    plen[5] = 16;
    expect(parseArp(plen)).toMatchObject({ ok: false, error: { kind: 'malformed', offset: 5 } });
  });

  it('refuses to emit out-of-range fields (our bug)', () => {
    const buf = new Uint8Array(28);
    for (const bad of [{ operation: 0x10000 }, { senderMac: 2 ** 48 }, { targetIp: -1 }, { senderIp: 1.5 }]) {
      try {
        emitArp({ ...REQUEST_REPR, ...bad }, buf);
        expect.unreachable();
      } catch (e) {
        expect(isStackError(e, 'ERR_INVALID_ARGUMENT')).toBe(true);
      }
    }
    expect(() => emitArp(REQUEST_REPR, buf, 1)).toThrow(/does not fit/);
  });

  it('views read and write the same fields', () => {
    const copy = REQUEST.slice();
    const v = ArpMutView.checkedMut(copy);
    if (!v.ok) throw new Error('view');
    expect([v.value.operation, v.value.senderMac, v.value.senderIp, v.value.targetMac, v.value.targetIp]).toEqual([
      1, 0x020000000001, 0xc0000201, 0, 0xc0000202,
    ]);
    v.value.setOperation(2);
    v.value.setSenderMac(0x020000000002);
    v.value.setSenderIp(0xc0000202);
    v.value.setTargetMac(0x020000000001);
    v.value.setTargetIp(0xc0000201);
    expect(parseArp(copy)).toEqual({
      ok: true,
      value: { operation: 2, senderMac: 0x020000000002, senderIp: 0xc0000202, targetMac: 0x020000000001, targetIp: 0xc0000201 },
    });
    expect(ArpView.checked(REQUEST.subarray(0, 20)).ok).toBe(false);
  });

  it('decodes and re-encodes what Linux sent, byte for byte, also at an offset', () => {
    const cases: [string, ArpRepr][] = [
      ['request', { operation: 1, senderMac: M1, senderIp: IP1, targetMac: 0, targetIp: IP2 }],
      ['reply', { operation: 2, senderMac: M2, senderIp: IP2, targetMac: M1, targetIp: IP1 }],
      ['unicast-request', { operation: 1, senderMac: M2, senderIp: IP2, targetMac: 0, targetIp: IP1 }],
      ['gratuitous', { operation: 1, senderMac: M1, senderIp: IP1, targetMac: 0xffffffffffff, targetIp: IP1 }],
      ['probe', { operation: 1, senderMac: M1, senderIp: 0, targetMac: 0, targetIp: IP2 }],
      ['probe-reply', { operation: 2, senderMac: M2, senderIp: IP2, targetMac: M1, targetIp: 0 }],
    ];
    for (const [block, repr] of cases) {
      const bytes = linuxFixture('linux-arp.hex', block);
      expect(parseArp(bytes), block).toEqual({ ok: true, value: repr });
      const out = new Uint8Array(28);
      emitArp(repr, out);
      expect(toHex(out), block).toBe(toHex(bytes.subarray(0, 28)));
      // at an offset into a larger buffer: the same 28 bytes, and the bytes before and after untouched
      for (const offset of [1, 14, 33]) {
        const big = Uint8Array.from({ length: offset + 28 + 19 }, (_, i) => (i * 29 + 7) & 0xff);
        const orig = big.slice();
        expect(emitArp(repr, big, offset), block).toBe(28);
        expect(toHex(big.subarray(offset, offset + 28)), `${block} @${offset}`).toBe(toHex(bytes.subarray(0, 28)));
        expect(toHex(big.subarray(0, offset)), `${block} @${offset}`).toBe(toHex(orig.subarray(0, offset)));
        expect(toHex(big.subarray(offset + 28)), `${block} @${offset}`).toBe(toHex(orig.subarray(offset + 28)));
      }
    }
  });

  it('property: parse(emit(x)) equals x and re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(arbRepr, fc.nat(16), (repr, offset) => {
        const buf = new Uint8Array(offset + 28);
        emitArp(repr, buf, offset);
        const back = parseArp(buf.subarray(offset));
        expect(back).toEqual({ ok: true, value: repr });
        const again = new Uint8Array(28);
        if (back.ok) emitArp(back.value, again);
        expect(toHex(again)).toBe(toHex(buf.subarray(offset)));
      }),
    );
  });

  it('property: random and mutated bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = parseArp(bytes);
        if (!r.ok) expect(['truncated', 'unsupported', 'malformed']).toContain(r.error.kind);
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(REQUEST, linuxFixture('linux-arp.hex', 'reply'), linuxFixture('linux-arp.hex', 'probe').subarray(0, 28)), fc.array(fc.tuple(fc.nat(27), fc.nat(255)), { maxLength: 6 }), fc.nat(28), (base, flips, cut) => {
        const b = base.slice();
        for (const [i, v] of flips) b[i] = v;
        const r = parseArp(b.subarray(0, 28 - cut));
        if (r.ok) expect(cut).toBe(0);
      }),
    );
  });
});
