import type { Socket } from 'node:net';
import { StackError, type Endpoint, type Flow, type FlowError, type ReadResult, type WriteResult } from '@stack/interfaces';
import { formatIpv4 } from '@stack/wire';
import { errnoOf, flowErrorOf } from './errno.js';
import { endpointOf } from './loop.js';

/** Largest chunk one `read()` hands out (as @stack/tcp's flows). */
const MAX_READ = 65_536;
const EOF: ReadResult = Object.freeze({ eof: true as const });
const WRITE_OK: Promise<WriteResult> = Promise.resolve(null);

type Reader = (r: ReadResult) => void;

/** What a flow tells the stack that owns it. */
export interface FlowOwner {
  /** The flow's socket is closed (its handle released): forget the flow. */
  released(flow: SocketFlow): void;
  /** A connection the application held ended by a reset, either side's. */
  countReset(): void;
  /** An errno the kernel reported, for the counters. */
  countErrno(errno: string): void;
}

/** One connection as `inspect()` lists it: the `ss` line of a socket stack. */
export interface SocketFlowSnapshot {
  readonly local: string;
  readonly remote: string;
  /**
   * As the application sees it (the kernel's exact state is not visible
   * from Node): SYN-SENT (a connect under way), ESTABLISHED, FIN-WAIT-1 (we
   * shut down), CLOSE-WAIT (the peer did), CLOSING (both, until the socket
   * closes and leaves the list).
   */
  readonly state: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Bytes read from the kernel that the application has not read yet. */
  readonly readQueue: number;
  /** True while the flow stopped reading from the kernel (`readQueue` full). */
  readonly readPaused: boolean;
  readonly pending: { readonly reads: number; readonly writes: number; readonly writeBytes: number };
  readonly error: FlowError | null;
  readonly [field: string]: unknown;
}

/**
 * A `Flow` over a Node `net.Socket`, i.e. a connection of the kernel's TCP
 * (DESIGN.md's `Flow`, as `@stack/tcp`'s TcpFlow offers it over @stack's own).
 *
 * Reading: the flow reads from the socket ahead of the application into a
 * queue of at most `readBufferSize` bytes, then pauses the socket, so the
 * kernel's receive buffer fills and TCP's window closes toward the peer.
 * `read()` gives a chunk (at most 64 KiB, the caller's to keep), then the
 * peer's FIN (`{ eof: true }`) or why the connection died.
 *
 * Writing: `write()` resolves once the kernel took every byte (Node's write
 * callback: the send buffer accepted them), which is the backpressure; it
 * keeps a reference to the caller's bytes until then. Misuse (write after
 * `shutdown`/`close`/`abort`) throws StackError('ERR_CLOSED').
 */
