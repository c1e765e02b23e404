import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeU16, writeU32 } from '@stack/wire';
import { halfSipHash24, swap16, swap32, tcpIsn } from './isn.js';

describe('RFC 6528 ISN', () => {
  it('advances 250 per ms for one 4-tuple and differs between tuples and secrets', () => {
    const s = { k0: 0x12345678, k1: 0x9abcdef0 };
    const a = tcpIsn(s, 0x0a000001, 40000, 0x0a000002, 80, 0);
    expect(tcpIsn(s, 0x0a000001, 40000, 0x0a000002, 80, 4)).toBe((a + 1000) >>> 0);
    expect(tcpIsn(s, 0x0a000001, 40001, 0x0a000002, 80, 0)).not.toBe(a);
    expect(tcpIsn({ k0: 0x12345678, k1: 0x9abcdef1 }, 0x0a000001, 40000, 0x0a000002, 80, 0)).not.toBe(a);
    expect(Number.isInteger(a) && a >= 0 && a <= 0xffffffff).toBe(true);
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
