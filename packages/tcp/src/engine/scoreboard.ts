import { seqDiff, seqGe, seqGt, seqLe, seqLt } from './sequence.js';
import { SeqRanges } from './ranges.js';

/**
 * The sender's SACK scoreboard (RFC 6675 §3): the bytes above SND.UNA the
 * peer reported holding in SACK blocks (RFC 2018 §3), as at most
 * `capacity` sorted, disjoint ranges. It only informs what to retransmit
 * and the pipe estimate: SACKed bytes stay in the send buffer until the
 * cumulative ACK covers them (the peer may renege, RFC 2018 §8).
 * Storage is allocated when the first range arrives (`SeqRanges`).
 */
export class SackScoreboard extends SeqRanges {
  /**
   * Records the SACK block [left, right) (the caller has checked that it
   * lies inside SND.UNA..SND.MAX) and returns how many bytes were not
   * SACKed before. When a new range is needed and all are taken, a block
   * below the highest range replaces it (the holes nearest SND.UNA matter
   * most); one above is ignored. Either way forgetting a range is safe: its
   * bytes just look unSACKed again.
   */
  add(left: number, right: number): number {
    if (!seqGt(right, left)) return 0;
    const before = this.bytes;
    if (this.insert(left, right) >= 0) return this.bytes - before;
    // Full, and the block touches no range: all of it is new.
    if (this.count === 0 || !seqLt(left, this.startOf(this.count - 1))) return 0;
    this.dropLast();
    this.insert(left, right);
    return seqDiff(right, left);
  }

  /**
   * SND.UNA moved to `una`: forgets what it covers. Returns true when `una`
   * lands at the start of or inside a SACKed range: the peer acknowledged
   * less than it had SACKed, so it has dropped SACKed data (reneged,
   * RFC 2018 §8), and the caller should forget the scoreboard (as Linux's
   * tcp_check_sack_reneging does).
   */
  advance(una: number): boolean {
    let k = 0;
    while (k < this.count && seqLe(this.endOf(k), una)) k++;
    this.dropFirst(k);
    return this.count > 0 && seqLe(this.startOf(0), una);
  }

  /** Bytes SACKed within [from, to). */
  sackedIn(from: number, to: number): number {
    let n = 0;
    for (let k = 0; k < this.count; k++) {
      const s = this.startOf(k);
      if (seqGe(s, to)) break;
      const e = this.endOf(k);
      if (seqLe(e, from)) continue;
      n += seqDiff(seqLt(e, to) ? e : to, seqGt(s, from) ? s : from);
    }
    return n;
  }

  /**
   * RFC 6675 §4's IsLost as a boundary: a byte not SACKed is lost when
   * `dupThresh` SACKed ranges, or more than (dupThresh − 1)·`mss` SACKed
   * bytes, lie above it. That holds for every unSACKed byte below the
   * returned sequence number and none above it; `una` when none is lost.
   * (Ranges stand for the RFC's "discontiguous SACKed sequences": the
   * scoreboard does not keep segment boundaries, so the byte rule does the
   * rest.)
   */
  lostEnd(una: number, dupThresh: number, mss: number): number {
    const limit = (dupThresh - 1) * mss;
    let acc = 0;
    for (let k = this.count - 1, n = 1; k >= 0; k--, n++) {
      acc += seqDiff(this.endOf(k), this.startOf(k));
      if (n >= dupThresh || acc > limit) return this.startOf(k);
    }
    return una;
  }

  /** The first byte at or after `seq` that is not SACKed. */
  skip(seq: number): number {
    for (let k = 0; k < this.count; k++) {
      const s = this.startOf(k);
      if (seqGt(s, seq)) break;
      if (seqGt(this.endOf(k), seq)) return this.endOf(k);
    }
    return seq;
  }

  /** The start of the first SACKed range after `seq`, or `limit` when none starts before it. */
  nextStart(seq: number, limit: number): number {
    for (let k = 0; k < this.count; k++) {
      const s = this.startOf(k);
      if (seqGt(s, seq)) return seqLt(s, limit) ? s : limit;
    }
    return limit;
  }

  /** The end of the last SACKed range below or at `seq`, or `floor` when none ends after `floor` (the start of the hole before `seq`). */
  prevEnd(seq: number, floor: number): number {
    let at = floor;
    for (let k = 0; k < this.count; k++) {
      const e = this.endOf(k);
      if (seqGt(e, seq)) break;
      if (seqGt(e, at)) at = e;
    }
    return at;
  }

  /** One past the highest SACKed byte (the scoreboard must not be empty). */
  get highest(): number {
    return this.endOf(this.count - 1);
  }

  /** The start of the highest range (the scoreboard must not be empty). */
  get highestStart(): number {
    return this.startOf(this.count - 1);
  }

  /** The ranges as [start, end) pairs, lowest first (for tests and traces; allocates). */
  ranges(): [number, number][] {
    const out: [number, number][] = [];
    for (let k = 0; k < this.count; k++) out.push([this.startOf(k) >>> 0, this.endOf(k) >>> 0]);
    return out;
  }
}
