import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { fromHex, ipv4, toHex } from '@stack/wire';
import { TcpFlags, TcpOptionKind } from './fields.js';
import { TcpOptionSlots, optionsFromSlots, readSackBlocks, readTcpOptions, readTimestamps, type TcpOptions } from './options.js';
import {
  TcpSegmentView, checkTcp, checkTcpSegment, emitTcp, fillTcpChecksum, parseTcp, tcpBufferLen, tcpHeaderLen, tcpPseudoHeaderSum,
  type TcpRepr,
} from './segment.js';

const SRC = ipv4('10.77.60.1');
const DST = ipv4('10.77.60.2');

/** RFC 9293 §3.1 checksum by the plain byte loop over pseudo-header and segment, independent of @stack/wire. */
function naiveChecksum(src: number, dst: number, seg: Uint8Array): number {
  const len = seg.length;
  const ph = [src >>> 24, (src >>> 16) & 255, (src >>> 8) & 255, src & 255, dst >>> 24, (dst >>> 16) & 255, (dst >>> 8) & 255, dst & 255, 0, 6, len >> 8, len & 255];
  const all = [...ph, ...seg];
  all[12 + 16] = 0;
  all[12 + 17] = 0;
  let s = 0;
  for (let i = 0; i < all.length; i += 2) s += (all[i]! << 8) | (all[i + 1] ?? 0);
  while (s >> 16) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

/** The pseudo-header sum folded by the plain loop (what a 'partial' checksum field holds). */
function naivePseudoFolded(src: number, dst: number, len: number): number {
  let s = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + 6 + len;
  while (s >> 16) s = (s & 0xffff) + (s >>> 16);
  return s;
}

// A hand-made segment, decoded by hand: 1234 -> 80, seq 0x01020304, ack
// 0x0a0b0c0d, data offset 6, flags PSH|ACK, window 0x1000, urgent 0,
// options MSS 536, payload "ok". Checksum 0x0000 placeholder, filled below.
const HAND = fromHex('04d2 0050 01020304 0a0b0c0d 6018 1000 0000 0000 0204 0218 6f6b');
const HAND_REPR: TcpRepr = {
  srcPort: 1234, dstPort: 80, seq: 0x01020304, ack: 0x0a0b0c0d, flags: TcpFlags.PSH | TcpFlags.ACK, window: 0x1000, urgentPointer: 0,
  options: { mss: 536 }, payloadLength: 2,
};
function hand(): Uint8Array {
  const b = HAND.slice();
  const c = naiveChecksum(SRC, DST, b);
  b[16] = c >> 8;
  b[17] = c & 0xff;
  return b;
}

describe('TCP codec: fixed bytes', () => {
  it('decodes a hand-made segment', () => {
    expect(parseTcp(hand(), SRC, DST)).toEqual({ ok: true, value: HAND_REPR });
    const v = TcpSegmentView.checked(hand(), SRC, DST);
    expect(v.ok && new TextDecoder().decode(v.value.payload)).toBe('ok');
    expect(v.ok && [v.value.headerLength, v.value.payloadLength, toHex(v.value.options)]).toEqual([24, 2, '02040218']);
  });

  it('encodes the same bytes, copying the payload, and at an offset', () => {
    const out = new Uint8Array(26);
    expect(emitTcp(HAND_REPR, out, 0, { src: SRC, dst: DST, payload: fromHex('6f6b') })).toBe(26);
    expect(toHex(out)).toBe(toHex(hand()));
    const big = new Uint8Array(40).fill(0xee);
    emitTcp(HAND_REPR, big, 9, { src: SRC, dst: DST, payload: fromHex('6f6b') });
    expect(toHex(big.subarray(9, 35))).toBe(toHex(hand()));
    expect([big[8], big[35]]).toEqual([0xee, 0xee]);
    expect([tcpHeaderLen(HAND_REPR), tcpBufferLen(HAND_REPR)]).toEqual([24, 26]);
  });

  it("checksum modes: 'none' writes 0; 'partial' writes the folded pseudo-header sum, which a device completes to the full checksum", () => {
    const none = new Uint8Array(26);
    emitTcp(HAND_REPR, none, 0, { src: SRC, dst: DST, payload: fromHex('6f6b'), checksum: 'none' });
    expect(toHex(none.subarray(16, 18))).toBe('0000');
    const partial = new Uint8Array(26);
    emitTcp(HAND_REPR, partial, 0, { src: SRC, dst: DST, payload: fromHex('6f6b'), checksum: 'partial' });
    expect(partial[16]! * 256 + partial[17]!).toBe(naivePseudoFolded(SRC, DST, 26));
    // The device (virtio NEEDS_CSUM): sum from the TCP header to the end, field included, complement, write.
    let s = 0;
    for (let i = 0; i < 26; i += 2) s += (partial[i]! << 8) | partial[i + 1]!;
    while (s >> 16) s = (s & 0xffff) + (s >>> 16);
    partial[16] = (~s >> 8) & 0xff;
    partial[17] = ~s & 0xff;
    expect(toHex(partial)).toBe(toHex(hand()));
  });

  it('fillTcpChecksum takes any pseudo-header sum (the shape IPv6 will use)', () => {
    const b = hand();
    fillTcpChecksum(b, tcpPseudoHeaderSum(SRC, DST, b.length), 'compute');
    expect(toHex(b)).toBe(toHex(hand()));
    expect(checkTcpSegment(b, tcpPseudoHeaderSum(SRC, DST, b.length), true)).toBeNull();
    expect(checkTcpSegment(b, tcpPseudoHeaderSum(SRC, DST, b.length) + 1, true)?.kind).toBe('checksum');
  });

  it('keeps the three reserved bits and AE in flags', () => {
    const r: TcpRepr = { ...HAND_REPR, flags: 0xe00 | TcpFlags.AE | TcpFlags.SYN };
    const out = new Uint8Array(26);
    emitTcp(r, out, 0, { src: SRC, dst: DST, payload: fromHex('6f6b') });
    expect(toHex(out.subarray(12, 14))).toBe('6f02');
    expect(parseTcp(out, SRC, DST)).toEqual({ ok: true, value: r });
  });

  it('writes SACK-permitted without timestamps as NOP NOP SACK-permitted, and unknown options padded with EOL', () => {
    const r: TcpRepr = {
      ...HAND_REPR, payloadLength: 0,
      options: { mss: 1460, sackPermitted: true, windowScale: 7, unknown: [{ kind: 30, data: fromHex('0102 03') }] },
    };
    const out = new Uint8Array(tcpBufferLen(r));
    emitTcp(r, out, 0, { src: SRC, dst: DST });
    expect(toHex(out.subarray(20))).toBe('020405b4' + '01010402' + '01030307' + '1e05010203' + '000000');
    const back = parseTcp(out, SRC, DST);
    expect(back.ok && back.value.options.unknown?.map((u) => [u.kind, toHex(u.data)])).toEqual([[30, '010203']]);
  });
});

describe('TCP codec: errors', () => {
  /** A segment whose option area is `opts` (a multiple of 4), checksum fixed. */
  function withOptions(opts: string): Uint8Array {
    const o = fromHex(opts);
    const b = new Uint8Array(20 + o.length);
    b.set(fromHex('04d2 0050 00000001 00000000 0002 ffff 0000 0000'));
    b[12] = ((20 + o.length) / 4) << 4;
    b.set(o, 20);
    const c = naiveChecksum(SRC, DST, b);
    b[16] = c >> 8;
    b[17] = c & 0xff;
    return b;
  }

  const headerCases: [string, Uint8Array, string, number][] = [
    ['empty', new Uint8Array(0), 'truncated', 0],
    ['19 bytes', hand().subarray(0, 19), 'truncated', 19],
    ['data offset 4', (() => { const b = hand(); b[12] = 0x40; return b; })(), 'malformed', 12],
    ['data offset 0', (() => { const b = hand(); b[12] = 0x00; return b; })(), 'malformed', 12],
    ['data offset past the buffer', hand().subarray(0, 23), 'truncated', 12],
    ['a flipped data byte', (() => { const b = hand(); b[25] = b[25]! ^ 1; return b; })(), 'checksum', 16],
  ];
  for (const [name, bytes, kind, offset] of headerCases) {
    it(`${name} → ${kind} at ${offset}`, () => {
      expect(parseTcp(bytes, SRC, DST)).toMatchObject({ ok: false, error: { kind, offset } });
      expect(checkTcp(bytes, SRC, DST)).toMatchObject({ kind, offset });
    });
  }

  // Malformed option lists: each → malformed at the offset of the bad byte (kind or length).
  const optionCases: [string, string, number][] = [
    ['an option of length 0', '02 00 00 00', 21],
    ['an option of length 1', '08 01 00 00', 21],
    ['an unknown option of length 1', 'fe 01 00 00', 21],
    ['timestamps running past the header', '01 01 08 0a 00 00 00 00', 23],
    ['an unknown option running past the header', 'fd 08 00 00', 21],
    ['a kind with no room for its length byte', '01 01 01 fe', 23],
    ['MSS with length 3', '02 03 05 00', 21],
    ['MSS with length 5', '02 05 05 b4 00 00 00 00', 21],
    ['window scale with length 4', '03 04 07 00', 21],
    ['window scale with length 2', '03 02 00 00', 21],
    ['SACK-permitted with length 3', '04 03 00 00', 21],
    ['timestamps with length 8', '08 08 00 00 00 00 00 00', 21],
    ['timestamps with length 12', `08 0c ${'00'.repeat(10)}`, 21],
    ['SACK with no block (length 2)', '05 02 00 00', 21],
    ['SACK with 3 blocks but length 20', `01 01 05 14 ${'00'.repeat(24)}`, 23],
    ['SACK with length 11', `01 01 05 0b ${'00'.repeat(8)}`, 23],
    ['SACK longer than the header (5 blocks)', `05 2a ${'00'.repeat(38)}`, 21],
    ['a bad option after good ones', '02 04 05 b4 03 03 07 08', 27],
  ];
  for (const [name, opts, offset] of optionCases) {
    it(`${name} → malformed at ${offset}`, () => {
      const b = withOptions(opts);
      expect(parseTcp(b, SRC, DST)).toMatchObject({ ok: false, error: { kind: 'malformed', offset } });
      expect(readTcpOptions(b, new TcpOptionSlots())).toMatchObject({ kind: 'malformed', offset });
      // Options are checked even when the checksum is not.
      expect(parseTcp(b, SRC, DST, { verifyChecksum: false }).ok).toBe(false);
    });
  }

  it('EOL ends the list: what follows is padding, whatever it holds', () => {
    const r = parseTcp(withOptions('02 04 05 b4 00 02 01 ff'), SRC, DST);
    expect(r.ok && r.value.options).toEqual({ mss: 1460 });
  });

  it('NOPs only, and an unknown option of length 2, are fine', () => {
    expect(parseTcp(withOptions('01 01 01 01'), SRC, DST)).toMatchObject({ ok: true, value: { options: {} } });
    const r = parseTcp(withOptions('fe 02 01 00'), SRC, DST);
    expect(r.ok && r.value.options.unknown?.map((u) => [u.kind, u.data.length])).toEqual([[254, 0]]);
  });

  it('a repeated option: the first one counts', () => {
    const r = parseTcp(withOptions('02 04 05 b4 02 04 02 18'), SRC, DST);
    expect(r.ok && r.value.options).toEqual({ mss: 1460 });
    const twice = withOptions(`01 01 08 0a 00000001 00000002 08 0a 00000003 00000004 0000`);
    const t = parseTcp(twice, SRC, DST);
    expect(t.ok && t.value.options).toEqual({ timestamps: { value: 1, echo: 2 } });
  });

  it('a checksum against other addresses fails; verifyChecksum: false skips only the checksum', () => {
    expect(checkTcp(hand(), SRC, ipv4('10.77.60.3'))).toMatchObject({ kind: 'checksum', offset: 16 });
    const bad = hand();
    bad[4] = bad[4]! ^ 0x80;
    expect(parseTcp(bad, SRC, DST).ok).toBe(false);
    expect(parseTcp(bad, SRC, DST, { verifyChecksum: false }).ok).toBe(true);
    expect(checkTcp(bad, SRC, DST, false)).toBeNull();
    expect(TcpSegmentView.checked(bad, SRC, DST).ok).toBe(false);
  });

  it('the readers return nothing, without throwing, for broken headers', () => {
    const ts = { value: 7, echo: 7 };
    const sack = [0, 0, 0, 0, 0, 0, 0, 0];
    for (const b of [new Uint8Array(3), withOptions('08 0a 00 00'), withOptions('05 0a 00 00'), hand().subarray(0, 22)]) {
      expect(readTimestamps(b, ts)).toBe(false);
      expect(readSackBlocks(b, sack)).toBe(0);
    }
    expect(readTcpOptions(new Uint8Array(10), new TcpOptionSlots())?.kind).toBe('truncated');
  });

  it('emit refuses reprs no segment can carry', () => {
    const buf = new Uint8Array(200);
    const e = { src: SRC, dst: DST };
    const blocks = (n: number) => Array.from({ length: n }, (_, i) => ({ left: i, right: i + 1 }));
    const bad: [string, () => unknown, RegExp][] = [
      ['5 SACK blocks', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { sack: blocks(5) } }, buf, 0, e), /1\.\.4 blocks/],
      ['no SACK block', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { sack: [] } }, buf, 0, e), /1\.\.4 blocks/],
      ['4 SACK blocks beside timestamps', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { sack: blocks(4), timestamps: { value: 1, echo: 2 } } }, buf, 0, e), /at most 40/],
      ['an unknown option with a known kind', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { unknown: [{ kind: 2, data: new Uint8Array(2) }] } }, buf, 0, e), /named fields/],
      ['MSS 70000', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { mss: 70000 } }, buf, 0, e), /MSS/],
      ['window scale 256', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { windowScale: 256 } }, buf, 0, e), /window scale/],
      ['TSval 2^32', () => emitTcp({ ...HAND_REPR, payloadLength: 0, options: { timestamps: { value: 2 ** 32, echo: 0 } } }, buf, 0, e), /TSval/],
      ['flags 0x1000', () => emitTcp({ ...HAND_REPR, flags: 0x1000 }, buf, 0, e), /flags/],
      ['port 65536', () => emitTcp({ ...HAND_REPR, srcPort: 65536 }, buf, 0, e), /ports/],
      ['seq -1', () => emitTcp({ ...HAND_REPR, seq: -1 }, buf, 0, e), /seq/],
      ['window 1.5', () => emitTcp({ ...HAND_REPR, window: 1.5 }, buf, 0, e), /window/],
      ['a buffer too small', () => emitTcp(HAND_REPR, new Uint8Array(25), 0, e), /need 26 bytes/],
      ['an offset past the end', () => emitTcp(HAND_REPR, buf, 190, e), /need 26 bytes at offset 190/],
      ['a payload of the wrong length', () => emitTcp(HAND_REPR, buf, 0, { ...e, payload: new Uint8Array(3) }), /payload is 3 bytes/],
    ];
    for (const [name, f, message] of bad) {
      try {
        f();
        expect.unreachable(name);
      } catch (err) {
        expect(isStackError(err, 'ERR_INVALID_ARGUMENT'), name).toBe(true);
        expect((err as Error).message, name).toMatch(message);
      }
    }
  });
});

