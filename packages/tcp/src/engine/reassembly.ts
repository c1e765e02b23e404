import { seqDiff, seqGt, seqLe } from './sequence.js';
import { SeqRanges } from './ranges.js';

/**
 * The out-of-order ranges a receiver holds beyond RCV.NXT (RFC 9293
 * §3.10.7.4: "segments with higher beginning sequence numbers ... may be
 * held for later processing"), bounded to `capacity` separate ranges. The
 * bytes themselves sit in the receive queue at their offsets past its tail
 * (`RecvQueue.writeAt`), so this only keeps sequence numbers: sorted,
 * disjoint, non-adjacent [start, end) pairs, and which one was touched last
 * (the first SACK block, RFC 2018 §4).
 */
export class Reassembly extends SeqRanges {
  /** Index of the range that grew last (-1 when none). */
  private latest = -1;

  /**
   * Records that [start, end) arrived (both after RCV.NXT), merging with
   * ranges it touches or overlaps. Returns false, recording nothing, when
   * that would need a new range and all `capacity` are taken (the caller
   * drops the data; the peer sends it again).
   */
  add(start: number, end: number): boolean {
    if (!seqGt(end, start)) return false;
    const i = this.insert(start, end);
    if (i < 0) return false;
    this.latest = i;
    return true;
  }

  /**
   * RCV.NXT moved to `rcvNxt`: drops the ranges it passed and returns the
   * new RCV.NXT (int32, `sequence.ts`), past the first range if that now
   * joins it.
   */
  advance(rcvNxt: number): number {
    let next = rcvNxt | 0;
    let k = 0;
    while (k < this.count && seqLe(this.startOf(k), next)) {
      if (seqGt(this.endOf(k), next)) next = this.endOf(k);
      k++;
    }
    if (k > 0) {
      this.dropFirst(k);
      this.latest = this.latest >= k ? this.latest - k : -1;
    }
    return next;
  }

  /** Bytes from `rcvNxt` to the end of the last range (0 when none). */
  span(rcvNxt: number): number {
    return this.count === 0 ? 0 : seqDiff(this.endOf(this.count - 1), rcvNxt);
  }

  /**
   * Up to `max` SACK blocks (RFC 2018 §4) into `out` as left/right pairs:
   * the range touched last first, then the others from the lowest, as
   * u32 (they go on the wire). Returns how many.
   */
  sackBlocks(out: { left: number; right: number }[], max: number): number {
    let n = 0;
    if (this.latest >= 0 && n < max) {
      out[n]!.left = this.startOf(this.latest) >>> 0;
      out[n]!.right = this.endOf(this.latest) >>> 0;
      n++;
    }
    for (let k = 0; k < this.count && n < max; k++) {
      if (k === this.latest) continue;
      out[n]!.left = this.startOf(k) >>> 0;
      out[n]!.right = this.endOf(k) >>> 0;
      n++;
    }
    return n;
  }

  /** Forgets everything. */
  override clear(): void {
    super.clear();
    this.latest = -1;
  }
}
