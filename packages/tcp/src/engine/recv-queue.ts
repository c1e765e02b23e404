/** Chunk sizes are multiples of this (a 64-byte message takes one 64-byte chunk). */
const STORAGE_UNIT = 64;
/**
 * The largest chunk, and the read size chunks line up with: a reader that
 * takes 64 KiB at a time (`Flow.read()`) gets each as one chunk's view.
 * Bulk data costs one allocation per 64 KiB, and a small view the reader
 * keeps pins at most 64 KiB behind it.
 */
const MAX_CHUNK = 65_536;
/**
 * Full chunks of a bulk transfer are cut from slabs of up to this many
 * bytes (never more than the capacity): one allocation per 16 chunks
 * instead of one each. A fresh ArrayBuffer costs far more than its
 * zeroing (the allocator, external-memory accounting and the collections
 * it triggers); profiled under iperf3 over a TAP, one per 64 KiB was a
 * quarter of the receive path. A reader that keeps one view of a slab
 * keeps the whole slab: at most 1 MiB of this connection's past data.
 * The queue lets go of a slab once it is cut up, and of its uncut rest
 * when it drains: at most one slab's rest unused per drain (in the TCP
 * bench, whose reader empties a 4 MiB buffer at a time, about 1 slab in 60).
 */
const SLAB = 16 * MAX_CHUNK;
const EMPTY = new Uint8Array(0);

/**
 * A connection's receive buffer (RFC 9293 §3.8.6: the receive window is
 * its free space) as a queue of chunks, so that a received byte is copied
 * once, from the segment into a chunk, and `take` hands the reader a view
 * of the chunk instead of a copy. Storage behind the head has been handed
 * out: it belongs to the reader and is never written again, and a chunk is
 * dropped from the queue once all of it was taken.
 *
 * Positions count from the head (the next byte to take): bytes
 * `[0, length)` are held, `writeAt` places out-of-order bytes past them
 * (RFC 9293 §3.10.7.4 reassembly) and `commit` holds them later; the chunks
 * cover `[−headOff, stored − headOff)` contiguously.
 *
 * Layout: the first chunk holds the first bytes from the head, up to 64 KiB;
 * further chunks are 64 KiB each. While the first chunk is short of that,
 * a write past its end moves what was written past the head into a larger
 * one (twice the last while bytes wait before the write, else the same
 * size, at least what is needed, in 64-byte steps): small transfers
 * allocate small, a message that arrives with everything taken starts a
 * chunk of its own when the rest of the last one is too small for it, and
 * a reader taking 64 KiB at a time finds each in one chunk. What is moved
 * was never handed out, and is at most one short chunk's worth once per
 * burst, against the copy every byte made into the old ring and out again.
 *
 * `capacity` is a limit, not an allocation: a connection that never
 * received holds no chunk. Once everything was taken (nothing held, nothing
 * placed ahead) the queue holds no slab: at most one chunk of its own
 * (≤ 64 KiB, its rest kept for the next small messages); a first chunk cut
 * from a slab is let go with the slab. No chunk reaches past `capacity`
 * bytes from the head, so the chunks hold at most capacity + one chunk
 * (the taken part of the first); while bytes are held, the uncut rest of
 * the current slab comes on top (less than 1 MiB, and less than the
 * capacity). `clear()` gives everything back.
 */
export class RecvQueue {
  /** The chunks, oldest first (null: none yet). */
  private chunks: Uint8Array[] | null = null;
  /** Bytes of chunks[0] already taken. */
  private headOff = 0;
  /** Total bytes of the chunks. */
  private stored = 0;
  /** Size of the chunk allocated last (what the next first chunk grows from). */
  private last = 0;
  /** How far past the head bytes were written (≥ length: `writeAt` places bytes beyond it). */
  private reach = 0;
  /** Where full chunks are cut from, and how much of it is cut already. */
  private slab: Uint8Array | null = null;
  private slabUsed = 0;
  private readonly cap: number;
  /** Bytes held (in order, ready to take). */
  length = 0;

  constructor(capacity: number) {
    this.cap = capacity;
  }

  /** The most bytes the queue holds. */
  get capacity(): number {
    return this.cap;
  }

  /**
   * Bytes of storage the queue's chunks hold now (including the taken part
   * of the first). While bytes are held, the uncut rest of the slab the
   * last chunk came from is kept besides (not counted here); an idle queue
   * keeps none.
   */
  get allocated(): number {
    return this.stored;
  }

  /** Room left. */
  get free(): number {
    return this.cap - this.length;
  }

  /** Makes storage reach `end` bytes past the head (end ≤ capacity), for a write starting at `from`. */
  private reserve(from: number, end: number): void {
    let at = this.stored - this.headOff;
    if (end <= at) return;
    if (end > this.cap) throw new RangeError(`RecvQueue: ${end} bytes past the head exceed the capacity ${this.cap}`);
    const chunks = (this.chunks ??= []);
    if (chunks.length <= 1 && at < MAX_CHUNK) {
      // A new first chunk for the first min(end, 64 KiB) bytes from the head, taking over what was written.
      const need = Math.ceil(Math.min(end, MAX_CHUNK) / STORAGE_UNIT) * STORAGE_UNIT;
      const size = Math.min(Math.max(need, from > 0 ? this.last * 2 : this.last), MAX_CHUNK, this.cap);
      const next = new Uint8Array(size);
      const old = chunks[0];
      if (old !== undefined && this.reach > 0) next.set(old.subarray(this.headOff, this.headOff + this.reach), 0);
      chunks[0] = next;
      this.stored = size;
      this.headOff = 0;
      this.last = size;
      at = size;
    }
    while (at < end) {
      const size = Math.min(MAX_CHUNK, this.cap - at);
      chunks.push(size === MAX_CHUNK ? this.cut() : new Uint8Array(size));
      this.stored += size;
      this.last = size;
      at += size;
    }
  }