// ---------------------------------------------------------------- properties

const u32 = fc.nat({ max: 0xffffffff });
const KNOWN = new Set<number>(Object.values(TcpOptionKind));
const sackBlock = fc.record({ left: u32, right: u32 });
const optionsArb: fc.Arbitrary<TcpOptions> = fc
  .record(
    {
      mss: fc.nat({ max: 0xffff }),
      windowScale: fc.nat({ max: 255 }),
      sackPermitted: fc.constant(true),
      sack: fc.array(sackBlock, { minLength: 1, maxLength: 4 }),
      timestamps: fc.record({ value: u32, echo: u32 }),
      unknown: fc.array(
        fc.record({ kind: fc.nat({ max: 255 }).filter((k) => !KNOWN.has(k)), data: fc.uint8Array({ maxLength: 10 }) }),
        { minLength: 1, maxLength: 3 },
      ),
    },
    { requiredKeys: [] },
  )
  .filter((o) => optionBytes(o) <= 40);

/** Option bytes by the layout the README documents, computed here independently of tcpOptionsLen. */
function optionBytes(o: TcpOptions): number {
  let n = (o.mss !== undefined ? 4 : 0) + (o.timestamps !== undefined ? 12 : o.sackPermitted ? 4 : 0) + (o.windowScale !== undefined ? 4 : 0);
  if (o.sack) n += 4 + 8 * o.sack.length;
  for (const u of o.unknown ?? []) n += 2 + u.data.length;
  return Math.ceil(n / 4) * 4;
}

