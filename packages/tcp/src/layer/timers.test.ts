import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimScheduler } from '@stack/sim';
import { DeadlineQueue, type Timed } from './timers.js';

describe('DeadlineQueue: every connection timer behind one scheduler timer', () => {
  it('fires items in deadline order at their deadlines, honouring moves, with one scheduler timer', () => {
    const sched = new SimScheduler();
    const fired: [string, number][] = [];
    const q = new DeadlineQueue<Timed & { name: string }>(sched, (item, now) => fired.push([item.name, now]));
    const a = { name: 'a', deadline: Infinity, queued: Infinity };
    const b = { name: 'b', deadline: Infinity, queued: Infinity };
    const c = { name: 'c', deadline: Infinity, queued: Infinity };
    q.set(a, 50);
    q.set(b, 20);
    q.set(c, 30);
    q.set(c, 70); // moved later: the entry at 30 is stale
    q.set(a, 10); // moved earlier
    expect(sched.pending()).toBe(1);
    sched.runUntilIdle();
    expect(fired).toEqual([['a', 10], ['b', 20], ['c', 70]]);
    expect(q.size).toBe(0);
    expect(sched.pending()).toBe(0);
  });

  it('moving a deadline later pushes no entry: the earlier one surfaces and re-queues it once', () => {
    const sched = new SimScheduler();
    const fired: number[] = [];
    const q = new DeadlineQueue<Timed>(sched, (_it, now) => fired.push(now));
    const item = { deadline: Infinity, queued: Infinity };
    q.set(item, 10);
    for (let t = 11; t <= 40; t++) q.set(item, t);
    expect(q.size).toBe(1);
    sched.runUntilTime(10);
    expect(fired).toEqual([]);
    expect(q.size).toBe(1);
    sched.runUntilIdle();
    expect(fired).toEqual([40]);
    expect(q.size).toBe(0);
    expect(sched.pending()).toBe(0);
  });

  it('an item re-armed from its callback for now runs in the same pass; clear drops everything', () => {
    const sched = new SimScheduler();
    let runs = 0;
    const item = { deadline: Infinity, queued: Infinity };
    const q = new DeadlineQueue<Timed>(sched, (it, now) => {
      runs++;
      if (runs < 3) q.set(it, now);
    });
    q.set(item, 5);
    sched.runUntilIdle();
    expect(runs).toBe(3);
    q.set(item, 100);
    q.clear();
    sched.runUntilIdle();
    expect(runs).toBe(3);
    expect(sched.pending()).toBe(0);
  });

  it('matches a model under random moves (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constant(Infinity))), { maxLength: 80 }), (moves) => {
        const sched = new SimScheduler();
        const fired: [number, number][] = [];
        const items = Array.from({ length: 10 }, (_, id) => ({ id, deadline: Infinity, queued: Infinity }));
        const q = new DeadlineQueue<Timed & { id: number }>(sched, (it, now) => fired.push([it.id, now]));
        const model = new Map<number, number>();
        for (const [id, t] of moves) {
          q.set(items[id]!, t);
          if (t === Infinity) model.delete(id);
          else model.set(id, t);
        }
        sched.runUntilIdle();
        const expected = [...model.entries()].sort((x, y) => x[1] - y[1] || 0);
        expect(fired.map(([id, t]) => `${id}@${t}`).sort()).toEqual(expected.map(([id, t]) => `${id}@${t}`).sort());
        for (let i = 1; i < fired.length; i++) expect(fired[i]![1]).toBeGreaterThanOrEqual(fired[i - 1]![1]);
      }),
    );
  });
});

describe('DeadlineQueue livelock guard', () => {
  it('an item that keeps asking for a past time yields to the scheduler instead of spinning inside one callback', () => {
    const sched = new SimScheduler();
    const item = { deadline: Infinity, queued: Infinity };
    let runs = 0;
    const q = new DeadlineQueue<Timed>(sched, (it, now) => {
      runs++;
      q.set(it, now - 1);
    });
    q.set(item, 5);
    expect(() => sched.runUntilIdle({ maxSteps: 50 })).toThrow(/still busy after 50 steps/);
    expect(runs).toBeGreaterThan(50);
  });
});
