import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TimerWheel } from './timer-wheel.js';
import { EntryState, TimerEntry } from './timer-entry.js';

let seq = 0;
function entry(tick: number): TimerEntry {
  return new TimerEntry(tick, tick, seq++, () => {});
}

describe('TimerWheel', () => {
  it('finds the next tick across slot words and around the wrap (property, against a plain min)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(16, 64, 128),
        fc.nat(100_000),
        fc.array(fc.nat(400), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(39)),
        (slots, start, offsets, removals) => {
          const w = new TimerWheel(slots, start);
          const live = offsets.map((o) => {
            const e = entry(start + 1 + o);
            w.insert(e);
            return e;
          });
          for (const r of removals) {
            const e = live[r % live.length]!;
            if (e.fn !== null) { e.fn = null; w.remove(e); }
          }
          const ticks = live.filter((e) => e.fn !== null).map((e) => e.tick);
          expect(w.nextTick()).toBe(ticks.length === 0 ? undefined : Math.min(...ticks));
          expect(w.inWheel + w.inOverflow).toBe(ticks.length);
        },
      ),
    );
  });

  it('hands out due entries by tick and keeps the rest', () => {
    const w = new TimerWheel(16, 0);
    const es = [5, 3, 20, 5, 100].map(entry);
    for (const e of es) w.insert(e);
    expect(w.inWheel).toBe(3); // 20 and 100 are beyond 16 slots
    expect(w.inOverflow).toBe(2);
    const due: TimerEntry[] = [];
    w.advance(5, due);
    expect(due.map((e) => e.tick)).toEqual([3, 5, 5]);
    expect(due.every((e) => e.state === EntryState.Due)).toBe(true);
    expect(w.cursor).toBe(5);
    expect(w.nextTick()).toBe(20);
    due.length = 0;
    w.advance(1000, due);
    expect(due.map((e) => e.tick)).toEqual([20, 100]);
    expect(w.nextTick()).toBeUndefined();
  });

  it('unlinks removed entries from the middle, head and tail of a slot', () => {
    const w = new TimerWheel(16, 0);
    const es = [4, 4, 4, 4].map(entry);
    for (const e of es) w.insert(e);
    for (const i of [1, 0, 3]) { es[i]!.fn = null; w.remove(es[i]!); }
    const due: TimerEntry[] = [];
    w.advance(4, due);
    expect(due).toEqual([es[2]]);
  });
});
