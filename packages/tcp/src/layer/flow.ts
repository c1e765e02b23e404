import { StackError, type Endpoint, type Flow, type FlowError, type ReadResult, type WriteResult } from '@stack/interfaces';
import { TcpState } from '../engine/state.js';
import type { Conn } from './conn.js';

/** Largest chunk one `read()` hands out. */
const MAX_READ = 65_536;
const EOF: ReadResult = Object.freeze({ eof: true as const });
const WRITE_OK: Promise<WriteResult> = Promise.resolve(null);
const EOF_P: Promise<ReadResult> = Promise.resolve(EOF);

type Reader = (r: ReadResult) => void;

/** A write waiting for room in the send buffer. */
interface PendingWrite {
  readonly data: Uint8Array;
  offset: number;
  readonly resolve: (r: WriteResult) => void;
}

/** What a flow asks of its layer. */
export interface FlowHost {
  /** Lets the connection send now (after the application moved data in or out). */
  kick(conn: Conn): void;
}

/**
 * A TCP connection as the application holds it (DESIGN.md's `Flow`), over
 * one engine connection. Promises resolve when the layer services the
 * connection (`notify`): a read when bytes, the FIN or an error arrive; a
 * write when the send buffer has taken all of its bytes (the
 * backpressure); `shutdown` and `close` when our FIN is acknowledged or the
 * connection ends.
 *
 * `write` keeps a reference to the caller's bytes until it resolves: do not
 * change them before. Misuse (write after `shutdown`/`close`/`abort`)
 * throws StackError('ERR_CLOSED'); everything the peer or the network does
 * is a value (`ReadResult`, `WriteResult`).
 */
export class TcpFlow implements Flow {
  // Allocated when first needed: most flows never queue a second read, a blocked write, or ask for their endpoints.
  private localEp: Endpoint | null = null;
  private remoteEp: Endpoint | null = null;
  /** The oldest pending read; later ones wait in `moreReaders`, in order. */
  private reader: Reader | null = null;
  private moreReaders: Reader[] | null = null;
  /** Writes waiting for room in the send buffer, oldest first (null: none yet). */
  private writes: PendingWrite[] | null = null;
  /** Resolves `finPromise` (there is only ever one). */
  private finWaiter: (() => void) | null = null;
  /** shutdown() or close() asked for: the FIN follows the queued writes. */
  private finRequested = false;
  private closeRequested = false;
  private finPassed = false;
  /** Set once abort() ran, or the connection ended: nothing more to wait for. */
  private localError: FlowError | null = null;
  private finPromise: Promise<void> | null = null;

  constructor(
    /** @internal */
    readonly conn: Conn,
    private readonly host: FlowHost,
  ) {}

  /** Our address and port. */
  get local(): Endpoint {
    return (this.localEp ??= Object.freeze({ address: this.conn.localAddr, port: this.conn.localPort }));
  }

  /** The peer's address and port. */
  get remote(): Endpoint {
    return (this.remoteEp ??= Object.freeze({ address: this.conn.remoteAddr, port: this.conn.remotePort }));
  }

  /** The next bytes (at most 64 KiB, the caller's to keep: the stack never writes them again), the peer's FIN (`{ eof: true }`), or why the connection died. */
  read(): Promise<ReadResult> {
    if (this.reader === null) {
      const r = this.tryRead();
      if (r !== null) return r === EOF ? EOF_P : Promise.resolve(r);
      return new Promise((resolve) => (this.reader = resolve));
    }
    return new Promise((resolve) => (this.moreReaders ??= []).push(resolve));
  }

  /** Takes the oldest pending read out of the queue. */
  private nextReader(): Reader | null {
    const r = this.reader;
    const more = this.moreReaders;
    this.reader = more !== null && more.length > 0 ? more.shift()! : null;
    return r;
  }

  /** Settles every pending read with `r`. */
  private failReaders(r: ReadResult): void {
    for (let f = this.nextReader(); f !== null; f = this.nextReader()) f(r);
  }

  private get writeCount(): number {
    return this.writes === null ? 0 : this.writes.length;
  }

  /**
   * Queues `data` for sending; resolves with null once the send buffer took
   * all of it (copied), or with the error that ended the connection first.
   */
  write(data: Uint8Array): Promise<WriteResult> {
    if (!(data instanceof Uint8Array)) throw new StackError('ERR_INVALID_ARGUMENT', 'write needs a Uint8Array');
    if (this.finRequested) throw new StackError('ERR_CLOSED', `write after ${this.closeRequested ? 'close' : 'shutdown'}`);
    if (this.localError === 'aborted') throw new StackError('ERR_CLOSED', 'write after abort');
    const err = this.failure();
    if (err !== null) return Promise.resolve(err);
    if (data.length === 0) return WRITE_OK;
    const engine = this.conn.engine;
    if (this.writeCount === 0) {
      const n = engine.writable > 0 ? engine.send(data) : 0;
      if (n > 0) this.host.kick(this.conn);
      if (n === data.length) return WRITE_OK;
      return new Promise((resolve) => (this.writes ??= []).push({ data, offset: n, resolve }));
    }
    return new Promise((resolve) => (this.writes ??= []).push({ data, offset: 0, resolve }));
  }

