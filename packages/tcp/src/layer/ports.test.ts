import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeU16, writeU32 } from '@stack/wire';
import { halfSipHash24 } from '../engine/isn.js';
import { EphemeralPorts, type PortCheck } from './ports.js';

describe('EphemeralPorts (RFC 6056 §3.3.4, Algorithm 4)', () => {
  /** The algorithm as RFC 6056 writes it, hashing the 10-byte message (local address, remote address, remote port) each time. */
  function model(min: number, max: number, offsetKey: { k0: number; k1: number }, indexKey: { k0: number; k1: number }) {
    const table = new Uint32Array(256);
    return (la: number, ra: number, rp: number, free: (p: number) => boolean): number => {
      const msg = new Uint8Array(10);
      writeU32(msg, 0, la);
      writeU32(msg, 4, ra);
      writeU16(msg, 8, rp);
      const offset = halfSipHash24(offsetKey.k0, offsetKey.k1, msg);
      const index = halfSipHash24(indexKey.k0, indexKey.k1, msg) % 256;
      const num = max - min + 1;
      for (let count = num; count > 0; count--) {
        const port = min + ((offset + table[index]!) % num);
        table[index] = (table[index]! + 1) >>> 0;
        if (free(port)) return port;
      }
      return -1;
    };
  }

  it('picks what the algorithm picks, taken ports skipped (property)', () => {
    const dest = fc.tuple(fc.constantFrom(0x0a00_0001, 0xc0a8_0101), fc.constantFrom(0x0a00_0002, 0x0808_0808, 0xfe00_0001), fc.constantFrom(7, 80, 443));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff }), fc.array(dest, { minLength: 1, maxLength: 40 }), (a, b, calls) => {
        const off = { k0: a, k1: b };
        const idx = { k0: b ^ 0x5555_5555, k1: a ^ 0x3333_3333 };
        const ports = new EphemeralPorts(40_000, 40_031, off, idx);
        const expected = model(40_000, 40_031, off, idx);
        const taken = new Set<string>();
        const check: PortCheck = { portFree: (la, lp, ra, rp) => !taken.has(`${la}:${lp}>${ra}:${rp}`) };
        for (const [la, ra, rp] of calls) {
          const want = expected(la, ra, rp, (p) => !taken.has(`${la}:${p}>${ra}:${rp}`));
          const got = ports.pick(la, ra, rp, check);
          expect(got).toBe(want);
          if (got >= 0) taken.add(`${la}:${got}>${ra}:${rp}`);
        }
      }),
    );
  });

  it('gives -1 when every port toward a destination is taken', () => {
    const ports = new EphemeralPorts(50_000, 50_003, { k0: 1, k1: 2 }, { k0: 3, k1: 4 });
    const got: number[] = [];
    const check: PortCheck = { portFree: (_la, lp) => !got.includes(lp) };
    for (let i = 0; i < 5; i++) got.push(ports.pick(1, 2, 80, check));
    expect(got.slice(0, 4).sort()).toEqual([50_000, 50_001, 50_002, 50_003]);
    expect(got[4]).toBe(-1);
  });
});
