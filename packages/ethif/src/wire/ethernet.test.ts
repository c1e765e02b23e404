import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { fromHex, toHex } from '@stack/wire';
import { linuxFixture } from '../fixtures/linux.js';
import { EthernetMutView, EthernetView, emitEthernet, ethernetBufferLen, ethernetHeaderLen, parseEthernet, type EthernetRepr } from './ethernet.js';

// Hand-made fixtures, laid out field by field.
const UNTAGGED = fromHex(`
  ff ff ff ff ff ff   # dst: broadcast
  02 00 00 00 00 01   # src
  08 06               # EtherType ARP
  de ad               # 2 payload bytes
`);
const TAGGED = fromHex(`
  02 00 00 00 00 02   # dst
  02 00 00 00 00 01   # src
  81 00               # TPID 802.1Q
  b0 64               # TCI: PCP 5, DEI 1, VID 100
  08 00               # inner EtherType IPv4
  45                  # 1 payload byte
`);

const mac48 = fc.nat({ max: 2 ** 48 - 1 });
const arbRepr: fc.Arbitrary<EthernetRepr> = fc.oneof(
  fc.record({ dst: mac48, src: mac48, etherType: fc.nat(0xffff).filter((t) => t !== 0x8100) }),
  fc.record({
    dst: mac48,
    src: mac48,
    etherType: fc.nat(0xffff),
    vlan: fc.record({ pcp: fc.nat(7), dei: fc.boolean(), vid: fc.nat(4095) }),
  }),
);

