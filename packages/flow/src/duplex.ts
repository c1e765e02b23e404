import { Duplex } from 'node:stream';
import type { Flow, ReadResult, WriteResult } from '@stack/interfaces';
import { FlowStreamError } from './errors.js';

/** Options of `toDuplex`. */
export interface FlowDuplexOptions {
  /**
   * Keep the write side open after the peer's FIN (Node's `allowHalfOpen`).
   * Default true, since TCP is half-closable: with false, the Duplex ends its
   * write side (`flow.shutdown()`) as soon as it reads eof.
   */
  allowHalfOpen?: boolean;
  /** Bytes the readable side reads ahead of its consumer. Default Node's (16 KiB in Node 20). */
  readableHighWaterMark?: number;
  /** Bytes `write()` buffers, on top of the flow's send buffer, before it returns false. Default Node's. */
  writableHighWaterMark?: number;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * A Node `stream.Duplex` over a `Flow` (what `toDuplex` returns). Reading
 * pulls `flow.read()` one chunk at a time while the readable side is under
 * its high-water mark; each `_write` waits for `flow.write`, so the
 * writable's buffer fills, and `write()` returns false, when the flow's send
 * buffer is full. `end()` → `flow.shutdown()`; the peer's FIN → 'end'; a
 * flow error → 'error' with a `FlowStreamError` (its `code` says which).
 * `destroy(err)` → `flow.abort()` (RST), unless the error came from the
 * flow itself; `destroy()` without an error, and the automatic destroy once
 * both sides ended, → `flow.close()`, and 'close' comes when it resolved.
 */
export class FlowDuplex extends Duplex {
  /** The flow under the stream. */
  readonly flow: Flow;
  #reading = false;
  /** The flow failed or rejected: it is past aborting. */
  #flowFailed = false;

  constructor(flow: Flow, options: FlowDuplexOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? true,
      ...(options.readableHighWaterMark !== undefined && { readableHighWaterMark: options.readableHighWaterMark }),
      ...(options.writableHighWaterMark !== undefined && { writableHighWaterMark: options.writableHighWaterMark }),
    });
    this.flow = flow;
  }

  override _read(): void {
    if (this.#reading) return;
    this.#reading = true;
    this.flow.read().then(
      (result) => this.#onRead(result),
      (err: unknown) => this.#fail(toError(err)),
    );
  }

  #onRead(result: ReadResult): void {
    this.#reading = false;
    if (this.destroyed) return;
    if (result.error !== undefined) this.#fail(new FlowStreamError(result.error));
    else if (result.eof) this.push(null);
    else if (result.data.length === 0) this._read();
    else this.push(result.data); // Node calls _read again while under the high-water mark
  }

  #fail(err: Error): void {
    this.#reading = false;
    this.#flowFailed = true;
    this.destroy(err);
  }

  #afterWrite(callback: (error?: Error | null) => void): [(r: WriteResult) => void, (err: unknown) => void] {
    return [
      (result) => {
        if (result === null) return callback();
        this.#flowFailed = true;
        callback(new FlowStreamError(result));
      },
      (err) => {
        this.#flowFailed = true;
        callback(toError(err));
      },
    ];
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.flow.write(chunk).then(...this.#afterWrite(callback));
  }

  /** Several buffered chunks go to the flow as one write (after `cork()`, or while a write waited). */
  override _writev(chunks: Array<{ chunk: Uint8Array }>, callback: (error?: Error | null) => void): void {
    const data = chunks.length === 1 ? chunks[0]!.chunk : Buffer.concat(chunks.map((c) => c.chunk));
    this.flow.write(data).then(...this.#afterWrite(callback));
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.flow.shutdown().then(
      () => callback(),
      (err: unknown) => callback(toError(err)),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (error !== null) {
      if (!this.#flowFailed) this.flow.abort();
      callback(error);
      return;
    }
    this.flow.close().then(
      () => callback(null),
      (err: unknown) => callback(toError(err)),
    );
  }

  /**
   * `await using` ends like the flow's own dispose, gracefully: `destroy()`
   * without an error, so `flow.close()`, and resolves on 'close'. (Node's
   * default destroys an unended readable with an AbortError, which here
   * would mean `flow.abort()`, an RST.)
   */
  override [Symbol.asyncDispose](): Promise<void> {
    if (!this.destroyed) this.destroy();
    return new Promise((resolve) => {
      if (this.closed) resolve();
      else this.once('close', () => resolve());
    });
  }
}

/**
 * A Node `stream.Duplex` over any `Flow` (see `FlowDuplex`), for the Node
 * ecosystem: `pipeline`, `tls.connect({ socket })`-style consumers, parsers
 * that take a stream. Half-open by default, as TCP is.
 */
export function toDuplex(flow: Flow, options?: FlowDuplexOptions): FlowDuplex {
  return new FlowDuplex(flow, options);
}
