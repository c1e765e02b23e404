import { seqDiff, seqGt, seqLe } from '../wire/seq.js';

/**
 * Sorted, disjoint, non-adjacent sequence-number ranges [start, end), at
 * most `capacity` of them, in two preallocated arrays: the bookkeeping
 * under both the receiver's reassembly (RFC 9293 §3.10.7.4) and the
 * sender's SACK scoreboard (RFC 6675 §3). `bytes` is what they cover.
 * Allocation happens in the constructor only.
 */
export class SeqRanges {
  protected readonly starts: Uint32Array;
  protected readonly ends: Uint32Array;
  /** Ranges held. */
  count = 0;
  /** Bytes the ranges cover. */
  bytes = 0;

  constructor(readonly capacity: number) {
    this.starts = new Uint32Array(capacity);
    this.ends = new Uint32Array(capacity);
  }

  /**
   * Records [start, end) (end after start), merging with the ranges it
   * touches or overlaps. Returns the index of the range that now holds it,
   * or -1, recording nothing, when that needs a new range and all
   * `capacity` are taken.
   */
  protected insert(start: number, end: number): number {
    const starts = this.starts;
    const ends = this.ends;
    // First range whose end reaches start: it and the following ones up to `end` merge.
    let i = 0;
    while (i < this.count && seqGt(start, ends[i]!)) i++;
    let j = i;
    while (j < this.count && seqLe(starts[j]!, end)) j++;
    if (i === j) {
      if (this.count === this.capacity) return -1;
      starts.copyWithin(i + 1, i, this.count);
      ends.copyWithin(i + 1, i, this.count);
      starts[i] = start;
      ends[i] = end;
      this.count++;
      this.bytes += seqDiff(end, start);
      return i;
    }
    let merged = 0;
    for (let k = i; k < j; k++) merged += seqDiff(ends[k]!, starts[k]!);
    const s = seqGt(start, starts[i]!) ? starts[i]! : start;
    const e = seqGt(ends[j - 1]!, end) ? ends[j - 1]! : end;
    starts[i] = s;
    ends[i] = e;
    starts.copyWithin(i + 1, j, this.count);
    ends.copyWithin(i + 1, j, this.count);
    this.count -= j - i - 1;
    this.bytes += seqDiff(e, s) - merged;
    return i;
  }

  /** Drops the first `k` ranges (k ≤ count). */
  protected dropFirst(k: number): void {
    if (k === 0) return;
    for (let m = 0; m < k; m++) this.bytes -= seqDiff(this.ends[m]!, this.starts[m]!);
    this.starts.copyWithin(0, k, this.count);
    this.ends.copyWithin(0, k, this.count);
    this.count -= k;
  }

  /** Drops the highest range (count > 0). */
  protected dropLast(): void {
    this.count--;
    this.bytes -= seqDiff(this.ends[this.count]!, this.starts[this.count]!);
  }

  /** Forgets everything. */
  clear(): void {
    this.count = 0;
    this.bytes = 0;
  }
}
