import { describe, expect, it } from 'vitest';
import { halfSipHash24, tcpIsn } from './isn.js';

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
});
