import { afterEach, describe, expect, it } from 'vitest';
import { NodeScheduler } from './scheduler.js';

/** How many ref'ed Node timers exist right now (process.getActiveResourcesInfo lists one 'Timeout' each). */
function nodeTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

const open: NodeScheduler[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function scheduler(options: ConstructorParameters<typeof NodeScheduler>[0] = {}): NodeScheduler {
  const s = new NodeScheduler(options);
  open.push(s);
  return s;
}

describe('NodeScheduler on real Node timers', () => {
  it('runs 2,000 callbacks in (time, insertion) order on one Node timer', async () => {
    const baseline = nodeTimers();
    const s = scheduler();
    const n = 2000;
    const times: number[] = [];
    const ran: number[] = [];
    let maxTimers = 0;
    const done = new Promise<void>((resolve) => {
      const start = s.now();
      for (let i = 0; i < n; i++) {
        // a few distinct deadlines so that many share one time
        const t = start + 1 + ((i * 7919) % 23) / 2;
        times.push(t);
        s.at(t, () => {
          expect(s.now()).toBeGreaterThanOrEqual(t);
          maxTimers = Math.max(maxTimers, nodeTimers() - baseline);
          ran.push(i);
          if (ran.length === n) resolve();
        });
      }
    });
    expect(s.pending()).toBe(n);
    expect(nodeTimers() - baseline).toBe(1);
    await done;
    const expected = times.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.i);
    expect(ran).toEqual(expected);
    expect(maxTimers).toBeLessThanOrEqual(1);
    expect(s.pending()).toBe(0);
    expect(nodeTimers()).toBe(baseline);
  });

  it('close() leaves no Node timer behind', () => {
    const baseline = nodeTimers();
    const s = scheduler();
    for (let i = 0; i < 1000; i++) s.after(10 + i, () => {});
    s.after(10_000_000, () => {}); // far: overflow heap
    expect(nodeTimers() - baseline).toBe(1);
    s.close();
    expect(s.pending()).toBe(0);
    expect(nodeTimers()).toBe(baseline);
  });

  it('cancelling the last callback releases the Node timer', () => {
    const baseline = nodeTimers();
    const s = scheduler();
    const cancels = Array.from({ length: 100 }, (_, i) => s.after(50 + i, () => {}));
    expect(nodeTimers() - baseline).toBe(1);
    for (const c of cancels) c();
    expect(nodeTimers()).toBe(baseline);
  });

  it('with unref: true its timer does not keep the process alive', () => {
    const baseline = nodeTimers();
    const s = scheduler({ unref: true });
    s.after(60_000, () => {});
    expect(s.inspect().timerArmed).toBe(true);
    expect(nodeTimers()).toBe(baseline); // unref'ed timers are not listed as active resources
  });
});
