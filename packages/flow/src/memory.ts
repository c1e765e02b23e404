import { StackError } from '@stack/interfaces';
import type { Endpoint, Flow, FlowError, ReadResult, WriteResult } from '@stack/interfaces';

/** Options of `memoryFlowPair`. */
export interface MemoryFlowPairOptions {
  /**
   * Bytes each direction holds between its writer and its reader (the send
   * buffer and the receive window in one): a `write` resolves only once all
   * its bytes fit. Default 65536.
   */
  bufferSize?: number;
  /** The most bytes one `read()` gives; reads coalesce what was written. Default 65536. */
  maxReadSize?: number;
  /** The `local` endpoint of each flow (the other's `remote`). Default 127.0.0.1:49152 and 127.0.0.1:7. */
  endpoints?: readonly [Endpoint, Endpoint];
}

/** One end of a `memoryFlowPair`: a `Flow`, plus what tests like to look at. */
export interface MemoryFlow extends Flow {
  /** Bytes that reached this side and were not read yet. */
  readonly unread: number;
  /** Bytes this side's pending writes still wait to put in the buffer. */
  readonly unsent: number;
}

const LOOPBACK = 0x7f000001;

interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly resolve: (result: WriteResult) => void;
}

/** One direction: bytes a writer put in, not read yet, bounded by `capacity`. */
class Pipe {
  private readonly chunks: Uint8Array[] = [];
  private headOffset = 0;
  buffered = 0;
  readonly writers: PendingWrite[] = [];
  readonly readers: Array<(result: ReadResult) => void> = [];
  /** The writer shut its side down: eof once everything before it was read. */
  fin = false;
  /** The reader closed: bytes written now reset the connection. */
  readerGone = false;

  constructor(
    private readonly capacity: number,
    private readonly maxRead: number,
  ) {}

  get unsent(): number {
    let n = 0;
    for (const w of this.writers) n += w.data.length - w.offset;
    return n;
  }

  get atEof(): boolean {
    return this.fin && this.buffered === 0 && this.writers.length === 0;
  }

  /** Moves pending writes into free room and hands bytes (or eof) to waiting readers, until neither can go on. */
  service(): void {
    for (;;) {
      this.admit();
      if (this.readers.length === 0) return;
      if (this.buffered > 0) this.readers.shift()!({ data: this.take() });
      else if (this.atEof) this.readers.shift()!({ eof: true });
      else return;
    }
  }

  private admit(): void {
    while (this.writers.length > 0) {
      const w = this.writers[0]!;
      const n = Math.min(this.capacity - this.buffered, w.data.length - w.offset);
      if (n > 0) {
        this.chunks.push(w.data.slice(w.offset, w.offset + n)); // the copy: the writer may reuse its bytes once resolved
        this.buffered += n;
        w.offset += n;
      }
      if (w.offset < w.data.length) return;
      this.writers.shift();
      w.resolve(null);
    }
  }

  /** Up to `maxRead` buffered bytes (buffered > 0): a view of one chunk, or a copy of several. */
  take(): Uint8Array {
    const n = Math.min(this.maxRead, this.buffered);
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length - this.headOffset >= n) {
      out = first.subarray(this.headOffset, this.headOffset + n);
      this.consume(n);
    } else {
      out = new Uint8Array(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0]!;
        const k = Math.min(chunk.length - this.headOffset, n - filled);
        out.set(chunk.subarray(this.headOffset, this.headOffset + k), filled);
        filled += k;
        this.consume(k);
      }
    }
    return out;
  }

  private consume(n: number): void {
    this.buffered -= n;
    this.headOffset += n;
    if (this.headOffset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.headOffset = 0;
    }
  }

  /** Drops the bytes; pending writers get `writerError`, waiting readers `readerError`. */
  fail(writerError: FlowError, readerError: FlowError): void {
    this.chunks.length = 0;
    this.headOffset = 0;
    this.buffered = 0;
    for (const w of this.writers.splice(0)) w.resolve(writerError);
    for (const r of this.readers.splice(0)) r({ error: readerError });
  }
}

class MemoryFlowImpl implements MemoryFlow {
  peer!: MemoryFlowImpl;
  private error: FlowError | null = null;
  private shut = false;
  private closed = false;

  constructor(
    readonly local: Endpoint,
    readonly remote: Endpoint,
    private readonly inbound: Pipe,
    private readonly outbound: Pipe,
  ) {}

