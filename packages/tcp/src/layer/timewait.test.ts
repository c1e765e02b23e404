import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimScheduler } from '@stack/sim';
import { TimeWait, TimeWaitList } from './timewait.js';

/** A record whose deadline is `at` (the engine sets it from a connection; here it is forced for the list's sake). */
function record(at: number): TimeWait {
  const tw = new TimeWait(1, 2, false, false);
  (tw as unknown as { until: number }).until = at;
  return tw;
}

describe('TimeWaitList: TIME-WAIT records by deadline behind one scheduler timer', () => {
  it('ends each record at its deadline, in order, with one timer, whatever the order they were added and moved in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 10 }), (times, drop) => {
        const sched = new SimScheduler();
        const fired: [TimeWait, number][] = [];
        const list = new TimeWaitList(sched, (tw, now) => {
          fired.push([tw, now]);
          list.remove(tw);
        });
        const records = times.map(record);
        for (const tw of records) list.add(tw);
        expect(sched.pending()).toBe(1);
        const removed = new Set<TimeWait>();
        for (const i of drop) {
          const tw = records[i % records.length]!;
          list.remove(tw);
          removed.add(tw);
        }
        expect(list.size).toBe(records.length - removed.size);
        sched.runUntilIdle();
        const expected = records.filter((r) => !removed.has(r)).map((r) => r.expires).sort((x, y) => x - y);
        expect(fired.map(([tw, now]) => [tw.expires, now])).toEqual(expected.map((t) => [t, t]));
        expect(list.size).toBe(0);
        expect(sched.pending()).toBe(0);
      }),
    );
  });

  it('a record whose deadline moved later is found at its new place; removing the last cancels the timer; clear drops all', () => {
    const sched = new SimScheduler();
    const fired: number[] = [];
    const list = new TimeWaitList(sched, (tw, now) => {
      fired.push(now);
      list.remove(tw);
    });
    const a = record(10);
    const b = record(20);
    list.add(a);
    list.add(b);
    (a as unknown as { until: number }).until = 30;
    list.moved(a);
    sched.runUntilIdle();
    expect(fired).toEqual([20, 30]);
    list.add(record(50));
    list.add(record(60));
    list.clear();
    expect(list.size).toBe(0);
    expect(sched.pending()).toBe(0);
    const c = record(5);
    list.add(c);
    list.remove(c);
    list.remove(c); // twice: nothing
    expect(sched.pending()).toBe(0);
  });
});
