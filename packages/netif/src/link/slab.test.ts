import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FrameSlab } from './slab.js';

describe('FrameSlab', () => {
  it('copies: later changes to the source do not show, and copies never overlap while held', () => {
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

  it('reuses memory once released, in order, and wraps around', () => {
    const slab = new FrameSlab();
    const first = slab.alloc(1000);
    const buffer = first.buffer;
    slab.release(first);
    expect(slab.held).toBe(0);
    // steady traffic, each frame released after the next is taken: the same memory, never a new buffer
    let prev = slab.alloc(1514);
    for (let i = 0; i < 10_000; i++) {
      const next = slab.alloc(1514);
      expect(next.buffer).toBe(buffer);
      slab.release(prev);
      prev = next;
    }
    expect(slab.held).toBe(1520);
  });

  it('after wrapping, takes only what lies before the oldest frame held', () => {
    const slab = new FrameSlab();
    const a = slab.alloc(100_000).fill(1);
    const b = slab.alloc(100_000).fill(2);
    slab.release(a);
    const c = slab.alloc(70_000).fill(3); // does not fit at the end: wraps to the front, before b
    expect(c.buffer).toBe(b.buffer);
    expect(c.byteOffset).toBe(0);
    const d = slab.alloc(40_000).fill(4); // would run into b: a new ring
    expect(d.buffer).not.toBe(b.buffer);
    expect(b.every((x) => x === 2) && c.every((x) => x === 3)).toBe(true);
  });

  it('grows when full instead of overwriting frames still held', () => {
    const slab = new FrameSlab();
    const held = Array.from({ length: 400 }, (_, i) => slab.copy(new Uint8Array(1514).fill(i & 0xff))); // > 256 KiB
    held.forEach((f, i) => expect(f.every((b) => b === (i & 0xff))).toBe(true));
    expect(new Set(held.map((f) => f.buffer)).size).toBe(2);
  });

  it('property: a frame is never overwritten before it is released (random sizes, FIFO releases)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 40_000 }), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 300 }), (ops) => {
        const slab = new FrameSlab();
        const live: { frame: Uint8Array; tag: number }[] = [];
        let tag = 0;
        for (const [size, releases] of ops) {
          const f = slab.alloc(size);
          tag = (tag + 1) & 0xff;
          f.fill(tag);
          live.push({ frame: f, tag });
          // give back up to `releases` of the oldest (FIFO), sometimes skipping one as a dropped frame does
          const k = Math.min(releases, live.length);
          if (k > 0) {
            slab.release(live[k - 1]!.frame);
            live.splice(0, k);
          }
          for (const l of live) expect(l.frame.every((b) => b === l.tag)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