  get unread(): number {
    return this.inbound.buffered;
  }

  get unsent(): number {
    return this.outbound.unsent;
  }

  read(): Promise<ReadResult> {
    if (this.error !== null) return Promise.resolve({ error: this.error });
    if (this.closed) return Promise.resolve({ error: 'closed' });
    const pipe = this.inbound;
    return new Promise((resolve) => {
      pipe.readers.push(resolve);
      pipe.service();
    });
  }

  write(data: Uint8Array): Promise<WriteResult> {
    if (this.closed || this.shut || this.error === 'aborted') {
      return Promise.reject(new StackError('ERR_CLOSED', `write after ${this.error === 'aborted' ? 'abort' : this.closed ? 'close' : 'shutdown'}`));
    }
    if (this.error !== null) return Promise.resolve(this.error);
    const pipe = this.outbound;
    if (pipe.readerGone) {
      // The peer closed and reads no more: data for it resets the connection (RFC 1122 §4.2.2.13).
      this.fail('reset');
      return Promise.resolve('reset');
    }
    return new Promise((resolve) => {
      pipe.writers.push({ data, offset: 0, resolve });
      pipe.service();
    });
  }

  shutdown(): Promise<void> {
    if (!this.shut && !this.closed && this.error === null) {
      this.shut = true;
      this.outbound.fin = true;
      this.outbound.service();
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    if (this.error !== null) return Promise.resolve();
    if (this.inbound.buffered > 0 || this.inbound.writers.length > 0) {
      // Closing with unread data resets the connection (RFC 1122 §4.2.2.13, as Linux does).
      this.error = 'closed';
      this.inbound.fail('reset', 'closed');
      this.outbound.fail('closed', 'reset');
      this.peer.fail('reset');
      return Promise.resolve();
    }
    this.shut = true;
    this.outbound.fin = true;
    this.outbound.service();
    this.inbound.readerGone = true;
    for (const r of this.inbound.readers.splice(0)) r({ error: 'closed' });
    return Promise.resolve();
  }

  abort(): void {
    if (this.closed || this.error !== null) return;
    this.error = 'aborted';
    this.inbound.fail('reset', 'aborted');
    this.outbound.fail('aborted', 'reset');
    this.peer.fail('reset');
  }

  /** The connection died under this side: every pending and later operation gets `error`. */
  private fail(error: FlowError): void {
    if (this.closed || this.error !== null) return;
    this.error = error;
    this.inbound.fail(error, error);
    this.outbound.fail(error, error);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new StackError('ERR_INVALID_ARGUMENT', `memoryFlowPair: ${name} must be a positive integer (bytes), got ${String(value)}`);
  }
  return value;
}

/**
 * Two connected in-memory `Flow`s, for tests and for code that wants a
 * connection without a network. Each direction buffers at most `bufferSize`
 * bytes: `write` resolves only when all its bytes fit (real backpressure),
 * and reads free room. It behaves as a TCP connection does to its users
 * (RFC 9293 §3.10): `shutdown` is a half close (the peer reads the buffered
 * bytes, then eof); `close` shuts down and stops reading, so bytes the peer
 * writes afterwards reset the connection, as does closing with unread bytes
 * (RFC 1122 §4.2.2.13); `abort` drops both buffers and the peer gets
 * `{ error: 'reset' }` from every pending and later read and write, while
 * this side gets 'aborted'. Writes after this side's `shutdown`, `close` or
 * `abort` reject with `StackError` ERR_CLOSED (misuse); reads after `close`
 * give `{ error: 'closed' }`. `abort` after `close` does nothing.
 *
 * Deterministic: no timers, no host clock; everything happens as promises
 * settle, in the order the calls were made.
 */
export function memoryFlowPair(options: MemoryFlowPairOptions = {}): [MemoryFlow, MemoryFlow] {
  const bufferSize = positiveInt(options.bufferSize, 65536, 'bufferSize');
  const maxReadSize = positiveInt(options.maxReadSize, 65536, 'maxReadSize');
  const [ea, eb] = options.endpoints ?? [
    { address: LOOPBACK, port: 49152 },
    { address: LOOPBACK, port: 7 },
  ];
  const ab = new Pipe(bufferSize, maxReadSize);
  const ba = new Pipe(bufferSize, maxReadSize);
  const a = new MemoryFlowImpl(ea, eb, ba, ab);
  const b = new MemoryFlowImpl(eb, ea, ab, ba);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
