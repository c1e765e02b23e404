import { describe, expect, it } from 'vitest';
import { FrameSlab } from './slab.js';

describe('FrameSlab', () => {
  it('copies: later changes to the source do not show, and copies never overlap', () => {
    const slab = new FrameSlab();
    const src = new Uint8Array(1514).fill(1);
    const copies: Uint8Array[] = [];
    for (let i = 0; i < 400; i++) {
      src.fill(i & 0xff);
      copies.push(slab.copy(src.subarray(0, 60 + (i % 1455))));
    }
    src.fill(0xee);
    copies.forEach((c, i) => {
      expect(c.length).toBe(60 + (i % 1455));
      expect(c.every((b) => b === (i & 0xff))).toBe(true);
      expect(c.byteOffset % 8).toBe(0);
    });
  });

  it('gives large frames their own buffer', () => {
    const slab = new FrameSlab();
    const big = slab.copy(new Uint8Array(140_000));
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(140_000);
  });
});
