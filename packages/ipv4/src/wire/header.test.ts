import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksum, checksumValid, fromHex, parseIpv4, toHex, writeU16 } from '@stack/wire';
import { Ipv4HeaderView, emitIpv4Header, ipv4HeaderLen, parseIpv4Header, validateIpv4Header, writeIpv4Header, type Ipv4Repr } from './header.js';

// A classic example header (Wikipedia, "IPv4 header checksum"): UDP from
// 192.168.0.1 to 192.168.0.199, DF, TTL 64, total length 115, checksum b861.
const EXAMPLE = fromHex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
const EXAMPLE_REPR: Ipv4Repr = {
  src: 0xc0a80001,
  dst: 0xc0a800c7,
  protocol: 17,
  ttl: 64,
  tos: 0,
  identification: 0,
  dontFragment: true,
  moreFragments: false,
  fragmentOffset: 0,
  payloadLength: 115 - 20,
  headerLength: 20,
};

/** The example header followed by its 95 payload bytes (and 4 bytes of link padding). */
function examplePacket(padding = 0): Uint8Array {
  const p = new Uint8Array(115 + padding);
  p.set(EXAMPLE);
  for (let i = 20; i < 115; i++) p[i] = i;
  return p;
}

// Record route (RFC 791 §3.1, type 7) as `ping -R` sends it: length 39,
// pointer 4, nine empty slots, then EOL: 40 option bytes, IHL 15.
const RR_OPTIONS = fromHex(`07 27 04 ${'00'.repeat(36)} 00`);

describe('IPv4 header: fixed fixture', () => {
  it('decodes the example header', () => {
    const r = parseIpv4Header(examplePacket());
    expect(r).toEqual({ ok: true, value: EXAMPLE_REPR });
  });

  it('encodes the example header byte for byte, checksum included', () => {
    const out = new Uint8Array(20);
    expect(emitIpv4Header(EXAMPLE_REPR, out)).toBe(20);
    expect(toHex(out)).toBe(toHex(EXAMPLE));
  });

  it('encodes at an offset into a larger buffer without touching the rest', () => {
    const buf = new Uint8Array(64).fill(0xaa);
    emitIpv4Header(EXAMPLE_REPR, buf, 7);
    expect(toHex(buf.subarray(7, 27))).toBe(toHex(EXAMPLE));
    expect(buf.subarray(0, 7).every((b) => b === 0xaa)).toBe(true);
    expect(buf.subarray(27).every((b) => b === 0xaa)).toBe(true);
  });

  it('uses Total Length, not the buffer length (Ethernet padding)', () => {
    const r = parseIpv4Header(examplePacket(4));
    expect(r.ok && r.value.payloadLength).toBe(95);
    const v = Ipv4HeaderView.checked(examplePacket(4));
    expect(v.ok && v.value.packet.length).toBe(115);
    expect(v.ok && v.value.payload.length).toBe(95);
    expect(v.ok && v.value.payload[0]).toBe(20);
  });

  it('view getters read every field', () => {
    const v = Ipv4HeaderView.checked(examplePacket());
    if (!v.ok) throw new Error('should parse');
    const h = v.value;
    expect([h.version, h.headerLength, h.tos, h.totalLength, h.identification]).toEqual([4, 20, 0, 115, 0]);
    expect([h.dontFragment, h.moreFragments, h.fragmentOffset, h.isFragment]).toEqual([true, false, 0, false]);
    expect([h.ttl, h.protocol, h.checksum, h.src, h.dst]).toEqual([64, 17, 0xb861, 0xc0a80001, 0xc0a800c7]);
    expect(h.options.length).toBe(0);
  });

  it('parses, skips and re-emits a header with options (record route)', () => {
    const repr: Ipv4Repr = { ...EXAMPLE_REPR, headerLength: 60, options: RR_OPTIONS, payloadLength: 8 };
    expect(ipv4HeaderLen(repr)).toBe(60);
    const buf = new Uint8Array(68);
    emitIpv4Header(repr, buf);
    expect(buf[0]).toBe(0x4f);
    expect(checksumValid(buf, 0, 60)).toBe(true);
    const r = parseIpv4Header(buf);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.headerLength).toBe(60);
    expect(r.value.payloadLength).toBe(8);
    expect(toHex(r.value.options!)).toBe(toHex(RR_OPTIONS));
    expect(r.value).toEqual(repr);
  });

  it('accepts NOPs and an EOL before the end of the options', () => {
    const opts = fromHex('01 01 94 04 00 00 00 00'); // NOP NOP router-alert(4) EOL pad
    const buf = new Uint8Array(28);
    emitIpv4Header({ ...EXAMPLE_REPR, payloadLength: 0, options: opts, headerLength: 28 }, buf);
    expect(validateIpv4Header(buf)).toBeNull();
  });
});

