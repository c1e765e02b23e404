import type { PcapSink } from './sink.js';

/**
 * What both capture writers share: the sink they hand chunks to, the
 * packet and byte counts, and an idempotent close that closes the sink.
 */
export abstract class CaptureWriter {
  /** Packets written. */
  packets = 0;
  /** Bytes handed to the sink, headers included. */
  bytes = 0;
  protected closed = false;

  protected constructor(private readonly sink: PcapSink) {}

  /** Stops writing and closes the sink if it can be closed. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close?.();
  }

  /** Hands one chunk to the sink, which now owns it. */
  protected emit(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.sink(chunk);
  }
}
