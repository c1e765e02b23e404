import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hexFixture } from '@stack/testkit';
import { VNET_HDR_LEN, VnetFlags, VnetGso, readU16LE, writeU16LE } from './fields.js';
import { checkVnetHeader, emitVnetHeader, knownGsoType, parseVnetHeader, vnetHeaderBufferLen, type VnetHeaderRepr } from './vnet-header.js';

const FIXTURES = new URL('../fixtures/linux-vnet.hex', import.meta.url);

describe('virtio_net_hdr_v1 from Linux', () => {
  it('decodes a plain frame: no flags, no GSO', () => {
    const r = parseVnetHeader(hexFixture(FIXTURES, 'plain'));
    expect(r).toEqual({ ok: true, value: { flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 0 } });
  });

  it('decodes a SYN with a partial checksum (NEEDS_CSUM at the TCP checksum)', () => {
    const r = parseVnetHeader(hexFixture(FIXTURES, 'syn'));
    expect(r.ok && r.value).toEqual({ flags: VnetFlags.NEEDS_CSUM, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 34, csumOffset: 16, numBuffers: 0 });
  });

  it('decodes a coalesced TCP segment (GSO_TCPV4, MSS 1448)', () => {
    const bytes = hexFixture(FIXTURES, 'gso');
    const r = parseVnetHeader(bytes);
    expect(r.ok && r.value).toEqual({ flags: 1, gsoType: VnetGso.TCPV4, hdrLen: 66, gsoSize: 1448, csumStart: 34, csumOffset: 16, numBuffers: 0 });
    // the IP header after it says how big the segment is
    expect((bytes[VNET_HDR_LEN + 16]! << 8) | bytes[VNET_HDR_LEN + 17]!).toBe(7292);
  });

  it('re-encodes each fixture header to the same bytes, also at an offset', () => {
    for (const name of ['plain', 'syn', 'gso']) {
      const bytes = hexFixture(FIXTURES, name);
      const r = parseVnetHeader(bytes);
      if (!r.ok) throw new Error(r.error.message);
      const out = new Uint8Array(VNET_HDR_LEN);
      expect(emitVnetHeader(r.value, out, 0)).toBe(VNET_HDR_LEN);
      expect(out).toEqual(bytes.subarray(0, VNET_HDR_LEN));
      const big = new Uint8Array(40).fill(0xee);
      emitVnetHeader(r.value, big, 7);
      expect(big.subarray(7, 7 + VNET_HDR_LEN)).toEqual(out);
      expect(big[6]).toBe(0xee);
      expect(big[7 + VNET_HDR_LEN]).toBe(0xee);
    }
    expect(vnetHeaderBufferLen()).toBe(12);
  });
});

describe('parseVnetHeader errors', () => {
  const header = (repr: Partial<VnetHeaderRepr>, frameLen = 60): Uint8Array => {
    const b = new Uint8Array(VNET_HDR_LEN + frameLen);
    emitVnetHeader({ flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 0, ...repr }, b, 0);
    return b;
  };

  it('truncated below 12 bytes', () => {
    const r = parseVnetHeader(new Uint8Array(11));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ kind: 'truncated', offset: 11 });
  });

  it('unsupported GSO types stay numbers in the message', () => {
    const r = parseVnetHeader(header({ gsoType: 2, gsoSize: 1000 }));
    expect(!r.ok && r.error.kind).toBe('unsupported');
    expect(!r.ok && r.error.message).toContain('0x2');
  });

  it('malformed: GSO without a size, or a checksum field past the frame', () => {
    expect(parseVnetHeader(header({ gsoType: VnetGso.TCPV4 })).ok).toBe(false);
    expect(parseVnetHeader(header({ flags: VnetFlags.NEEDS_CSUM, csumStart: 34, csumOffset: 16 }, 51)).ok).toBe(false);
    expect(parseVnetHeader(header({ flags: VnetFlags.NEEDS_CSUM, csumStart: 34, csumOffset: 16 }, 52)).ok).toBe(true);
    expect(checkVnetHeader(header({ flags: VnetFlags.NEEDS_CSUM, csumStart: 34, csumOffset: 16 }, 51), 0, 51)).toMatch(/ends at 52/);
  });

  it('knows the TAP GSO types, with and without ECN', () => {
    for (const t of [0, 1, 4, 0x81, 0x84, 3, 5]) expect(knownGsoType(t)).toBe(true);
    for (const t of [2, 6, 0x80, 0x83, 0x85, 0xff]) expect(knownGsoType(t)).toBe(false);
  });
});

describe('properties', () => {
  const u16 = fc.integer({ min: 0, max: 0xffff });
  const repr = fc
    .record({
      flags: fc.integer({ min: 0, max: 0xff }),
      gsoType: fc.constantFrom(0, 1, 3, 4, 5, 0x81, 0x84),
      hdrLen: u16,
      gsoSize: fc.integer({ min: 1, max: 0xffff }),
      csumStart: fc.integer({ min: 0, max: 200 }),
      csumOffset: fc.integer({ min: 0, max: 40 }),
      numBuffers: u16,
    })
    .map((r) => ({ ...r, gsoSize: r.gsoType === 0 ? 0 : r.gsoSize }));

  it('parse(emit(x)) equals x', () => {
    fc.assert(
      fc.property(repr, fc.integer({ min: 0, max: 16 }), (r, at) => {
        const buf = new Uint8Array(at + VNET_HDR_LEN + 260);
        emitVnetHeader(r, buf, at);
        const p = parseVnetHeader(buf.subarray(at));
        expect(p).toEqual({ ok: true, value: r });
      }),
    );
  });

  it('never throws on random bytes or on mutated valid headers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => void parseVnetHeader(b)));
    fc.assert(
      fc.property(repr, fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 300 }), (r, i, v, len) => {
        const buf = new Uint8Array(VNET_HDR_LEN + 260);
        emitVnetHeader(r, buf, 0);
        buf[i] = v;
        const res = parseVnetHeader(buf.subarray(0, Math.min(len, buf.length)));
        expect(typeof res.ok).toBe('boolean');
      }),
    );
  });

  it('little-endian u16 helpers round-trip', () => {
    fc.assert(
      fc.property(u16, (v) => {
        const b = new Uint8Array(3);
        writeU16LE(b, 1, v);
        expect(b[1]).toBe(v & 0xff);
        expect(readU16LE(b, 1)).toBe(v);
      }),
    );
  });
});
