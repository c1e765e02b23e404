/** Bytes of the first ring; it doubles when found full, up to `MAX_RING`. */
const FIRST_RING = 256 * 1024;
/** The largest ring: past it, frames that do not fit get memory of their own. */
const MAX_RING = 16 * 1024 * 1024;
/** Frames larger than this get their own buffer (a ring would hold too few). */
const LARGEST = 128 * 1024;

/**
 * Frame memory for a link that must keep a frame past `transmit` (DESIGN.md:
 * the caller may reuse its buffer at once) and hands it up later: one ring
 * of bytes per sending end, used in the order frames travel, so a steady
 * flow allocates nothing and leaves nothing for the garbage collector (an
 * ArrayBuffer per frame, or a fresh slab per megabyte, was the largest cost
 * of a bulk TCP transfer over a memory link).
 *
 * `alloc` takes from the tail; `release(frame)`, called once frames up to
 * `frame` were handed up (a received frame is valid only during the
 * receive call, `FrameHandler`), gives back everything up to its end. The
 * link delivers in the order it allocated, so that is all ever needed; a
 * frame dropped before delivery is given back with the next one delivered.
 * When the ring is full (many frames in flight) it is replaced by one twice
 * the size (frames in the old one stay valid: the garbage collector frees
 * it when the last is gone); past `MAX_RING`, or for a frame over 128 KiB,
 * the frame gets memory of its own.
 */
export class FrameSlab {
  private buf = new Uint8Array(0);
  /** Start of the oldest frame not yet released. */
  private head = 0;
  /** Where the next frame goes. */
  private tail = 0;
  /** The tail went back to 0 while frames at the end are still out: free space is [tail, head). */
  private wrapped = false;

  /** A copy of `frame` that stays valid until it is released. */
  copy(frame: Uint8Array): Uint8Array {
    const view = this.alloc(frame.length);
    view.set(frame);
    return view;
  }

  /**
   * `n` bytes for a frame, valid until released. Not zeroed: memory given
   * back is used again (write every byte, padding included).
   */
  alloc(n: number): Uint8Array {
    if (n > LARGEST) return new Uint8Array(n);
    // 8-byte aligned starts keep word-wise readers (the checksum) on their fast path.
    const size = (n + 7) & ~7;
    let at = this.take(size);
    if (at < 0) {
      if (this.buf.length >= MAX_RING) return new Uint8Array(n);
      this.buf = new Uint8Array(this.buf.length === 0 ? FIRST_RING : this.buf.length * 2);
      this.head = 0;
      this.tail = 0;
      this.wrapped = false;
      at = this.take(size);
    }
    return this.buf.subarray(at, at + n);
  }

  /** Gives back `frame` and every frame allocated before it (a no-op for memory not from the ring). */
  release(frame: Uint8Array): void {
    if (frame.buffer !== this.buf.buffer) return;
    const start = frame.byteOffset - this.buf.byteOffset;
    const end = start + ((frame.length + 7) & ~7);
    // A frame at the front of a wrapped ring: everything at the end is given back too.
    if (this.wrapped && start < this.head) this.wrapped = false;
    this.head = end;
    if (!this.wrapped && this.head >= this.tail) {
      this.head = 0;
      this.tail = 0;
    }
  }

  /** Bytes of ring memory held by frames not yet released (for tests). */
  get held(): number {
    return this.wrapped ? this.buf.length - this.head + this.tail : this.tail - this.head;
  }

  /** Offset of `size` free bytes taken from the ring, or -1 when they do not fit. */
  private take(size: number): number {
    const cap = this.buf.length;
    if (!this.wrapped) {
      if (this.tail + size <= cap) {
        const at = this.tail;
        this.tail += size;
        return at;
      }
      // Strictly below the head: a full ring is never mistaken for an empty one.
      if (size < this.head) {
        this.wrapped = true;
        this.tail = size;
        return 0;
      }
      return -1;
    }
    if (this.tail + size < this.head) {
      const at = this.tail;
      this.tail += size;
      return at;
    }
    return -1;
  }
}