  /** Half close: the FIN goes after every byte written so far; reading goes on. Resolves when the FIN is acknowledged or the connection ends. */
  shutdown(): Promise<void> {
    this.finRequested = true;
    return this.finDone();
  }

  /**
   * Graceful close of both directions: the FIN goes after the bytes written
   * so far; we read no more (unread or later data resets the connection,
   * RFC 1122 §4.2.2.13). Resolves when the FIN is acknowledged or the
   * connection ends; TIME-WAIT goes on in the layer.
   */
  close(): Promise<void> {
    this.finRequested = true;
    this.closeRequested = true;
    if (this.reader !== null) this.failReaders({ error: 'closed' });
    return this.finDone();
  }

  /** Resets the connection (RST) and drops both buffers; pending operations see 'aborted'. */
  abort(): void {
    if (this.localError !== null) return;
    this.localError = 'aborted';
    this.conn.engine.abort();
    this.host.kick(this.conn);
    this.settle();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private finDone(): Promise<void> {
    if (this.finPromise === null) {
      this.finPromise = new Promise((resolve) => (this.finWaiter = resolve));
      this.host.kick(this.conn);
      // A connection already reset, timed out or retired is never serviced again: settle here.
      this.settle();
    }
    return this.finPromise;
  }

  /** The error that ended the connection, or null while it lives (or ended cleanly). */
  private failure(): FlowError | null {
    if (this.localError !== null) return this.localError;
    // In TIME-WAIT swapped for a compact record, the record knows whether the layer's close aborted it.
    const e = this.conn.engine.error ?? this.conn.failed ?? this.conn.timeWait?.error ?? null;
    if (e === null) return null;
    return e === 'refused' ? 'reset' : e;
  }

  private tryRead(): ReadResult | null {
    if (this.closeRequested) return { error: 'closed' };
    const engine = this.conn.engine;
    if (engine.readable > 0) {
      // No copy: a view of the receive buffer's storage, which the engine never writes again.
      const data = engine.take(MAX_READ);
      this.host.kick(this.conn); // the window may open: an update may be owed
      return { data };
    }
    const err = this.failure();
    if (err !== null) return { error: err };
    if (engine.eof || engine.state === TcpState.CLOSED) return EOF;
    return null;
  }

  /**
   * Called by the layer after it serviced the connection: moves queued
   * writes into the send buffer, passes the FIN on when they are all in,
   * and resolves what can be resolved. Returns true when it gave the engine
   * something to send (the layer polls again).
   */
  notify(): boolean {
    const engine = this.conn.engine;
    let moved = false;
    // Writes first: they free the caller's buffers and may make room for the FIN.
    const writes = this.writes;
    while (writes !== null && writes.length > 0 && engine.writable > 0 && this.failure() === null) {
      const w = writes[0]!;
      const n = engine.send(w.offset === 0 ? w.data : w.data.subarray(w.offset));
      if (n > 0) moved = true;
      w.offset += n;
      if (w.offset < w.data.length) break;
      writes.shift();
      w.resolve(null);
    }
    if (this.finRequested && !this.finPassed && this.writeCount === 0 && this.failure() === null) {
      this.finPassed = true;
      if (this.closeRequested) engine.close();
      else engine.shutdown();
      moved = true;
    }
    while (this.reader !== null) {
      const r = this.tryRead();
      if (r === null) break;
      this.nextReader()!(r);
    }
    this.settle();
    return moved;
  }

  /** Resolves writes and FIN waiters that can no longer progress, and FIN waiters whose FIN is acknowledged. */
  private settle(): void {
    const err = this.failure();
    if (err !== null) {
      if (this.writes !== null) for (const w of this.writes.splice(0)) w.resolve(err);
      if (this.reader !== null) this.failReaders({ error: err });
    }
    const f = this.finWaiter;
    if (f !== null) {
      const s = this.conn.engine.state;
      if (err !== null || s === TcpState.FIN_WAIT_2 || s === TcpState.TIME_WAIT || s === TcpState.CLOSED) {
        this.finWaiter = null;
        f();
      }
    }
  }

  /** Pending operations, for inspection. */
  get pending(): { reads: number; writes: number; writeBytes: number } {
    let writeBytes = 0;
    for (const w of this.writes ?? []) writeBytes += w.data.length - w.offset;
    const reads = this.reader === null ? 0 : 1 + (this.moreReaders?.length ?? 0);
    return { reads, writes: this.writeCount, writeBytes };
  }
}
