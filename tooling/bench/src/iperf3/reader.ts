// Exact-length reads over a Flow, for the iperf3 control channel (one-byte
// states, 4-byte lengths, JSON) and the cookie that opens each connection.
import type { Flow, FlowError } from '@stack/interfaces';

/** How a flow ended before the bytes asked for arrived. */
export type ReadEnd = { readonly eof: true; readonly error?: undefined } | { readonly error: FlowError; readonly eof?: undefined };

/** True when `r` is the end of the flow rather than bytes. */
export function isEnd(r: Uint8Array | ReadEnd): r is ReadEnd {
  return !(r instanceof Uint8Array);
}

/**
 * Buffers a flow's chunks and hands out exactly the number of bytes asked
 * for. A read served from one chunk is a view of it (no copy); one that
 * spans chunks is copied into a new array. Bytes read ahead stay buffered
 * for the next call or for `takeBuffered`.
 */
export class FlowReader {
  readonly #flow: Flow;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #end: ReadEnd | null = null;

  constructor(flow: Flow) {
    this.#flow = flow;
  }

  /** Bytes read from the flow and not handed out yet. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Exactly `n` bytes (n ≥ 1), or how the flow ended first (bytes before the end are dropped). */
  async readExact(n: number): Promise<Uint8Array | ReadEnd> {
    while (this.#buffered < n) {
      if (this.#end !== null) {
        this.takeBuffered(); // a partial message is no message
        return this.#end;
      }
      const r = await this.#flow.read();
      if (r.data !== undefined) {
        if (r.data.length > 0) {
          this.#chunks.push(r.data);
          this.#buffered += r.data.length;
        }
      } else {
        this.#end = r.eof ? { eof: true } : { error: r.error };
      }
    }
    return this.#take(n);
  }

  /** One byte as a signed char (an iperf3 state), or the end. */
  async readState(): Promise<number | ReadEnd> {
    const b = await this.readExact(1);
    if (isEnd(b)) return b;
    return (b[0]! << 24) >> 24;
  }

  /** Hands out everything buffered (the bytes that followed what was read), as chunks, and forgets them. */
  takeBuffered(): Uint8Array[] {
    const out = this.#chunks.splice(0);
    this.#buffered = 0;
    return out;
  }

  #take(n: number): Uint8Array {
    const head = this.#chunks[0]!;
    this.#buffered -= n;
    if (head.length >= n) {
      if (head.length === n) this.#chunks.shift();
      else this.#chunks[0] = head.subarray(n);
      return head.subarray(0, n);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0]!;
      const k = Math.min(c.length, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    return out;
  }
}