export class SocketFlow implements Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** Bytes received from the peer, and bytes the kernel took from us. */
  bytesIn = 0;
  bytesOut = 0;

  readonly #socket: Socket;
  readonly #owner: FlowOwner;
  readonly #readBufferSize: number;
  readonly #queue: Uint8Array[] = [];
  #queued = 0;
  readonly #readers: Reader[] = [];
  #pausedByUs = false;
  #peerFin = false;
  /** How the connection died under us (the peer, the kernel), or null. */
  #error: FlowError | null = null;
  #aborted = false;
  #shutdownAsked = false;
  #closeAsked = false;
  #socketClosed = false;
  #writes = 0;
  #writeBytes = 0;
  #finPromise: Promise<void> | null = null;
  #closePromise: Promise<void> | null = null;
  /** Resolves on the socket's 'close': the connection is over here and its handle released. */
  readonly whenClosed: Promise<void>;

  constructor(socket: Socket, owner: FlowOwner, readBufferSize: number) {
    this.#socket = socket;
    this.#owner = owner;
    this.#readBufferSize = readBufferSize;
    this.local = endpointOf(socket.localAddress, socket.localPort);
    this.remote = endpointOf(socket.remoteAddress, socket.remotePort);
    let onClosed!: () => void;
    this.whenClosed = new Promise((resolve) => (onClosed = resolve));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('end', () => this.#onEnd());
    socket.on('error', (err: Error) => this.#onError(err));
    socket.on('close', () => {
      this.#onClose();
      onClosed();
    });
    if (socket.destroyed) {
      // Reset before we got it (an accepted connection the peer reset at once): 'close' still comes.
      this.#error = 'reset';
    }
    socket.resume();
  }

  // ------------------------------------------------------------------ read

  /** The next bytes (at most 64 KiB), the peer's FIN (`{ eof: true }`), or why the connection died. */
  read(): Promise<ReadResult> {
    if (this.#readers.length === 0) {
      const r = this.#tryRead();
      if (r !== null) return Promise.resolve(r);
    }
    return new Promise((resolve) => this.#readers.push(resolve));
  }

  #tryRead(): ReadResult | null {
    if (this.#closeAsked) return { error: 'closed' };
    if (this.#aborted) return { error: 'aborted' };
    if (this.#queued > 0) return { data: this.#take() };
    if (this.#error !== null) return { error: this.#error };
    if (this.#peerFin) return EOF;
    if (this.#socketClosed) return { error: 'reset' };
    return null;
  }

  #take(): Uint8Array {
    const head = this.#queue[0]!;
    let data: Uint8Array;
    if (head.length <= MAX_READ) {
      this.#queue.shift();
      data = head;
    } else {
      data = head.subarray(0, MAX_READ);
      this.#queue[0] = head.subarray(MAX_READ);
    }
    this.#queued -= data.length;
    if (this.#pausedByUs && this.#queued < this.#readBufferSize) {
      this.#pausedByUs = false;
      if (!this.#socket.destroyed) this.#socket.resume();
    }
    return data;
  }

  /** Hands what can be handed to waiting readers, oldest first. */
  #serveReaders(): void {
    while (this.#readers.length > 0) {
      const r = this.#tryRead();
      if (r === null) return;
      this.#readers.shift()!(r);
    }
  }

  #failReaders(r: ReadResult): void {
    for (const f of this.#readers.splice(0)) f(r);
  }

  #onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (this.#closeAsked) {
      // We read no more: data after close() resets the connection (RFC 1122 §4.2.2.13), as Linux does.
      this.#reset();
      return;
    }
    if (this.#aborted) return;
    // A plain Uint8Array view (no copy), as @stack's own flows hand out: the same bytes behave the same on either stack.
    this.#queue.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.#queued += chunk.length;
    this.#serveReaders();
    if (this.#queued >= this.#readBufferSize && !this.#pausedByUs) {
      this.#pausedByUs = true;
      this.#socket.pause();
    }
  }

  #onEnd(): void {
    this.#peerFin = true;
    this.#serveReaders();
  }

  #onError(err: Error): void {
    const errno = errnoOf(err);
    this.#owner.countErrno(errno);
    if (this.#error === null && !this.#aborted && !this.#closeAsked) {
      this.#error = flowErrorOf(errno);
      if (this.#error === 'reset') this.#owner.countReset();
    }
    this.#serveReaders();
  }

  #onClose(): void {
    this.#socketClosed = true;
    this.#pausedByUs = false;
    this.#serveReaders();
    this.#owner.released(this);
  }

  // ----------------------------------------------------------------- write

  /**
   * Hands `data` to the kernel; resolves with null once its send buffer
   * took all of it, or with the error that ended the connection first.
   * Keeps a reference to `data` until then: do not change it before.
   */
  write(data: Uint8Array): Promise<WriteResult> {
    if (!(data instanceof Uint8Array)) throw new StackError('ERR_INVALID_ARGUMENT', 'write needs a Uint8Array');
    if (this.#shutdownAsked || this.#closeAsked) throw new StackError('ERR_CLOSED', `write after ${this.#closeAsked ? 'close' : 'shutdown'}`);
    if (this.#aborted) throw new StackError('ERR_CLOSED', 'write after abort');
    if (this.#error !== null) return Promise.resolve(this.#error);
    if (this.#socketClosed || this.#socket.destroyed || !this.#socket.writable) return Promise.resolve(this.#error ?? 'reset');
    if (data.length === 0) return WRITE_OK;
    const n = data.length;
    this.#writes++;
    this.#writeBytes += n;
    return new Promise((resolve) => {
      this.#socket.write(data, (err) => {
        this.#writes--;
        this.#writeBytes -= n;
        if (err === null || err === undefined) {
          this.bytesOut += n;
          resolve(null);
        } else resolve(this.#writeError(err));
      });
    });
  }

  #writeError(err: Error): FlowError {
    if (this.#aborted) return 'aborted';
    if (this.#error !== null) return this.#error;
    if (this.#closeAsked) return 'closed';
    const errno = errnoOf(err);
    return errno.startsWith('ERR_') ? 'reset' : flowErrorOf(errno);
  }

  // ----------------------------------------------------------------- close

  /**
   * Half close: the FIN follows every byte written so far; reading goes on.
   * Resolves once the kernel took the FIN (shutdown(2) after the last
   * write), or the connection ended.
   */
  shutdown(): Promise<void> {
    if (this.#finPromise !== null) return this.#finPromise;
    this.#shutdownAsked = true;
    const s = this.#socket;
    if (this.#aborted || this.#closeAsked || this.#socketClosed || s.destroyed || s.writableFinished) {
      this.#finPromise = Promise.resolve();
      return this.#finPromise;
    }
    this.#finPromise = new Promise((resolve) => {
      const done = (): void => {
        s.off('finish', done);
        s.off('close', done);
        resolve();
      };
      s.on('finish', done);
      s.on('close', done);
      s.end();
    });
    return this.#finPromise;
  }

  /**
   * Graceful close of both directions: the FIN follows the bytes written so
   * far and we read no more; unread bytes, or bytes that arrive later,
   * reset the connection (RFC 1122 §4.2.2.13, as the kernel does). Pending
   * reads get `{ error: 'closed' }`. Resolves when the socket is closed
   * (its handle released); the kernel goes on with FIN-WAIT and TIME-WAIT.
   */
  close(): Promise<void> {
    if (this.#closePromise !== null) return this.#closePromise;
    const unread = this.#queued > 0;
    this.#closeAsked = true;
    this.#shutdownAsked = true;
    this.#queue.length = 0;
    this.#queued = 0;
    this.#failReaders({ error: 'closed' });
    const s = this.#socket;
    if (this.#socketClosed) {
      this.#closePromise = Promise.resolve();
      return this.#closePromise;
    }
    if (!s.destroyed) {
      if (unread || s.readableLength > 0) this.#reset();
      else {
        // Keep reading, so data that still arrives resets the connection (see #onData).
        if (this.#pausedByUs) {
          this.#pausedByUs = false;
          s.resume();
        }
        if (s.writableFinished) s.destroy();
        else {
          s.once('finish', () => s.destroy());
          s.end();
        }
      }
    }
    this.#closePromise = this.whenClosed;
    return this.#closePromise;
  }

  /** Resets the connection (RST: `socket.resetAndDestroy()`) and drops both buffers; pending operations see 'aborted'. */
  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#queue.length = 0;
    this.#queued = 0;
    this.#failReaders({ error: this.#closeAsked ? 'closed' : 'aborted' });
    this.#reset();
  }

  #reset(): void {
    const s = this.#socket;
    if (s.destroyed) return;
    if (this.#error === null) this.#owner.countReset();
    if (s.writableEnded) {
      // After our FIN (end()) libuv refuses a reset (uv_tcp_close_reset: EINVAL), and Node then never
      // closes the handle nor emits 'close'. Closing the fd instead lets the kernel finish: it resets if
      // unread data is left, else the FIN we sent stands.
      s.destroy();
      return;
    }
    s.resetAndDestroy();
    if (!s.destroyed) s.destroy(); // no TCP handle left to reset
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ------------------------------------------------------------ inspection

  /** The flow as `inspect()` lists it. */
  snapshot(): SocketFlowSnapshot {
    const ours = this.#shutdownAsked && !this.#aborted;
    const state = this.#socketClosed
      ? 'CLOSED'
      : ours && this.#peerFin
        ? 'CLOSING'
        : ours
          ? 'FIN-WAIT-1'
          : this.#peerFin
            ? 'CLOSE-WAIT'
            : 'ESTABLISHED';
    return {
      local: `${formatIpv4(this.local.address)}:${this.local.port}`,
      remote: `${formatIpv4(this.remote.address)}:${this.remote.port}`,
      state,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      readQueue: this.#queued,
      readPaused: this.#pausedByUs,
      pending: { reads: this.#readers.length, writes: this.#writes, writeBytes: this.#writeBytes },
      error: this.#aborted ? 'aborted' : this.#error,
    };
  }
}