describe('IPv4 header: errors', () => {
  function mutate(f: (b: Uint8Array) => void, fixChecksum = true): Uint8Array {
    const b = examplePacket();
    f(b);
    if (fixChecksum) {
      b[10] = 0;
      b[11] = 0;
      const hl = (b[0]! & 15) * 4;
      let s = 0;
      for (let i = 0; i < Math.min(hl, b.length); i += 2) s += (b[i]! << 8) | (b[i + 1] ?? 0);
      while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
      b[10] = (~s >>> 8) & 0xff;
      b[11] = ~s & 0xff;
    }
    return b;
  }

  const cases: [string, Uint8Array, string, number][] = [
    ['empty', new Uint8Array(0), 'truncated', 0],
    ['19 bytes', EXAMPLE.subarray(0, 19), 'truncated', 0],
    ['version 6', mutate((b) => (b[0] = 0x65)), 'unsupported', 0],
    ['IHL 4', mutate((b) => (b[0] = 0x44)), 'malformed', 0],
    ['total length < header', mutate((b) => (b[3] = 19)), 'malformed', 2],
    ['total length > buffer', mutate((b) => (b[3] = 116)), 'truncated', 2],
    ['bad checksum', mutate((b) => (b[8] = 63), false), 'checksum', 10],
  ];
  for (const [name, bytes, kind, offset] of cases) {
    it(`${name} → ${kind} at ${offset}`, () => {
      const r = parseIpv4Header(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.kind).toBe(kind);
        expect(r.error.offset).toBe(offset);
      }
    });
  }

  it('a header longer than the buffer is truncated', () => {
    const b = EXAMPLE.slice();
    b[0] = 0x46; // IHL 6: 24 bytes, buffer has 20
    expect(validateIpv4Header(b, false)?.kind).toBe('truncated');
  });

  it("checksum: 'ignore' skips only the checksum", () => {
    const b = mutate((x) => (x[8] = 63), false);
    expect(parseIpv4Header(b, { checksum: 'ignore' }).ok).toBe(true);
    expect(parseIpv4Header(b, { checksum: 'verify' }).ok).toBe(false);
  });

  function withOptions(opts: string): Uint8Array {
    const o = fromHex(opts);
    const b = new Uint8Array(20 + o.length);
    emitIpv4Header({ ...EXAMPLE_REPR, payloadLength: 0, options: o, headerLength: 20 + o.length }, b);
    return b;
  }

  it('an option whose length runs past the header is malformed', () => {
    const r = parseIpv4Header(withOptions('07 09 04 00 00 00 00 00'));
    expect(r.ok === false && r.error).toMatchObject({ kind: 'malformed', offset: 21 });
  });

  it('an option length below 2 is malformed', () => {
    const r = parseIpv4Header(withOptions('01 07 01 00'));
    expect(r.ok === false && r.error).toMatchObject({ kind: 'malformed', offset: 22 });
  });

  it('an option type with no room for its length byte is malformed', () => {
    const r = parseIpv4Header(withOptions('01 01 01 07'));
    expect(r.ok === false && r.error).toMatchObject({ kind: 'malformed', offset: 23 });
  });

  it('emit refuses reprs no header can carry', () => {
    const buf = new Uint8Array(100);
    expect(() => emitIpv4Header({ ...EXAMPLE_REPR, options: new Uint8Array(3) }, buf)).toThrow(/multiple of 4/);
    expect(() => emitIpv4Header({ ...EXAMPLE_REPR, options: new Uint8Array(44) }, buf)).toThrow(/at most 40/);
    expect(() => emitIpv4Header({ ...EXAMPLE_REPR, fragmentOffset: 12 }, buf)).toThrow(/multiple of 8/);
    expect(() => emitIpv4Header({ ...EXAMPLE_REPR, payloadLength: 65_516 }, buf)).toThrow(/payload length/);
    expect(() => emitIpv4Header(EXAMPLE_REPR, buf, 90)).toThrow(/no room/);
  });
});

// ---------------------------------------------------------------- properties

