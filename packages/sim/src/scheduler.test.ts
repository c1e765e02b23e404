import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimScheduler } from './scheduler.js';

describe('SimScheduler', () => {
  it('runs callbacks in time order, ties in the order scheduled', () => {
    const s = new SimScheduler();
    const seen: string[] = [];
    s.at(10, () => seen.push('b'));
    s.at(5, () => seen.push('a'));
    s.at(10, () => seen.push('c'));
    s.runUntilIdle();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(s.now()).toBe(10);
  });

  it('orders any set of timers like a stable sort', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { maxLength: 200 }), (times) => {
        const s = new SimScheduler();
        const seen: number[] = [];
        times.forEach((t, i) => s.at(t, () => seen.push(i)));
        s.runUntilIdle();
        const expected = times.map((t, i) => [t, i] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]).map((x) => x[1]);
        expect(seen).toEqual(expected);
      }),
    );
  });

  it('cancel removes a timer and pending() counts only live ones', () => {
    const s = new SimScheduler();
    let ran = false;
    const cancel = s.at(5, () => { ran = true; });
    s.at(6, () => {});
    expect(s.pending()).toBe(2);
    cancel();
    cancel();
    expect(s.pending()).toBe(1);
    s.runUntilIdle();
    expect(ran).toBe(false);
    expect(s.pending()).toBe(0);
  });

  it('a time in the past runs at the current time, never moving the clock back', () => {
    const s = new SimScheduler(100);
    let at = -1;
    s.at(50, () => { at = s.now(); });
    s.runUntilIdle();
    expect(at).toBe(100);
  });

  it('runFor stops at the horizon and advances time to it', () => {
    const s = new SimScheduler();
    const seen: number[] = [];
    for (const t of [1, 2, 3, 10]) s.at(t, () => seen.push(t));
    s.runFor(5);
    expect(seen).toEqual([1, 2, 3]);
    expect(s.now()).toBe(5);
    expect(s.pending()).toBe(1);
  });

  it('runUntilIdle refuses to spin forever', () => {
    const s = new SimScheduler();
    const again = (): void => { s.after(1, again); };
    again();
    expect(() => s.runUntilIdle({ maxSteps: 1000 })).toThrow(/livelock/);
  });

  it('runUntilSettled drives async code that awaits timers', async () => {
    const s = new SimScheduler();
    const sleep = (ms: number): Promise<void> => new Promise((r) => s.after(ms, r));
    const job = (async () => {
      await sleep(10);
      await sleep(20);
      return s.now();
    })();
    await expect(s.runUntilSettled(job)).resolves.toBe(30);
  });

  it('runUntilSettled reports a promise that nothing will ever settle', async () => {
    const s = new SimScheduler();
    await expect(s.runUntilSettled(new Promise(() => {}))).rejects.toThrow(/nothing scheduled/);
  });
});

describe('runUntilSettled and the host event loop', () => {
  it('process.nextTick work starves under chained promise jobs; hostYield lets it run', async () => {
    const viaNextTick = (s: SimScheduler) =>
      new Promise<number>((resolve) => {
        s.at(10, () => process.nextTick(() => resolve(s.now())));
      });
    const a = new SimScheduler();
    await expect(a.runUntilSettled(viaNextTick(a))).rejects.toThrow(/needs the hostYield option/);
    const b = new SimScheduler();
    await expect(b.runUntilSettled(viaNextTick(b), Infinity, { hostYield: () => new Promise((r) => setImmediate(r)) })).resolves.toBe(10);
  });
});