describe('Ethernet II codec', () => {
  it('decodes an untagged header', () => {
    const r = parseEthernet(UNTAGGED);
    expect(r).toEqual({ ok: true, value: { dst: 0xffffffffffff, src: 0x020000000001, etherType: 0x0806 } });
    if (!r.ok) return;
    expect(ethernetHeaderLen(r.value)).toBe(14);
    expect(toHex(UNTAGGED.subarray(ethernetHeaderLen(r.value)))).toBe('dead');
  });

  it('decodes an 802.1Q tag into PCP, DEI and VID', () => {
    const r = parseEthernet(TAGGED);
    expect(r).toEqual({
      ok: true,
      value: { dst: 0x020000000002, src: 0x020000000001, etherType: 0x0800, vlan: { pcp: 5, dei: true, vid: 100 } },
    });
    if (r.ok) expect(ethernetHeaderLen(r.value)).toBe(18);
  });

  it('decodes frames Linux sent, and re-encodes their headers byte for byte, also at an offset', () => {
    const arp = linuxFixture('linux-ethernet.hex', 'arp-request');
    const ping = linuxFixture('linux-ethernet.hex', 'ping');
    const cases: [Uint8Array, EthernetRepr, number][] = [
      [arp, { dst: 0xffffffffffff, src: 0x020000005101, etherType: 0x0806 }, 28],
      [ping, { dst: 0x020000005102, src: 0x020000005101, etherType: 0x0800 }, 84],
    ];
    for (const [bytes, repr, payloadLen] of cases) {
      const r = parseEthernet(bytes);
      expect(r).toEqual({ ok: true, value: repr });
      expect(bytes.length - ethernetHeaderLen(repr)).toBe(payloadLen);
      const out = new Uint8Array(14);
      emitEthernet(repr, out);
      expect(toHex(out)).toBe(toHex(bytes.subarray(0, 14)));
      // at an offset into a larger buffer: the bytes before and after stay as they were
      for (const offset of [1, 7, 64]) {
        const big = Uint8Array.from({ length: offset + 14 + 23 }, (_, i) => (i * 37 + 11) & 0xff);
        const orig = big.slice();
        expect(emitEthernet(repr, big, offset)).toBe(14);
        expect(toHex(big.subarray(offset, offset + 14))).toBe(toHex(bytes.subarray(0, 14)));
        expect(toHex(big.subarray(0, offset))).toBe(toHex(orig.subarray(0, offset)));
        expect(toHex(big.subarray(offset + 14))).toBe(toHex(orig.subarray(offset + 14)));
        // the whole Linux frame rebuilt at the offset: header emitted, payload copied after it
        const frameAt = new Uint8Array(offset + bytes.length + 5).fill(0xee);
        const hl = emitEthernet(repr, frameAt, offset);
        frameAt.set(bytes.subarray(hl), offset + hl);
        expect(toHex(frameAt.subarray(offset, offset + bytes.length))).toBe(toHex(bytes));
        expect(frameAt.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
        expect(frameAt.subarray(offset + bytes.length).every((b) => b === 0xee)).toBe(true);
      }
    }
    expect(ping[14]).toBe(0x45); // the payload starts with the IPv4 header
  });

  it('encodes byte for byte', () => {
    const buf = new Uint8Array(16);
    expect(emitEthernet({ dst: 0xffffffffffff, src: 0x020000000001, etherType: 0x0806 }, buf)).toBe(14);
    buf.set([0xde, 0xad], 14);
    expect(toHex(buf)).toBe(toHex(UNTAGGED));
    const tagged = new Uint8Array(19);
    emitEthernet({ dst: 0x020000000002, src: 0x020000000001, etherType: 0x0800, vlan: { pcp: 5, dei: true, vid: 100 } }, tagged);
    tagged[18] = 0x45;
    expect(toHex(tagged)).toBe(toHex(TAGGED));
  });

  it('encodes at an offset into a larger buffer without touching the rest', () => {
    const big = new Uint8Array(40).fill(0xee);
    const repr = { dst: 0x0a0b0c0d0e0f, src: 0x020000000001, etherType: 0x86dd, vlan: { pcp: 0, dei: false, vid: 4094 } };
    expect(emitEthernet(repr, big, 7)).toBe(18);
    expect(big.subarray(0, 7).every((b) => b === 0xee)).toBe(true);
    expect(big.subarray(25).every((b) => b === 0xee)).toBe(true);
    expect(parseEthernet(big.subarray(7))).toEqual({ ok: true, value: repr });
  });

  it('sizes frames', () => {
    expect(ethernetBufferLen({ dst: 0, src: 0, etherType: 0x0800 })).toBe(14);
    expect(ethernetBufferLen({ dst: 0, src: 0, etherType: 0x0800 }, 1500)).toBe(1514);
    expect(ethernetBufferLen({ dst: 0, src: 0, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 1 } }, 100)).toBe(118);
  });

  it('reports truncation with the offset', () => {
    expect(parseEthernet(UNTAGGED.subarray(0, 13))).toMatchObject({ ok: false, error: { kind: 'truncated', offset: 13 } });
    expect(parseEthernet(TAGGED.subarray(0, 17))).toMatchObject({ ok: false, error: { kind: 'truncated', offset: 17 } });
    expect(parseEthernet(new Uint8Array(0))).toMatchObject({ ok: false, error: { kind: 'truncated' } });
  });

  it('keeps unknown EtherTypes and 802.3 length values as numbers', () => {
    const b = UNTAGGED.slice();
    b[12] = 0x00;
    b[13] = 0x2e; // an 802.3 length field (46)
    expect(parseEthernet(b)).toMatchObject({ ok: true, value: { etherType: 0x2e } });
    b[12] = 0x12;
    b[13] = 0x34;
    expect(parseEthernet(b)).toMatchObject({ ok: true, value: { etherType: 0x1234 } });
  });

  it('refuses to emit out-of-range fields or past the buffer (our bug, not a peer\'s)', () => {
    const buf = new Uint8Array(18);
    const bad: EthernetRepr[] = [
      { dst: 2 ** 48, src: 0, etherType: 0x0800 },
      { dst: 0, src: -1, etherType: 0x0800 },
      { dst: 0, src: 0, etherType: 0x10000 },
      { dst: 0, src: 0, etherType: 0x0800, vlan: { pcp: 8, dei: false, vid: 1 } },
      { dst: 0, src: 0, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 4096 } },
    ];
    for (const r of bad) {
      expect(() => emitEthernet(r, buf)).toThrow();
      try { emitEthernet(r, buf); } catch (e) { expect(isStackError(e, 'ERR_INVALID_ARGUMENT')).toBe(true); }
    }
    expect(() => emitEthernet({ dst: 0, src: 0, etherType: 0x0800 }, buf, 5)).toThrow(/does not fit/);
  });

  it('views read the same fields, and the mutable view edits in place', () => {
    const v = EthernetView.checked(TAGGED);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect([v.value.dst, v.value.src, v.value.etherType, v.value.tagged, v.value.vid, v.value.tci, v.value.headerLen]).toEqual([
      0x020000000002, 0x020000000001, 0x0800, true, 100, 0xb064, 18,
    ]);
    expect(toHex(v.value.payload)).toBe('45');
    expect(EthernetView.checked(TAGGED.subarray(0, 16)).ok).toBe(false);

    const copy = UNTAGGED.slice();
    const m = EthernetMutView.checkedMut(copy);
    if (!m.ok) throw new Error('view');
    expect(m.value.vid).toBe(-1);
    m.value.setDst(0x020000000009);
    m.value.setSrc(0x02000000000a);
    m.value.setEtherType(0x0800);
    expect(parseEthernet(copy)).toEqual({ ok: true, value: { dst: 0x020000000009, src: 0x02000000000a, etherType: 0x0800 } });
  });

  it('property: parse(emit(x)) equals x, at any offset', () => {
    fc.assert(
      fc.property(arbRepr, fc.nat(32), (repr, offset) => {
        const buf = new Uint8Array(offset + ethernetBufferLen(repr));
        expect(emitEthernet(repr, buf, offset)).toBe(ethernetHeaderLen(repr));
        const back = parseEthernet(buf.subarray(offset));
        expect(back).toEqual({ ok: true, value: repr });
        // re-encoding the parsed value gives the same bytes
        const again = new Uint8Array(buf.length - offset);
        if (back.ok) emitEthernet(back.value, again);
        expect(toHex(again)).toBe(toHex(buf.subarray(offset)));
      }),
    );
  });

  it('property: random bytes and mutated frames never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = parseEthernet(bytes);
        if (!r.ok) expect(['truncated']).toContain(r.error.kind);
        const v = EthernetView.checked(bytes);
        if (v.ok) void [v.value.dst, v.value.src, v.value.etherType, v.value.vid, v.value.payload];
      }),
    );
    fc.assert(
      fc.property(fc.constantFrom(UNTAGGED, TAGGED, linuxFixture('linux-ethernet.hex', 'ping')), fc.array(fc.tuple(fc.nat(), fc.nat(255))), fc.nat(20), (base, flips, cut) => {
        const b = base.slice();
        for (const [i, v] of flips) b[i % b.length] = v;
        parseEthernet(b.subarray(0, Math.max(0, b.length - cut)));
      }),
    );
  });
});
