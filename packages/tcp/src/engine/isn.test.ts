import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeU16, writeU32 } from '@stack/wire';
import { halfSipHash24, halfSipHashWords, swap16, swap32, tcpIsn } from './isn.js';

describe('RFC 6528 ISN', () => {
  it('HalfSipHash-2-4 matches the reference vectors (vectors_hsip32, key 00..07, message 00..len-1)', () => {
    const want = ['a9359f5b', '27475ab8', 'fa62a603', '8afee704', '2a6e4689', 'c5fab669', '5863fc23', '8bcf63c5'];
    const k0 = 0x03020100;
    const k1 = 0x07060504;
    for (let len = 0; len < want.length; len++) {
      const msg = Uint8Array.from({ length: len }, (_, i) => i);
      const tag = halfSipHash24(k0, k1, msg);
      const le = [tag & 0xff, (tag >>> 8) & 0xff, (tag >>> 16) & 0xff, tag >>> 24].map((b) => b.toString(16).padStart(2, '0')).join('');
      expect(le, `len ${len}`).toBe(want[len]);
    }
  });

  it('advances 250 per ms for one 4-tuple and differs between tuples and secrets', () => {
    const s = { k0: 0x12345678, k1: 0x9abcdef0 };
    const a = tcpIsn(s, 0x0a000001, 40000, 0x0a000002, 80, 0);
    expect(tcpIsn(s, 0x0a000001, 40000, 0x0a000002, 80, 4)).toBe((a + 1000) >>> 0);
    expect(tcpIsn(s, 0x0a000001, 40001, 0x0a000002, 80, 0)).not.toBe(a);
    expect(tcpIsn({ k0: 0x12345678, k1: 0x9abcdef1 }, 0x0a000001, 40000, 0x0a000002, 80, 0)).not.toBe(a);
    expect(Number.isInteger(a) && a >= 0 && a <= 0xffffffff).toBe(true);
  });

  it('the word-wise form is the same function as the byte-wise one (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.uint8Array({ maxLength: 40 }), (k0, k1, msg) => {
        const whole = msg.length & ~3;
        const word = (i: number): number => (i < whole ? msg[i]! | (msg[i + 1]! << 8) | (msg[i + 2]! << 16) | (msg[i + 3]! << 24) : 0);
        let last = msg.length << 24;
        for (let i = whole; i < msg.length; i++) last |= msg[i]! << (8 * (i - whole));
        const tag = halfSipHash24(k0, k1, msg);
        if (whole <= 20) expect(halfSipHashWords(k0, k1, whole >> 2, word(0), word(4), word(8), word(12), word(16), last)).toBe(tag);
        expect(tag).toBe(halfSipHash24(k0, k1, Uint8Array.from(msg)));
      }),
    );
  });

  it('the ISN hashes the 12 bytes local address, remote address, local port, remote port in network order (property)', () => {
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
    const port = fc.integer({ min: 0, max: 0xffff });
    fc.assert(
      fc.property(u32, u32, u32, port, u32, port, fc.double({ min: 0, max: 1e9, noNaN: true }), (k0, k1, la, lp, ra, rp, now) => {
        const msg = new Uint8Array(12);
        writeU32(msg, 0, la);
        writeU32(msg, 4, ra);
        writeU16(msg, 8, lp);
        writeU16(msg, 10, rp);
        const m = Math.floor(now * 250) % 0x1_0000_0000;
        expect(tcpIsn({ k0, k1 }, la, lp, ra, rp, now)).toBe((m + halfSipHash24(k0, k1, msg)) >>> 0);
      }),
    );
    expect(swap32(0x0a00_0001)).toBe(0x0100_000a);
    expect(swap16(0x1f90)).toBe(0x901f);
  });
});