  /** A fresh 64 KiB chunk, cut from the current slab (a new one when there is none); the slab is let go once it is all cut. */
  private cut(): Uint8Array {
    let slab = this.slab;
    if (slab === null) {
      slab = this.slab = new Uint8Array(Math.max(MAX_CHUNK, Math.min(SLAB, Math.floor(this.cap / MAX_CHUNK) * MAX_CHUNK)));
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    const end = at + MAX_CHUNK;
    if (end === slab.length) this.slab = null;
    else this.slabUsed = end;
    return slab.subarray(at, end);
  }

  /** Copies `src` to `pos` bytes past the head (storage already reserved). */
  private place(pos: number, src: Uint8Array): void {
    const chunks = this.chunks!;
    // Find the chunk holding `pos` from the end: writes land at or near the tail.
    let i = chunks.length - 1;
    let start = this.stored - this.headOff - chunks[i]!.length;
    while (start > pos) start -= chunks[--i]!.length;
    let off = pos - start;
    let done = 0;
    const n = src.length;
    while (done < n) {
      const c = chunks[i++]!;
      const m = Math.min(n - done, c.length - off);
      c.set(m === n ? src : src.subarray(done, done + m), off);
      done += m;
      off = 0;
    }
    if (this.reach < pos + n) this.reach = pos + n;
  }

  /** Appends as much of `src` as fits; returns how many bytes were taken. */
  write(src: Uint8Array): number {
    const n = Math.min(src.length, this.free);
    if (n === 0) return 0;
    const from = this.length;
    this.reserve(from, from + n);
    this.place(from, n === src.length ? src : src.subarray(0, n));
    this.length = from + n;
    return n;
  }

  /**
   * Copies `src` to `offset` bytes past the last byte held, without holding
   * it yet (out-of-order data waiting for the bytes before it); `commit`
   * takes it in later. The caller checks `offset + src.length ≤ free`.
   */
  writeAt(offset: number, src: Uint8Array): void {
    if (src.length === 0) return;
    const pos = this.length + offset;
    this.reserve(pos, pos + src.length);
    this.place(pos, src);
  }

  /** Holds `n` more bytes that `writeAt` put in place (n ≤ free). */
  commit(n: number): void {
    this.length += n;
    if (this.reach < this.length) this.reach = this.length;
  }

  /**
   * Takes min(`max`, length) bytes from the head (empty when none are
   * held): a view of the first chunk when they lie in it, as they do for
   * a reader taking 64 KiB or everything held at a time; else (a reader
   * that took other amounts) a copy. The queue never writes those bytes
   * again: the caller owns them.
   */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.length);
    if (n <= 0) return EMPTY;
    const first = this.chunks![0]!;
    if (n <= first.length - this.headOff) return this.view(n);
    const out = new Uint8Array(n);
    for (let done = 0; done < n; ) {
      const v = this.view(n - done);
      out.set(v, done);
      done += v.length;
    }
    return out;
  }

  /** Takes up to `max` bytes (1 ≤ max ≤ length) from the head as a view of the first chunk, fewer where it ends. */
  private view(max: number): Uint8Array {
    const chunks = this.chunks!;
    const c = chunks[0]!;
    const from = this.headOff;
    const n = Math.min(max, c.length - from);
    this.length -= n;
    this.reach -= n;
    if (from + n === c.length) {
      // All of this chunk is taken: drop it (the reader's views keep its bytes alive).
      chunks.shift();
      this.stored -= c.length;
      this.headOff = 0;
    } else this.headOff = from + n;
    if (this.reach === 0) this.drained();
    return from === 0 && n === c.length ? c : c.subarray(from, from + n);
  }

  /**
   * Everything was taken and nothing is placed ahead: lets go of the slab
   * (its uncut rest), and of the first chunk when it was cut from one, so
   * that an idle queue keeps no slab alive (the reader's views still do).
   * A first chunk of its own stays, for the next small messages.
   */
  private drained(): void {
    this.slab = null;
    this.slabUsed = 0;
    const chunks = this.chunks!;
    const c = chunks[0];
    if (c !== undefined && c.byteLength !== c.buffer.byteLength) {
      chunks.length = 0;
      this.stored = 0;
      this.headOff = 0;
    }
  }

  /** Copies up to `into.length` bytes from the head into `into` and takes them; returns how many. */
  read(into: Uint8Array): number {
    let done = 0;
    while (done < into.length && this.length > 0) {
      const v = this.view(Math.min(into.length - done, this.length));
      into.set(v, done);
      done += v.length;
    }
    return done;
  }

  /** Forgets everything held (and anything placed past the tail) and gives the storage back. */
  clear(): void {
    this.chunks = null;
    this.slab = null;
    this.slabUsed = 0;
    this.headOff = 0;
    this.stored = 0;
    this.last = 0;
    this.reach = 0;
    this.length = 0;
  }
}
