/** Storage grows in multiples of this (the first allocation is what is needed, rounded up to it). */
const STORAGE_UNIT = 64;
const EMPTY = new Uint8Array(0);
/** Copies up to this many bytes go byte by byte (see `peek`). */
const SMALL_COPY = 128;

/**
 * A fixed-capacity byte ring: the send and receive buffers of a connection
 * (RFC 9293 §3.8.6: the receive window is this buffer's free space). Bytes
 * are copied in once and out once; `peek` reads at an offset without
 * consuming, so the send side can retransmit what is still unacknowledged.
 *
 * `capacity` is a limit, not an allocation: storage starts empty, holds
 * what the first write needs (in 64-byte steps), and grows by doubling
 * (never past the capacity) as more bytes arrive, so ten thousand idle
 * connections with 64 KiB buffers do not hold 1.3 GB; `clear()` gives it
 * back. Growing copies what is held once; a connection that reached its
 * working size allocates nothing more.
 */
export class RingBuffer {
  private buf: Uint8Array = EMPTY;
  private readonly cap: number;
  /** Index of the first byte held. */
  private head = 0;
  /** Bytes held. */
  length = 0;

  constructor(capacity: number) {
    this.cap = capacity;
  }

  /** The most bytes the ring holds. */
  get capacity(): number {
    return this.cap;
  }

  /** Bytes of storage allocated now (≤ capacity). */
  get allocated(): number {
    return this.buf.length;
  }

  /** Room left. */
  get free(): number {
    return this.cap - this.length;
  }

  /** Makes storage hold at least `need` bytes from the head, keeping what is there (bytes placed by `writeAt` too). */
  private reserve(need: number): void {
    const old = this.buf;
    if (need <= old.length) return;
    // First just what is needed (a 64-byte request takes 64 bytes, not a whole segment's worth), then doubling.
    let size = old.length === 0 ? Math.ceil(need / STORAGE_UNIT) * STORAGE_UNIT : old.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.cap));
    if (old.length > 0) {
      const first = old.length - this.head;
      next.set(old.subarray(this.head), 0);
      next.set(old.subarray(0, this.head), first);
    }
    this.buf = next;
    this.head = 0;
  }

  /** Appends as much of `src` as fits; returns how many bytes were taken. */
  write(src: Uint8Array): number {
    const n = Math.min(src.length, this.free);
    if (n === 0) return 0;
    this.reserve(this.length + n);
    const cap = this.buf.length;
    const tail = (this.head + this.length) % cap;
    const first = Math.min(n, cap - tail);
    this.buf.set(first === src.length ? src : src.subarray(0, first), tail);
    if (first < n) this.buf.set(src.subarray(first, n), 0);
    this.length += n;
    return n;
  }

  /**
   * Copies `src` to `offset` bytes past the last byte held, without holding
   * it yet (out-of-order data waiting for the bytes before it); `commit`
   * takes it in later. The caller checks `offset + src.length ≤ free`.
   */
  writeAt(offset: number, src: Uint8Array): void {
    const n = src.length;
    if (n === 0) return;
    this.reserve(this.length + offset + n);
    const cap = this.buf.length;
    const at = (this.head + this.length + offset) % cap;
    const first = Math.min(n, cap - at);
    this.buf.set(first === n ? src : src.subarray(0, first), at);
    if (first < n) this.buf.set(src.subarray(first), 0);
  }

  /** Holds `n` more bytes that `writeAt` put in place (n ≤ free). */
  commit(n: number): void {
    this.length += n;
  }

  /** Copies `into.length` bytes starting `offset` bytes after the head into `into` (the caller checks they are held). */
  peek(offset: number, into: Uint8Array): void {
    const n = into.length;
    if (n === 0) return;
    const cap = this.buf.length;
    const start = (this.head + offset) % cap;
    if (n <= SMALL_COPY) {
      // A few bytes (an echo, a request): a loop. `subarray` on small storage is an allocation, and V8
      // first moves the storage off the heap for it.
      const buf = this.buf;
      for (let i = 0, j = start; i < n; i++, j = j + 1 === cap ? 0 : j + 1) into[i] = buf[j]!;
      return;
    }
    const first = Math.min(n, cap - start);
    into.set(this.buf.subarray(start, start + first), 0);
    if (first < n) into.set(this.buf.subarray(0, n - first), first);
  }

  /**
   * Drops `n` bytes from the head (n ≤ length). The head moves even when
   * the ring empties: bytes placed past the tail by `writeAt` keep their
   * place.
   */
  consume(n: number): void {
    if (n === 0) return;
    this.length -= n;
    this.head = (this.head + n) % this.buf.length;
  }

  /** Copies up to `into.length` bytes from the head into `into` and consumes them; returns how many. */
  read(into: Uint8Array): number {
    const n = Math.min(into.length, this.length);
    this.peek(0, n === into.length ? into : into.subarray(0, n));
    this.consume(n);
    return n;
  }

  /** Forgets everything held (and anything placed past the tail) and gives the storage back. */
  clear(): void {
    this.buf = EMPTY;
    this.head = 0;
    this.length = 0;
  }
}
