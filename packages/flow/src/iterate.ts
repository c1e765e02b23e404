import type { Flow } from '@stack/interfaces';
import { FlowStreamError } from './errors.js';

/** Options of `iterate`. */
export interface IterateOptions {
  /**
   * Close the flow (`flow.close()`) when the loop stops before the end: a
   * `break`, a `return` or an exception in the loop body. Default false: the
   * flow stays open, its write side usable and its unread bytes unread.
   */
  closeOnBreak?: boolean;
}

/**
 * The bytes a flow receives, as an async iterator: one `flow.read()` per
 * step, no read-ahead. Ends at the peer's FIN (eof); throws a
 * `FlowStreamError` (code ERR_FLOW_RESET, ERR_FLOW_TIMEOUT, ERR_FLOW_ABORTED
 * or ERR_FLOW_CLOSED) when the flow fails.
 *
 * Leaving a `for await` early does not close the flow unless
 * `closeOnBreak` says so: a flow has a write side the loop knows nothing
 * about (read a request, `break`, then answer), and because nothing is read
 * ahead, a new `iterate(flow)` goes on exactly where the loop stopped.
 * (Node's `for await` over a `net.Socket` destroys the socket instead; use
 * `closeOnBreak: true` for that.)
 */
export async function* iterate(flow: Flow, options: IterateOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
  let finished = false;
  try {
    for (;;) {
      const result = await flow.read();
      if (result.error !== undefined) {
        finished = true;
        throw new FlowStreamError(result.error);
      }
      if (result.eof) {
        finished = true;
        return;
      }
      if (result.data.length > 0) yield result.data;
    }
  } finally {
    if (!finished && options.closeOnBreak === true) await flow.close();
  }
}