const reprArb: fc.Arbitrary<TcpRepr> = fc.record({
  srcPort: fc.nat({ max: 0xffff }),
  dstPort: fc.nat({ max: 0xffff }),
  seq: u32,
  ack: u32,
  flags: fc.nat({ max: 0xfff }),
  window: fc.nat({ max: 0xffff }),
  urgentPointer: fc.nat({ max: 0xffff }),
  options: optionsArb,
  payloadLength: fc.nat({ max: 300 }),
});

/** Unknown options carry Uint8Array views; compare them as hex so equality is about bytes. */
function plain(r: TcpRepr): unknown {
  return { ...r, options: { ...r.options, ...(r.options.unknown ? { unknown: r.options.unknown.map((u) => [u.kind, toHex(u.data)]) } : {}) } };
}

function emitted(repr: TcpRepr, src: number, dst: number, seed: number): Uint8Array {
  const payload = new Uint8Array(repr.payloadLength).map((_, i) => (i * 31 + seed) & 0xff);
  const out = new Uint8Array(tcpBufferLen(repr));
  emitTcp(repr, out, 0, { src, dst, payload });
  return out;
}

describe('TCP codec: properties', () => {
  it('parse(emit(x)) equals x over every option combination, the checksum is the byte loop\'s, at any offset', () => {
    fc.assert(
      fc.property(reprArb, u32, u32, fc.nat({ max: 9 }), (repr, src, dst, pad) => {
        const seg = emitted(repr, src, dst, pad);
        expect(seg.length).toBe(20 + optionBytes(repr.options) + repr.payloadLength);
        expect(seg[16]! * 256 + seg[17]!).toBe(naiveChecksum(src, dst, seg));
        const r = parseTcp(seg, src, dst);
        if (!r.ok) throw new Error(r.error.message);
        expect(plain(r.value)).toEqual(plain(repr));
        const big = new Uint8Array(pad + seg.length + 3);
        emitTcp(repr, big, pad, { src, dst, payload: seg.subarray(seg.length - repr.payloadLength) });
        expect(toHex(big.subarray(pad, pad + seg.length))).toBe(toHex(seg));
      }),
    );
  });

  it('the allocation-free readers agree with parse', () => {
    const slots = new TcpOptionSlots();
    const ts = { value: 0, echo: 0 };
    const sack = new Uint32Array(8);
    fc.assert(
      fc.property(reprArb, (repr) => {
        const seg = emitted(repr, SRC, DST, 1);
        expect(readTcpOptions(seg, slots)).toBeNull();
        const o = repr.options;
        expect(plain({ ...repr, options: optionsFromSlots(slots, seg) })).toEqual(plain(repr));
        expect(readTimestamps(seg, ts)).toBe(o.timestamps !== undefined);
        if (o.timestamps) expect(ts).toEqual(o.timestamps);
        expect(readSackBlocks(seg, sack)).toBe(o.sack?.length ?? 0);
        o.sack?.forEach((b, i) => expect([sack[2 * i], sack[2 * i + 1]]).toEqual([b.left, b.right]));
      }),
    );
  });

  it("'partial' is the folded pseudo-header sum, and completing it gives the 'compute' checksum", () => {
    fc.assert(
      fc.property(reprArb, u32, u32, (repr, src, dst) => {
        const full = emitted(repr, src, dst, 3);
        const part = full.slice();
        fillTcpChecksum(part, tcpPseudoHeaderSum(src, dst, part.length), 'partial');
        expect(part[16]! * 256 + part[17]!).toBe(naivePseudoFolded(src, dst, part.length));
        expect(checkTcp(part, src, dst, false)).toBeNull();
        let s = 0;
        for (let i = 0; i < part.length; i += 2) s += (part[i]! << 8) | (part[i + 1] ?? 0);
        while (s >> 16) s = (s & 0xffff) + (s >>> 16);
        expect(~s & 0xffff).toBe(full[16]! * 256 + full[17]!);
      }),
    );
  });

  it('random bytes never throw, and a segment that passes keeps every getter in bounds', () => {
    const slots = new TcpOptionSlots();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 90 }), u32, u32, fc.boolean(), (b, src, dst, verify) => {
        const r = parseTcp(b, src, dst, { verifyChecksum: verify });
        expect(checkTcp(b, src, dst, verify) === null).toBe(r.ok);
        readTcpOptions(b, slots);
        readTimestamps(b, { value: 0, echo: 0 });
        readSackBlocks(b, new Uint32Array(8));
        const v = TcpSegmentView.checked(b, src, dst, { verifyChecksum: false });
        if (v.ok) {
          expect(v.value.headerLength + v.value.payloadLength).toBe(b.length);
          expect(v.value.options.length).toBe(v.value.headerLength - 20);
          expect(v.value.readOptions(slots)).toBeNull();
          v.value.toRepr();
        }
      }),
    );
  });

  // Option areas built from tokens, well-formed or not, with repeats: more
  // interesting than uniform random bytes, which rarely get past the first option.
  const token = fc.oneof(
    fc.constantFrom([0], [1], [1, 1]),
    fc.tuple(fc.nat({ max: 0xffff })).map(([m]) => [2, 4, m >> 8, m & 255]),
    fc.nat({ max: 255 }).map((w) => [1, 3, 3, w]),
    fc.constant([4, 2]),
    fc.uint8Array({ minLength: 8, maxLength: 8 }).map((t) => [1, 1, 8, 10, ...t]),
    fc.integer({ min: 1, max: 4 }).chain((n) => fc.uint8Array({ minLength: 8 * n, maxLength: 8 * n }).map((d) => [5, 2 + 8 * n, ...d])),
    fc.uint8Array({ maxLength: 6 }).map((d) => [253, 2 + d.length, ...d]),
    fc.uint8Array({ minLength: 1, maxLength: 4 }).map((d) => [...d]),
  );
  it('random option areas never throw, and the readers agree with the full walk', () => {
    const slots = new TcpOptionSlots();
    fc.assert(
      fc.property(fc.nat({ max: 10 }), fc.array(token, { maxLength: 8 }), (words, tokens) => {
        const opts = tokens.flat().slice(0, words * 4);
        const b = new Uint8Array(20 + words * 4);
        b[12] = (5 + words) << 4;
        b.set(opts, 20);
        const err = readTcpOptions(b, slots);
        const ts = { value: 0, echo: 0 };
        if (err === null) {
          // A repeated option: every reader keeps the first, the aligned fast path included.
          expect(readTimestamps(b, ts)).toBe(slots.hasTimestamps);
          if (slots.hasTimestamps) expect([ts.value, ts.echo]).toEqual([slots.tsValue, slots.tsEcho]);
          const sack = new Uint32Array(8);
          expect(readSackBlocks(b, sack)).toBe(slots.sackCount);
          expect([...sack.subarray(0, 2 * slots.sackCount)]).toEqual([...slots.sack.subarray(0, 2 * slots.sackCount)]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('mutated valid segments never throw, and a changed byte never passes', () => {
    fc.assert(
      fc.property(reprArb, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat(), (repr, at, xor, cut) => {
        const seg = emitted(repr, SRC, DST, 5);
        const i = at % seg.length;
        const m = seg.slice();
        m[i] = m[i]! ^ xor;
        // One changed byte moves the ones' complement sum by a non-zero amount: checksum or another check catches it.
        expect(parseTcp(m, SRC, DST).ok).toBe(false);
        parseTcp(m, SRC, DST, { verifyChecksum: false });
        parseTcp(seg.subarray(0, cut % (seg.length + 1)), SRC, DST);
        parseTcp(m.subarray(0, cut % (m.length + 1)), SRC, DST, { verifyChecksum: false });
      }),
    );
  });
});
