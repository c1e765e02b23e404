/**
 * Counters of one layer or device. Every dropped packet is counted under a
 * reason (`dropped.truncated`, `dropped.checksum`, ...); the names are part of
 * each layer's documentation. Plain numbers, so `inspect()` is plain JSON.
 */
export type Counters = Record<string, number>;

/** Counters a layer keeps: packets in and out, and drops by reason. */
export interface LayerStats {
  rx: number;
  tx: number;
  dropped: Counters;
}
