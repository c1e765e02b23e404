// Eight TCP flows share one rate-limited cable fairly: 20 Mbit/s, 10 ms
// one-way delay (RTT 20 ms, BDP 50 KB), a 100 KB drop-tail queue, default
// config (CUBIC, 64 KiB buffers: together 8 × 64 KiB, far more than BDP +
// queue, so the queue overflows and congestion control decides the shares).
// Flows start 250 ms apart (+ 0..99 ms from the seed); per-flow bytes delivered to the receiver are
// counted in a steady-state window of virtual time, after every flow has run
// 5 s, and Jain's index over them must be ≥ 0.9. The link must also stay
// busy (≥ 85 % of its rate as goodput), so "fair" cannot mean "all starved".
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@stack/sim';
import type { TcpFlow } from '@stack/tcp';
import { conns, pattern, tcpPair } from './tcp-harness.js';

const FLOWS = 8;
const RATE = 20_000_000;
const STAGGER = 250;
const WARMUP = 5_000;
const WINDOW = 20_000;

/** Jain's fairness index: (Σx)² / (n·Σx²); 1 when equal, 1/n when one takes all. */
function jain(xs: readonly number[]): number {
  const sum = xs.reduce((a, b) => a + b, 0);
  const sq = xs.reduce((a, b) => a + b * b, 0);
  return sq === 0 ? 0 : (sum * sum) / (xs.length * sq);
}

describe('fairness', () => {
  it("Jain's index", () => {
    expect(jain([5, 5, 5, 5])).toBe(1);
    expect(jain([8, 0, 0, 0])).toBe(0.25);
  });

  for (const seed of [1, 2, 3]) {
    it(`eight flows on a 20 Mbit/s link share it (seed ${seed})`, async () => {
      const where = `seed ${seed}`;
      const p = tcpPair({ seed, bandwidth: RATE, latency: 10, queueLimit: 100_000 });
      const sched = p.net.scheduler;
      const from = FLOWS * STAGGER + WARMUP;
      const to = from + WINDOW;
      const inWindow = new Map<number, number>(); // client port → bytes read by the server in [from, to)
      const totals = new Map<number, number>();
      let stop = false;
      const chunk = pattern(65_536, seed);
      // Start times: STAGGER apart, each moved by up to 100 ms drawn from the seed.
      const rnd = new SeededRandom(seed);
      const starts = Array.from({ length: FLOWS }, (_, i) => i * STAGGER + rnd.below(100));

      const served: Promise<void>[] = [];
      const l = p.server.tcp.listen(5001, (flow: TcpFlow) => {
        const port = flow.remote.port;
        inWindow.set(port, 0);
        served.push((async () => {
          for (;;) {
            const r = await flow.read();
            if (r.data === undefined) {
              if (r.eof !== true) throw new Error(`${where}: server read from ${port}: ${r.error}`);
              break;
            }
            const now = sched.now();
            totals.set(port, (totals.get(port) ?? 0) + r.data.length);
            if (now >= from && now < to) inWindow.set(port, inWindow.get(port)! + r.data.length);
          }
          await flow.close();
        })());
      });
      const sender = async (i: number): Promise<void> => {
        await new Promise<void>((resolve) => sched.at(starts[i]!, resolve));
        const c = await p.client.tcp.connect(p.server.address, 5001);
        if (c.flow === undefined) throw new Error(`${where}: flow ${i} connect: ${c.error}`);
        while (!stop) {
          const err = await c.flow.write(chunk);
          if (err !== null) throw new Error(`${where}: flow ${i} write: ${err}`);
        }
        await c.flow.close();
      };
      const senders = Array.from({ length: FLOWS }, (_, i) => sender(i));
      await sched.runUntilSettled(new Promise<void>((resolve) => sched.at(to, resolve)));
      stop = true;
      await sched.runUntilSettled(Promise.all([...senders, ...served]), to + 600_000);
      await l.close();

      const shares = [...inWindow.values()];
      expect(shares.length, `${where}: flows accepted`).toBe(FLOWS);
      const index = jain(shares);
      const goodput = (shares.reduce((a, b) => a + b, 0) * 8) / (WINDOW / 1000);
      const detail = `${where}: per-flow bytes in [${from}, ${to}) ms = ${JSON.stringify(shares)}, Jain ${index.toFixed(3)}, goodput ${(goodput / 1e6).toFixed(2)} Mbit/s`;
      expect(index, detail).toBeGreaterThanOrEqual(0.9);
      expect(goodput, detail).toBeGreaterThanOrEqual(0.85 * RATE);
      expect(goodput, detail).toBeLessThanOrEqual(RATE);
      expect(p.net.inspect().interfaces.some((i) => (i.stats['dropped.queueFull'] ?? 0) > 0), `${where}: the queue overflowed (congestion control was exercised)`).toBe(true);

      p.net.runFor(61_000);
      expect(conns(p.client), where).toEqual([]);
      expect(conns(p.server), where).toEqual([]);
      expect(await p.close(), `${where}: timers after close`).toBe(0);
    });
  }
});
