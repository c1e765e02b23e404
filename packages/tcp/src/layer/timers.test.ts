import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimScheduler } from '@stack/sim';
import { DeadlineQueue, type Timed } from './timers.js';

describe('DeadlineQueue: every connection timer behind one scheduler timer', () => {
  it('fires items in deadline order at their deadlines, honouring moves, with one scheduler timer', () => {
    const sched = new SimScheduler();
    const fired: [string, number][] = [];
    const q = new DeadlineQueue<Timed & { name: string }>(sched, (item, now) => fired.push([item.name, now]));
    const a = { name: 'a', deadline: Infinity, queued: Infinity, heapIndex: -1 };
    const b = { name: 'b', deadline: Infinity, queued: Infinity, heapIndex: -1 };
    const c = { name: 'c', deadline: Infinity, queued: Infinity, heapIndex: -1 };
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
    const item = { deadline: Infinity, queued: Infinity, heapIndex: -1 };
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
    const item = { deadline: Infinity, queued: Infinity, heapIndex: -1 };
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
        const items = Array.from({ length: 10 }, (_, id) => ({ id, deadline: Infinity, queued: Infinity, heapIndex: -1 }));
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

describe('DeadlineQueue: one entry per item, taken out on remove', () => {
  const timed = (): Timed => ({ deadline: Infinity, queued: Infinity, heapIndex: -1 });

  it('moving a deadline earlier moves its entry: the heap never holds two for one item', () => {
    const sched = new SimScheduler();
    const fired: number[] = [];
    const q = new DeadlineQueue<Timed>(sched, (_it, now) => fired.push(now));
    const item = timed();
    const other = timed();
    q.set(other, 25);
    for (let t = 100; t >= 10; t -= 10) q.set(item, t);
    expect(q.size).toBe(2);
    sched.runUntilIdle();
    expect(fired).toEqual([10, 25]);
    expect(q.size).toBe(0);
  });

  it('remove takes the entry out at once (no reference left behind) and the item never fires', () => {
    const sched = new SimScheduler();
    const fired: string[] = [];
    const q = new DeadlineQueue<Timed & { name: string }>(sched, (it) => fired.push(it.name));
    const items = ['a', 'b', 'c', 'd', 'e'].map((name, i) => ({ name, deadline: Infinity, queued: Infinity, heapIndex: -1, at: i }));
    items.forEach((it, i) => q.set(it, 100 - 10 * i));
    const c = items[2]!;
    q.remove(c);
    expect(q.size).toBe(4);
    expect(c.heapIndex).toBe(-1);
    expect(c.deadline).toBe(Infinity);
    expect((q as unknown as { items: unknown[] }).items).not.toContain(c);
    q.remove(c); // twice: nothing more happens
    expect(q.size).toBe(4);
    sched.runUntilIdle();
    expect(fired).toEqual(['e', 'd', 'b', 'a']);
    // A removed item can be set again.
    q.set(c, sched.now() + 5);
    sched.runUntilIdle();
    expect(fired).toEqual(['e', 'd', 'b', 'a', 'c']);
  });

  it('matches a model under random sets and removes, and every item knows its place (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constant(Infinity), fc.constant(-1))), { maxLength: 120 }),
        (moves) => {
          const sched = new SimScheduler();
          const fired: [number, number][] = [];
          const items = Array.from({ length: 12 }, (_, id) => ({ id, deadline: Infinity, queued: Infinity, heapIndex: -1 }));
          const q = new DeadlineQueue<Timed & { id: number }>(sched, (it, now) => fired.push([it.id, now]));
          const model = new Map<number, number>();
          for (const [id, t] of moves) {
            if (t === -1) {
              q.remove(items[id]!);
              model.delete(id);
            } else {
              q.set(items[id]!, t);
              if (t === Infinity) model.delete(id);
              else model.set(id, t);
            }
            const heap = q as unknown as { items: (typeof items)[number][]; times: number[] };
            expect(heap.items.length).toBeLessThanOrEqual(items.length);
            heap.items.forEach((it, i) => {
              expect(it.heapIndex).toBe(i);
              expect(heap.times[i]).toBe(it.queued);
              if (i > 0) expect(heap.times[(i - 1) >> 1]!).toBeLessThanOrEqual(heap.times[i]!);
            });
          }
          sched.runUntilIdle();
          const expected = [...model.entries()].map(([id, t]) => `${id}@${t}`).sort();
          expect(fired.map(([id, t]) => `${id}@${t}`).sort()).toEqual(expected);
          for (let i = 1; i < fired.length; i++) expect(fired[i]![1]).toBeGreaterThanOrEqual(fired[i - 1]![1]);
          expect(q.size).toBe(0);
        },
      ),
    );
  });
});

describe('DeadlineQueue livelock guard', () => {
  it('an item that keeps asking for a past time yields to the scheduler instead of spinning inside one callback', () => {
    const sched = new SimScheduler();
    const item = { deadline: Infinity, queued: Infinity, heapIndex: -1 };
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

describe('DeadlineQueue: removal', () => {
  it('removing the last item cancels the scheduler timer', () => {
    const sched = new SimScheduler();
    const q = new DeadlineQueue<Timed>(sched, () => {});
    const a = { deadline: Infinity, queued: Infinity, heapIndex: -1 };
    const b = { deadline: Infinity, queued: Infinity, heapIndex: -1 };
    q.set(a, 10);
    q.set(b, 20);
    q.remove(a);
    expect(sched.pending()).toBe(1);
    q.remove(b);
    expect(sched.pending()).toBe(0);
    q.remove(b); // not in the heap: nothing
    expect(q.size).toBe(0);
  });
});
