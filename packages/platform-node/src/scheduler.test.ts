import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { isStackError } from '@stack/interfaces';
import { NodeScheduler } from './scheduler.js';
import { FakeHost } from '../test/fake-host.js';

function make(options: { slots?: number; tickMs?: number; unref?: boolean; onError?: (e: unknown) => void } = {}) {
  const host = new FakeHost();
  const s = new NodeScheduler({ ...options, host });
  return { host, s };
}

describe('NodeScheduler (driven by a fake host)', () => {
  it('starts its clock at 0 and follows the host clock', () => {
    const { host, s } = make();
    expect(s.now()).toBe(0);
    host.advance(12.5);
    expect(s.now()).toBe(12.5);
  });

  it('runs callbacks in time order, same-time ones in insertion order', () => {
    const { host, s } = make();
    const ran: string[] = [];
    s.at(10, () => ran.push('a10'));
    s.at(5, () => ran.push('b5'));
    s.at(10, () => ran.push('c10'));
    s.at(5, () => ran.push('d5'));
    s.at(7.5, () => ran.push('e7.5'));
    s.at(7.2, () => ran.push('f7.2'));
    host.advance(100);
    expect(ran).toEqual(['b5', 'd5', 'f7.2', 'e7.5', 'a10', 'c10']);
    expect(s.pending()).toBe(0);
  });

  it('never runs a callback before its time (property), in order, with at most one host timer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ time: fc.double({ min: 0, max: 3000, noNaN: true }), cancel: fc.boolean() }), { maxLength: 200 }),
        fc.constantFrom(16, 64, 1024),
        (specs, slots) => {
          const { host, s } = make({ slots });
          const ran: number[] = [];
          const cancels = specs.map((sp, i) =>
            s.at(sp.time, () => {
              expect(s.now()).toBeGreaterThanOrEqual(sp.time);
              ran.push(i);
            }),
          );
          specs.forEach((sp, i) => { if (sp.cancel) cancels[i]!(); });
          expect(s.pending()).toBe(specs.filter((sp) => !sp.cancel).length);
          host.advance(4000);
          const expected = specs
            .map((sp, i) => ({ ...sp, i }))
            .filter((x) => !x.cancel)
            .sort((a, b) => a.time - b.time || a.i - b.i)
            .map((x) => x.i);
          expect(ran).toEqual(expected);
          expect(s.pending()).toBe(0);
          expect(host.maxActive).toBeLessThanOrEqual(1);
          expect(host.active.size).toBe(0);
        },
      ),
    );
  });

  it('keeps a single host timer for 10,000 callbacks', () => {
    const { host, s } = make();
    let n = 0;
    for (let i = 0; i < 10_000; i++) s.after(1 + (i % 500), () => n++);
    expect(host.active.size).toBe(1);
    // scheduled in rising order after the first 500: the timer was armed once per new earliest deadline only
    expect(host.created).toBe(1);
    host.advance(600);
    expect(n).toBe(10_000);
    expect(host.maxActive).toBe(1);
    expect(host.active.size).toBe(0);
  });

  it('counts pending() through schedule, cancel and run', () => {
    const { host, s } = make();
    const c1 = s.at(1, () => {});
    const c2 = s.at(2, () => {});
    s.at(3, () => {});
    expect(s.pending()).toBe(3);
    c1();
    c1(); // twice: no effect
    expect(s.pending()).toBe(2);
    host.advance(2);
    expect(s.pending()).toBe(1);
    c2(); // after it ran: no effect
    expect(s.pending()).toBe(1);
    host.advance(5);
    expect(s.pending()).toBe(0);
  });

  it('cancel stops a callback and lets go of the host timer when nothing is left', () => {
    const { host, s } = make();
    const fn = vi.fn();
    const cancel = s.at(50, fn);
    expect(host.active.size).toBe(1);
    cancel();
    expect(host.active.size).toBe(0);
    host.advance(100);
    expect(fn).not.toHaveBeenCalled();
  });

  it('a callback can cancel another one due in the same batch', () => {
    const { host, s } = make();
    const ran: string[] = [];
    s.at(10, () => { ran.push('a'); cancelB(); });
    const cancelB = s.at(10, () => ran.push('b'));
    s.at(10, () => ran.push('c'));
    host.advance(20);
    expect(ran).toEqual(['a', 'c']);
    expect(s.pending()).toBe(0);
  });

  it('runs a callback scheduled for a past time as soon as possible, after the current batch', () => {
    const { host, s } = make();
    const ran: string[] = [];
    let pendingDuringSecond = -1;
    host.advance(100);
    s.at(10, () => {
      ran.push('first');
      s.at(0, () => ran.push('past, from a callback'));
      s.at(s.now(), () => ran.push('now, from a callback'));
    });
    s.at(10, () => { ran.push('second'); pendingDuringSecond = s.pending(); });
    expect(ran).toEqual([]); // never synchronously inside at()
    host.advance(10);
    expect(ran).toEqual(['first', 'second', 'past, from a callback', 'now, from a callback']);
    expect(pendingDuringSecond).toBe(2); // the two new ones waited for a later batch
  });

  it('keeps far deadlines in the overflow heap and moves them into the wheel as time comes', () => {
    const { host, s } = make({ slots: 16 });
    const ran: string[] = [];
    s.at(1000, () => ran.push('far-1000'));
    s.at(5000, () => ran.push('far-5000'));
    s.at(1000, () => ran.push('far-1000b'));
    s.at(3, () => ran.push('near'));
    expect(s.inspect()).toMatchObject({ pending: 4, inWheel: 1, inOverflow: 3 });
    host.advance(10);
    expect(ran).toEqual(['near']);
    // with the wheel empty the host timer waits for the heap's earliest entry
    expect(s.inspect()).toMatchObject({ inWheel: 0, inOverflow: 3, armedTick: 1000 });
    s.at(990, () => ran.push('at-990'));
    host.advance(981); // t = 991: the wheel turned to 990, so 1000 is within its 16 ticks
    expect(ran).toEqual(['near', 'at-990']);
    expect(s.inspect()).toMatchObject({ pending: 3, inWheel: 2, inOverflow: 1 });
    host.advance(10);
    expect(ran).toEqual(['near', 'at-990', 'far-1000', 'far-1000b']);
    host.advance(4000);
    expect(ran).toEqual(['near', 'at-990', 'far-1000', 'far-1000b', 'far-5000']);
    expect(s.inspect()).toMatchObject({ pending: 0, inWheel: 0, inOverflow: 0, timerArmed: false });
  });

  it('cancels overflow entries and compacts the heap', () => {
    const { host, s } = make({ slots: 16 });
    const cancels = Array.from({ length: 500 }, (_, i) => s.at(10_000 + i, () => { throw new Error('cancelled one ran'); }));
    const fn = vi.fn();
    s.at(20_000, fn);
    expect(s.inspect().inOverflow).toBe(501);
    for (const c of cancels) c();
    expect(s.inspect()).toMatchObject({ pending: 1, inOverflow: 1 });
    host.advance(25_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('catches up in order when the event loop was blocked for longer than the wheel spans', () => {
    const { host, s } = make({ slots: 16 });
    const ran: number[] = [];
    const times = [3, 40, 17, 17, 2, 900, 64, 5];
    times.forEach((t, i) => s.at(t, () => ran.push(i)));
    host.stall(10_000);
    expect(ran).toEqual([4, 0, 7, 2, 3, 1, 6, 5]);
    expect(s.pending()).toBe(0);
  });

  it('puts a near deadline into the wheel after a long idle time (the cursor catches up)', () => {
    const { host, s } = make({ slots: 16 });
    host.advance(1_000_000);
    s.after(5, () => {});
    expect(s.inspect()).toMatchObject({ inWheel: 1, inOverflow: 0 });
  });

  it('rounds to its tick but never fires early with a coarse tick', () => {
    const { host, s } = make({ tickMs: 10 });
    const seen: number[] = [];
    for (const t of [1, 9.99, 10, 10.01, 25]) s.at(t, () => seen.push(s.now()));
    host.advance(100);
    expect(seen).toHaveLength(5);
    [1, 9.99, 10, 10.01, 25].forEach((t, i) => expect(seen[i]).toBeGreaterThanOrEqual(t));
  });

  it('reports a throwing callback to onError and keeps running the others', () => {
    const errors: unknown[] = [];
    const { host, s } = make({ onError: (e) => errors.push(e) });
    const ran: string[] = [];
    s.at(5, () => ran.push('a'));
    s.at(5, () => { throw new Error('boom'); });
    s.at(5, () => ran.push('c'));
    s.at(8, () => ran.push('later'));
    host.advance(10);
    expect(ran).toEqual(['a', 'c', 'later']);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('boom');
    s.at(20, () => ran.push('after the error'));
    host.advance(20);
    expect(ran.at(-1)).toBe('after the error');
  });

  it('by default rethrows a callback error asynchronously with queueMicrotask', () => {
    const queued: (() => void)[] = [];
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((cb) => { queued.push(cb); });
    try {
      const { host, s } = make();
      const after = vi.fn();
      s.at(1, () => { throw new Error('late boom'); });
      s.at(1, after);
      host.advance(5);
      expect(after).toHaveBeenCalled();
      expect(queued).toHaveLength(1);
      expect(() => queued[0]!()).toThrowError('late boom');
    } finally {
      spy.mockRestore();
    }
  });

  it('close() cancels everything, clears the host timer, and refuses new work', () => {
    const { host, s } = make({ slots: 16 });
    const fn = vi.fn();
    const cancel = s.at(5, fn);
    s.at(100_000, fn);
    s.close();
    expect(s.pending()).toBe(0);
    expect(host.active.size).toBe(0);
    expect(s.inspect()).toMatchObject({ closed: true, inWheel: 0, inOverflow: 0, timerArmed: false });
    cancel(); // harmless
    host.advance(200_000);
    expect(fn).not.toHaveBeenCalled();
    try {
      s.at(1, fn);
      expect.unreachable();
    } catch (e) {
      expect(isStackError(e, 'ERR_CLOSED')).toBe(true);
    }
    s.close(); // idempotent
  });

  it('close() from inside a callback stops the rest of the batch', () => {
    const { host, s } = make();
    const ran: string[] = [];
    s.at(5, () => { ran.push('a'); s.close(); });
    s.at(5, () => ran.push('b'));
    s.at(6, () => ran.push('c'));
    host.advance(10);
    expect(ran).toEqual(['a']);
    expect(host.active.size).toBe(0);
    expect(s.pending()).toBe(0);
  });

  it('unrefs its host timer only when asked', () => {
    const a = make({ unref: true });
    a.s.at(5, () => {});
    expect([...a.host.active][0]!.unrefed).toBe(true);
    const b = make();
    b.s.at(5, () => {});
    expect([...b.host.active][0]!.unrefed).toBe(false);
  });

  it('rejects bad arguments and bad options with StackError codes', () => {
    const { s } = make();
    for (const t of [NaN, Infinity, -Infinity]) {
      expect(() => s.at(t, () => {})).toThrowError(/finite/);
    }
    try { s.at(NaN, () => {}); } catch (e) { expect(isStackError(e, 'ERR_INVALID_ARGUMENT')).toBe(true); }
    for (const bad of [{ slots: 1000 }, { slots: 8 }, { tickMs: 0 }, { tickMs: NaN }]) {
      try {
        new NodeScheduler(bad);
        expect.unreachable();
      } catch (e) {
        expect(isStackError(e, 'ERR_INVALID_CONFIG')).toBe(true);
        expect((e as Error).message).toMatch(/slots must be a power of two|tickMs must be/);
      }
    }
  });
});
