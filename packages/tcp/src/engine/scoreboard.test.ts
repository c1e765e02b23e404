import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seqAdd, seqDiff } from '../wire/seq.js';
import { SackScoreboard } from './scoreboard.js';

// The scoreboard against a model that keeps one flag per byte, in a
// sequence space that crosses 2^32.

const BASE = 0xffff_ff00;
const SPAN = 600;

describe('SackScoreboard', () => {
  it('merges blocks, counts new bytes, answers IsLost by ranges and by bytes (RFC 6675 §4)', () => {
    const b = new SackScoreboard(8);
    expect(b.add(1000, 2000)).toBe(1000);
    expect(b.add(1500, 2500)).toBe(500);
    expect(b.add(1000, 2500)).toBe(0); // nothing new
    expect(b.add(3000, 3100)).toBe(100);
    expect(b.ranges()).toEqual([[1000, 2500], [3000, 3100]]);
    expect(b.bytes).toBe(1600);
    // Two ranges, 1600 bytes above 500: with MSS 1000 not lost (needs 3 ranges or > 2000 bytes).
    expect(b.lostEnd(500, 3, 1000)).toBe(500);
    expect(b.add(4000, 4500)).toBe(500);
    // Three ranges above anything below 1000: lost up to there.
    expect(b.lostEnd(500, 3, 1000)).toBe(1000);
    // With MSS 260, more than 520 bytes: the top two ranges hold 600, so lost up to 3000 by the byte rule.
    expect(b.lostEnd(500, 3, 260)).toBe(3000);
    expect(b.sackedIn(0, 5000)).toBe(2100);
    expect(b.sackedIn(1200, 3050)).toBe(1350);
    expect(b.skip(1200)).toBe(2500);
    expect(b.skip(2600)).toBe(2600);
    expect(b.nextStart(2600, 9000)).toBe(3000);
    expect(b.nextStart(4100, 9000)).toBe(9000);
    expect(b.prevEnd(4000, 500)).toBe(3100);
    expect(b.prevEnd(1000, 500)).toBe(500);
  });

  it('advance forgets what SND.UNA passed and reports reneging when SND.UNA lands on SACKed data', () => {
    const b = new SackScoreboard(8);
    b.add(1000, 2000);
    b.add(3000, 4000);
    expect(b.advance(2000)).toBe(false);
    expect(b.ranges()).toEqual([[3000, 4000]]);
    expect(b.advance(3000)).toBe(true); // the peer acknowledged up to a block it had SACKed
    expect(b.advance(3500)).toBe(true);
    expect(b.advance(4000)).toBe(false);
    expect(b.count).toBe(0);
    expect(b.bytes).toBe(0);
  });

  it('when full, a lower block replaces the highest range; a higher one is ignored', () => {
    const b = new SackScoreboard(2);
    b.add(1000, 1100);
    b.add(2000, 2100);
    expect(b.add(3000, 3100)).toBe(0);
    expect(b.ranges()).toEqual([[1000, 1100], [2000, 2100]]);
    expect(b.add(1500, 1600)).toBe(100);
    expect(b.ranges()).toEqual([[1000, 1100], [1500, 1600]]);
    expect(b.bytes).toBe(200);
    expect(b.add(1100, 1500)).toBe(400); // merging needs no new range
    expect(b.ranges()).toEqual([[1000, 1600]]);
  });

  it('agrees with a byte-by-byte model (property, across the sequence-number wrap)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), a: fc.integer({ min: 0, max: SPAN }), len: fc.integer({ min: 0, max: 80 }) }),
      fc.record({ kind: fc.constant('advance' as const), a: fc.integer({ min: 0, max: SPAN }), len: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 1, max: 6 }), (ops, capacity) => {
        const b = new SackScoreboard(capacity);
        const held = new Array<boolean>(SPAN + 100).fill(false);
        let una = 0;
        const at = (off: number): number => seqAdd(BASE, off);
        for (const o of ops) {
          if (o.kind === 'add') {
            const lo = Math.max(o.a, una);
            const before = b.bytes;
            const n = b.add(at(lo), at(lo + o.len));
            if (b.bytes - before === o.len - countIn(held, lo, lo + o.len)) {
              for (let i = lo; i < lo + o.len; i++) held[i] = true;
              expect(n).toBe(Math.max(b.bytes - before, 0));
            } else {
              // Full: the block was ignored, or replaced the highest range. Rebuild the model from the ranges.
              held.fill(false);
              for (const [s, e] of b.ranges()) for (let i = seqDiff(s, BASE); i < seqDiff(e, BASE); i++) held[i] = true;
            }
          } else if (o.a >= una) {
            const landsOnSacked = held[o.a] === true;
            una = o.a;
            const reneged = b.advance(at(una));
            expect(reneged).toBe(landsOnSacked);
            for (let i = 0; i < una; i++) held[i] = false;
            if (reneged) {
              // The engine forgets everything then.
              b.clear();
              held.fill(false);
            }
          }
          // Invariants: sorted, disjoint, non-adjacent, within capacity, bytes = their sum, all above SND.UNA.
          const r = b.ranges();
          expect(r.length).toBeLessThanOrEqual(capacity);
          let sum = 0;
          for (let k = 0; k < r.length; k++) {
            const [s, e] = r[k]!;
            expect(seqDiff(e, s)).toBeGreaterThan(0);
            if (k > 0) expect(seqDiff(s, r[k - 1]![1])).toBeGreaterThan(0);
            sum += seqDiff(e, s);
          }
          expect(b.bytes).toBe(sum);
          expect(b.bytes).toBe(countIn(held, 0, held.length));
          // Queries against the model.
          for (const q of [una, una + 7, 250, SPAN - 1]) {
            if (q < una) continue;
            let skip = q;
            while (held[skip]) skip++;
            expect(seqDiff(b.skip(at(q)), BASE)).toBe(skip);
            expect(b.sackedIn(at(una), at(q))).toBe(countIn(held, una, q));
          }
          const lost = seqDiff(b.lostEnd(at(una), 3, 50), BASE);
          // IsLost(i) from the model: more than 2·50 bytes, or 3 ranges, held above i.
          let above = 0;
          let rangesAbove = 0;
          let wrong = -1;
          for (let i = held.length - 1; i >= una; i--) {
            if (held[i]) {
              above++;
              if (i === 0 || !held[i - 1]) rangesAbove++;
            } else if (i < lost !== (above > 100 || rangesAbove >= 3)) wrong = i;
          }
          expect(wrong).toBe(-1);
        }
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

function countIn(held: boolean[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (held[i]) n++;
  return n;
}
