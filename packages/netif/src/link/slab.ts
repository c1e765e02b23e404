/** Bytes per slab: room for ~690 full-size Ethernet frames or fifteen 64 KB ones. */
const SLAB_SIZE = 1024 * 1024;
/** Frames larger than this get their own buffer (a slab would hold too few). */
const LARGEST = SLAB_SIZE / 8;

/**
 * Copies frames into large shared buffers and hands out views, so a link
 * that must keep a frame past `transmit` (DESIGN.md: the caller may reuse its
 * buffer at once) does not allocate an ArrayBuffer per frame — that, and
 * the garbage collection it drives, was the single largest cost of a bulk
 * TCP transfer over a memory link. A slab is never written twice: once
 * full, a new one is taken and the old one is freed by the garbage
 * collector when the last frame viewing it is gone (so a frame held long
 * keeps its slab alive: a bounded cost, at most one slab per held frame).
 */
export class FrameSlab {
  private buf = new Uint8Array(0);
  private used = 0;

  /** A copy of `frame` that stays valid as long as it is referenced. */
  copy(frame: Uint8Array): Uint8Array {
    const view = this.alloc(frame.length);
    view.set(frame);
    return view;
  }

  /** `n` bytes of fresh memory, never handed out before (zeros), valid as long as referenced. */
  alloc(n: number): Uint8Array {
    if (n > LARGEST) return new Uint8Array(n);
    // 8-byte aligned starts keep word-wise readers (the checksum) on their fast path.
    if (this.used + n > this.buf.length) {
      this.buf = new Uint8Array(SLAB_SIZE);
      this.used = 0;
    }
    const view = this.buf.subarray(this.used, this.used + n);
    this.used += (n + 7) & ~7;
    return view;
  }
}
