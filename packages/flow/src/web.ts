import { StackError } from '@stack/interfaces';
import type { Flow } from '@stack/interfaces';
import { FlowStreamError } from './errors.js';

/** Options of `toWebStreams`. */
export interface WebStreamsOptions {
  /**
   * Bytes the readable reads ahead of its consumer. Default 0: one
   * `flow.read()` per `reader.read()`, so unread bytes stay in the flow,
   * whose receive window then pushes back on the peer.
   */
  readableHighWaterMark?: number;
  /** Bytes the writable queues, on top of the flow's send buffer, before `writer.ready` waits. Default 16384. */
  writableHighWaterMark?: number;
}

/** What `toWebStreams` returns. */
export interface FlowWebStreams {
  /** The bytes received; closes at the peer's FIN, errors with a `FlowStreamError`. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The bytes to send; `close()` → `flow.shutdown()`, `abort()` → `flow.abort()`. */
  readonly writable: WritableStream<Uint8Array>;
  /**
   * Settles when the adapter is done with the flow: resolves once both
   * halves finished (readable at eof or cancelled, writable closed) and
   * `flow.close()` resolved, or once the writable was aborted; rejects with
   * the `FlowStreamError` when the flow failed.
   */
  readonly closed: Promise<void>;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new StackError('ERR_INVALID_ARGUMENT', `toWebStreams: ${name} must be a byte count >= 0, got ${String(value)}`);
  }
  return value;
}

const byteLength = (chunk: Uint8Array | undefined): number => chunk?.byteLength ?? 0;

/**
 * A `Flow` as a pair of WHATWG streams (the globals of Node ≥ 18, Deno, Bun,
 * browsers, workers), shaped like a WebTransport bidirectional stream.
 *
 * The readable has a default (not a byte) source: `controller.enqueue` on a
 * byte stream transfers the chunk's ArrayBuffer, which would detach memory
 * a flow implementation may still own (a chunk can be a view into a larger
 * buffer), and copying to avoid it costs what BYOB reads would save. So no
 * BYOB readers; chunks are the flow's own `Uint8Array`s, handed on as they are.
 *
 * Cancelling the readable only stops reading; the flow is closed
 * (`flow.close()`) once the writable is closed as well, as a Node Duplex
 * closes once both sides ended. Cancel does not abort, since the writable
 * may still have bytes to send; to reset the connection, abort the
 * writable. When the flow fails, both streams error with the same
 * `FlowStreamError` (an RST flushes both directions, RFC 9293 §3.10.7.4).
 */
export function toWebStreams(flow: Flow, options: WebStreamsOptions = {}): FlowWebStreams {
  const readableHighWaterMark = nonNegative(options.readableHighWaterMark, 0, 'readableHighWaterMark');
  const writableHighWaterMark = nonNegative(options.writableHighWaterMark, 16384, 'writableHighWaterMark');

  let readCtl!: ReadableStreamDefaultController<Uint8Array>;
  let writeCtl!: WritableStreamDefaultController;
  let readDone = false;
  let writeDone = false;
  let settled = false;
  let resolveClosed!: () => void;
  let rejectClosed!: (err: unknown) => void;
  const closed = new Promise<void>((resolve, reject) => {
    resolveClosed = resolve;
    rejectClosed = reject;
  });
  closed.catch(() => {}); // the streams carry the error too: not awaiting `closed` is fine

  const fail = (err: unknown): void => {
    if (settled) return;
    settled = true;
    readCtl.error(err);
    writeCtl.error(err);
    rejectClosed(err);
  };
  const halfDone = (): void => {
    if (settled || !readDone || !writeDone) return;
    settled = true;
    flow.close().then(resolveClosed, rejectClosed);
  };

  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        readCtl = controller;
      },
      async pull(controller) {
        try {
          for (;;) {
            const result = await flow.read();
            if (result.error !== undefined) return fail(new FlowStreamError(result.error));
            if (readDone) return; // cancelled while the read was pending: nobody wants the bytes
            if (result.eof) {
              controller.close();
              readDone = true;
              return halfDone();
            }
            if (result.data.length > 0) return controller.enqueue(result.data);
          }
        } catch (err) {
          fail(err);
        }
      },
      cancel() {
        readDone = true;
        halfDone();
      },
    },
    { highWaterMark: readableHighWaterMark, size: byteLength },
  );

  const writable = new WritableStream<Uint8Array>(
    {
      start(controller) {
        writeCtl = controller;
      },
      async write(chunk) {
        if (!(chunk instanceof Uint8Array)) {
          throw new StackError('ERR_INVALID_ARGUMENT', `toWebStreams: the writable takes Uint8Array chunks, got ${typeof chunk}`);
        }
        let result;
        try {
          result = await flow.write(chunk);
        } catch (err) {
          fail(err);
          throw err;
        }
        if (result !== null) {
          const err = new FlowStreamError(result);
          fail(err);
          throw err;
        }
      },
      async close() {
        try {
          await flow.shutdown();
        } catch (err) {
          fail(err);
          throw err;
        }
        writeDone = true;
        halfDone();
      },
      abort() {
        flow.abort();
        if (settled) return;
        settled = true;
        readCtl.error(new FlowStreamError('aborted'));
        resolveClosed();
      },
    },
    { highWaterMark: writableHighWaterMark, size: byteLength },
  );

  return { readable, writable, closed };
}