const u32 = fc.nat({ max: 0xffffffff });
const reprArb: fc.Arbitrary<Ipv4Repr> = fc
  .record({
    src: u32,
    dst: u32,
    protocol: fc.nat({ max: 255 }),
    ttl: fc.nat({ max: 255 }),
    tos: fc.nat({ max: 255 }),
    identification: fc.nat({ max: 0xffff }),
    dontFragment: fc.boolean(),
    moreFragments: fc.boolean(),
    fragmentOffset: fc.nat({ max: 0x1fff }).map((n) => n * 8),
    payloadLength: fc.nat({ max: 2000 }),
    optionWords: fc.nat({ max: 10 }),
  })
  .map(({ optionWords, ...r }) => {
    if (optionWords === 0) return { ...r, headerLength: 20 };
    // NOPs then an EOL-padded tail: always valid options.
    const options = new Uint8Array(optionWords * 4).fill(1);
    options[options.length - 1] = 0;
    return { ...r, headerLength: 20 + options.length, options };
  });

describe('IPv4 header: properties', () => {
  it('parse(emit(x)) deep-equals x, also at an offset', () => {
    fc.assert(
      fc.property(reprArb, fc.nat({ max: 16 }), (repr, at) => {
        const len = ipv4HeaderLen(repr) + repr.payloadLength;
        const buf = new Uint8Array(at + len);
        emitIpv4Header(repr, buf, at);
        const r = parseIpv4Header(buf.subarray(at));
        expect(r).toEqual({ ok: true, value: repr });
      }),
    );
  });

  it('parsing random bytes never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (bytes, verify) => {
        const r = parseIpv4Header(bytes, { checksum: verify ? 'verify' : 'ignore' });
        if (r.ok) expect(r.value.headerLength + r.value.payloadLength).toBeLessThanOrEqual(bytes.length);
        const v = Ipv4HeaderView.checked(bytes, { checksum: 'ignore' });
        if (v.ok) {
          // After a checked view succeeds, every getter stays in bounds.
          expect(v.value.payload.length + v.value.headerLength).toBe(v.value.totalLength);
          expect(v.value.options.length).toBe(v.value.headerLength - 20);
        }
      }),
    );
  });

  it('parsing mutated valid headers (flipped bytes, truncation) never throws', () => {
    fc.assert(
      fc.property(
        reprArb.filter((r) => r.payloadLength < 200),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }),
        fc.nat(),
        (repr, flips, cut) => {
          const buf = new Uint8Array(ipv4HeaderLen(repr) + repr.payloadLength);
          emitIpv4Header(repr, buf);
          for (const [i, v] of flips) buf[i % buf.length] = v;
          const t = buf.subarray(0, cut % (buf.length + 1));
          parseIpv4Header(t);
          parseIpv4Header(t, { checksum: 'ignore' });
        },
      ),
    );
  });

  it('a flipped header byte is caught by the checksum or the checks', () => {
    fc.assert(
      fc.property(reprArb, fc.nat({ max: 19 }), fc.integer({ min: 1, max: 255 }), (repr, i, x) => {
        const buf = new Uint8Array(ipv4HeaderLen(repr) + repr.payloadLength);
        emitIpv4Header(repr, buf);
        buf[i] = buf[i]! ^ x;
        expect(parseIpv4Header(buf).ok).toBe(false);
      }),
    );
  });
});

describe('writeIpv4Header', () => {
  it('writes the example header at an offset, checksum included', () => {
    const buf = new Uint8Array(30).fill(0xee);
    writeIpv4Header(buf, 5, 20, 0, 115, 0, 0x4000, 64, 17, 0xc0a80001, 0xc0a800c7);
    expect(toHex(buf.subarray(5, 25))).toBe(toHex(EXAMPLE));
    expect(buf[4]).toBe(0xee);
    expect(buf[25]).toBe(0xee);
  });

  it('the checksum of a header without options (summed from the fields) is the RFC 1071 sum of its bytes (property)', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u8 = fc.integer({ min: 0, max: 0xff });
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    fc.assert(
      fc.property(u8, u16, u16, u16, u8, u8, u32, u32, (tos, total, id, flags, ttl, protocol, src, dst) => {
        const buf = new Uint8Array(20);
        writeIpv4Header(buf, 0, 20, tos, total, id, flags, ttl, protocol, src, dst);
        const stored = (buf[10]! << 8) | buf[11]!;
        writeU16(buf, 10, 0);
        expect(stored).toBe(checksum(buf, 0, 20));
      }),
    );
  });
});

// parseIpv4 sanity: the test addresses above are what they claim to be.
it('example addresses', () => {
  expect(parseIpv4('192.168.0.199')).toBe(EXAMPLE_REPR.dst);
});
