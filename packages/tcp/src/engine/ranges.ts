import { seqDiff, seqGt, seqLe } from './sequence.js';

/** Storage of an empty SeqRanges: shared, never written. */
const NONE = new Int32Array(0);

/**
 * Sorted, disjoint, non-adjacent sequence-number ranges [start, end), at
 * most `capacity` of them: the bookkeeping under both the receiver's
 * reassembly (RFC 9293 §3.10.7.4) and the sender's SACK scoreboard
 * (RFC 6675 §3). `bytes` is what they cover.
 *
 * The ranges live in one array of start/end pairs (`r[2k]`, `r[2k + 1]`),
 * allocated at full capacity when the first range arrives and given back
 * when the last one goes: most connections never see a loss or a
 * reordering, and an idle one holds no storage. In between nothing is
 * allocated.
 */
export class SeqRanges {
  /** The pairs (int32 sequence numbers, `sequence.ts`), `2 * capacity` long while any range is held; `NONE` when empty. */
  protected r: Int32Array = NONE;
  /** Ranges held. */
  count = 0;
  /** Bytes the ranges cover. */
  bytes = 0;

  constructor(readonly capacity: number) {}

  /** Start of range `k` (k < count). */
  protected startOf(k: number): number {
    return this.r[2 * k]!;
  }

  /** End of range `k` (k < count). */
  protected endOf(k: number): number {
    return this.r[2 * k + 1]!;
  }

  /**
   * Records [start, end) (end after start), merging with the ranges it
   * touches or overlaps. Returns the index of the range that now holds it,
   * or -1, recording nothing, when that needs a new range and all
   * `capacity` are taken.
   */
  protected insert(start: number, end: number): number {
    const count = this.count;
    let r = this.r;
    // First range whose end reaches start: it and the following ones up to `end` merge.
    let i = 0;
    while (i < count && seqGt(start, r[2 * i + 1]!)) i++;
    let j = i;
    while (j < count && seqLe(r[2 * j]!, end)) j++;
    if (i === j) {
      if (count === this.capacity) return -1;
      if (r.length === 0) r = this.r = new Int32Array(2 * this.capacity);
      r.copyWithin(2 * i + 2, 2 * i, 2 * count);
      r[2 * i] = start;
      r[2 * i + 1] = end;
      this.count = count + 1;
      this.bytes += seqDiff(end, start);
      return i;
    }
    let merged = 0;
    for (let k = i; k < j; k++) merged += seqDiff(r[2 * k + 1]!, r[2 * k]!);
    const s = seqGt(start, r[2 * i]!) ? r[2 * i]! : start;
    const e = seqGt(r[2 * j - 1]!, end) ? r[2 * j - 1]! : end;
    r[2 * i] = s;
    r[2 * i + 1] = e;
    r.copyWithin(2 * i + 2, 2 * j, 2 * count);
    this.count = count - (j - i - 1);
    this.bytes += seqDiff(e, s) - merged;
    return i;
  }

  /** Drops the first `k` ranges (k ≤ count). */
  protected dropFirst(k: number): void {
    if (k === 0) return;
    if (k === this.count) {
      this.clear();
      return;
    }
    const r = this.r;
    for (let m = 0; m < k; m++) this.bytes -= seqDiff(r[2 * m + 1]!, r[2 * m]!);
    r.copyWithin(0, 2 * k, 2 * this.count);
    this.count -= k;
  }

  /** Drops the highest range (count > 0). */
  protected dropLast(): void {
    if (this.count === 1) {
      this.clear();
      return;
    }
    this.count--;
    this.bytes -= seqDiff(this.endOf(this.count), this.startOf(this.count));
  }

  /** Forgets everything and gives the storage back. */
  clear(): void {
    this.r = NONE;
    this.count = 0;
    this.bytes = 0;
  }

  /** Bytes of storage held now (0 while empty). */
  get allocated(): number {
    return this.r.byteLength;
  }
}
