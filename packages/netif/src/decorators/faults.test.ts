import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { readU32 } from '@stack/wire';
import { BROADCAST, numbered } from '../../test/frames.js';
import { SeededRandom, SimScheduler } from '../../test/sim.js';
import { memoryLink } from '../link/memory-link.js';
import type { FaultSpec } from './fault-spec.js';
import { withFaults, type FaultyDevice } from './faults.js';

const SEED = 0x5eed;

interface Arrival {
  n: number;
  t: number;
  bytes: Uint8Array;
}

interface Rig {
  s: SimScheduler;
  faulty: FaultyDevice;
  /** Arrivals at the far end (frames the faulty device sent). */
  far: Arrival[];
  /** Arrivals through the faulty device (frames the far end sent). */
  near: Arrival[];
  /** Sends `count` numbered frames, one every `gap` ms, from the faulty side ('tx') or the far side ('rx'). */
  send(count: number, gap: number, from?: 'tx' | 'rx', size?: number): void;
}

function rig(spec: FaultSpec, seed = SEED, linkLatency = 0.01): Rig {
  const s = new SimScheduler();
  const [a, b] = memoryLink({ scheduler: s, latency: linkLatency });
  const faulty = withFaults(a, { scheduler: s, random: new SeededRandom(seed) }, spec);
  const far: Arrival[] = [];
  const near: Arrival[] = [];
  b.onReceive((f) => far.push({ n: readU32(f, 14), t: s.now(), bytes: f.slice() }));
  faulty.onReceive((f) => near.push({ n: readU32(f, 14), t: s.now(), bytes: f.slice() }));
  const send = (count: number, gap: number, from: 'tx' | 'rx' = 'tx', size = 100): void => {
    const dev = from === 'tx' ? faulty : b;
    for (let i = 0; i < count; i++) {
      s.at(s.now() + i * gap, () => { dev.transmit(numbered(BROADCAST, dev.mac, i, size)); });
    }
    s.runUntilIdle();
  };
  return { s, faulty, far, near, send };
}

/** |observed - expected| within `k` standard deviations of a binomial(n, p). */
function withinBinomial(observed: number, n: number, p: number, k = 5): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(k * sd + 1);
}

const N = 20_000;

describe('withFaults, statistically (seed 0x5eed)', () => {
  it('loss drops about the given share', () => {
    const r = rig({ loss: 0.1 });
    r.send(N, 0.1);
    withinBinomial(r.faulty.faultStats.lost, N, 0.1);
    expect(r.far.length).toBe(N - r.faulty.faultStats.lost);
    expect(r.faulty.stats.txDropped).toBe(r.faulty.faultStats.lost);
    expect(r.faulty.stats.txFrames).toBe(r.far.length);
  });

  it('duplicate sends about the given share twice', () => {
    const r = rig({ duplicate: 0.05 });
    r.send(N, 0.1);
    withinBinomial(r.faulty.faultStats.duplicated, N, 0.05);
    expect(r.far.length).toBe(N + r.faulty.faultStats.duplicated);
    const counts = new Map<number, number>();
    for (const a of r.far) counts.set(a.n, (counts.get(a.n) ?? 0) + 1);
    expect([...counts.values()].filter((c) => c === 2).length).toBe(r.faulty.faultStats.duplicated);
  });

  it('corrupt flips exactly one bit in about the given share', () => {
    const r = rig({ corrupt: 0.02 });
    r.send(N, 0.1);
    withinBinomial(r.faulty.faultStats.corrupted, N, 0.02);
    let changed = 0;
    for (const a of r.far) {
      // rebuild the frame that was sent and count differing bits
      const want = numbered(BROADCAST, r.faulty.mac, a.n, 100);
      let bits = 0;
      for (let i = 0; i < want.length; i++) for (let x = want[i]! ^ a.bytes[i]!; x; x &= x - 1) bits++;
      if (bits > 0) changed++;
      expect(bits).toBeLessThanOrEqual(1);
    }
    // a flip of the sequence number itself still shows as one bit off a valid frame
    expect(changed).toBeGreaterThan(r.faulty.faultStats.corrupted * 0.9);
  });

  it('corrupt on receive clears checksumVerified', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: { rxChecksumVerified: true } });
    const f = withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { corrupt: 1, direction: 'rx' });
    const verified: boolean[] = [];
    f.onReceive((_, m) => verified.push(m.checksumVerified));
    b.transmit(numbered(BROADCAST, b.mac, 1));
    s.runUntilIdle();
    expect(verified).toEqual([false]);
  });

  it('reorder holds about the given share back so later frames overtake them', () => {
    const r = rig({ reorder: { probability: 0.1, delay: 0.25 } });
    r.send(N, 0.1);
    const held = r.faulty.faultStats.reordered;
    withinBinomial(held, N, 0.1);
    expect(r.far.length).toBe(N);
    let inversions = 0;
    for (let i = 1; i < r.far.length; i++) if (r.far[i]!.n < r.far[i - 1]!.n) inversions++;
    expect(inversions).toBeGreaterThan(held * 0.5);
    // a held frame arrives 0.25 ms after it would have
    const late = r.far.filter((a) => a.t - (a.n * 0.1 + 0.01) > 0.2);
    expect(late.length).toBe(held);
  });

  it('delay and jitter spread arrival times uniformly around the delay', () => {
    const r = rig({ delay: 5, jitter: 2 });
    r.send(N, 0.1);
    const extra = r.far.map((a) => a.t - (a.n * 0.1 + 0.01));
    expect(Math.min(...extra)).toBeGreaterThanOrEqual(3 - 1e-9);
    expect(Math.max(...extra)).toBeLessThanOrEqual(7 + 1e-9);
    const mean = extra.reduce((x, y) => x + y, 0) / extra.length;
    expect(Math.abs(mean - 5)).toBeLessThan(0.05); // sd of the mean: 2/sqrt(3)/sqrt(N) ≈ 0.008
    const low = extra.filter((e) => e < 5).length;
    withinBinomial(low, N, 0.5);
    expect(r.faulty.faultStats.delayed).toBe(N);
  });

  it('mtu drops larger frames silently', () => {
    const r = rig({ mtu: 100 });
    const f = r.faulty;
    expect(f.transmit(numbered(BROADCAST, f.mac, 1, 114))).toBe(true);
    expect(f.transmit(numbered(BROADCAST, f.mac, 2, 115))).toBe(true); // a black hole: the sender does not know
    r.s.runUntilIdle();
    expect(r.far.map((a) => a.n)).toEqual([1]);
    expect(f.faultStats.oversize).toBe(1);
    expect(f.mtu).toBe(1500); // still the inner MTU
  });

  it('blackouts drop everything inside their windows, in either direction', () => {
    const r = rig({ blackouts: [{ from: 10, to: 20 }, { from: 50, to: Infinity }] });
    r.send(100, 1, 'tx');
    expect(r.far.map((a) => a.n)).toEqual([...Array(50).keys()].filter((i) => i < 10 || i >= 20));
    expect(r.faulty.faultStats.blackout).toBe(60);
    r.send(5, 1, 'rx'); // now t ≥ 99: still dark
    expect(r.near).toEqual([]);
  });

  it('rate limits to the token rate after the burst, queues, then drops', () => {
    // 800 kbit/s = 100 bytes per ms; burst 1000 bytes; 2000 bytes may wait
    const r = rig({ rate: { bitsPerSecond: 800_000, burst: 1000, limit: 2000 } });
    const f = r.faulty;
    const ok: boolean[] = [];
    for (let i = 0; i < 40; i++) ok.push(f.transmit(numbered(BROADCAST, f.mac, i, 100)));
    expect(ok.filter((x) => x).length).toBe(30); // 10 on tokens, 20 queued (2000 bytes), 10 dropped
    expect(f.faultStats.rateQueued).toBe(20);
    expect(f.faultStats.rateDropped).toBe(10);
    r.s.runUntilIdle();
    expect(r.far.map((a) => a.n)).toEqual([...Array(30).keys()]);
    const times = r.far.map((a) => a.t - 0.01);
    expect(times.slice(0, 10).every((t) => t === 0)).toBe(true);
    times.slice(10).forEach((t, i) => expect(t).toBeCloseTo(i + 1, 9)); // one 100-byte frame per ms
    expect(f.transmit(numbered(BROADCAST, f.mac, 99, 1001))).toBe(false); // larger than the burst
  });

  it('sustains the configured rate over many frames', () => {
    const r = rig({ rate: { bitsPerSecond: 10_000_000, limit: 1e9 } });
    r.send(5000, 0.01, 'tx', 1000); // offered 800 Mbit/s
    const last = r.far[r.far.length - 1]!.t;
    const bits = r.far.length * 1000 * 8;
    expect(r.far.length).toBe(5000);
    const burstBits = Math.max(1518, 10_000_000 / 800) * 8;
    expect((bits - burstBits) / (last / 1000)).toBeCloseTo(10_000_000, -4);
  });

  it("direction 'tx' and 'rx' leave the other way alone", () => {
    const tx = rig({ loss: 1, direction: 'tx' });
    tx.send(10, 1, 'tx');
    tx.send(10, 1, 'rx');
    expect([tx.far.length, tx.near.length]).toEqual([0, 10]);
    const rx = rig({ loss: 1, direction: 'rx' });
    rx.send(10, 1, 'tx');
    rx.send(10, 1, 'rx');
    expect([rx.far.length, rx.near.length]).toEqual([10, 0]);
    expect(rx.faulty.stats.rxDropped).toBe(10);
  });
});

describe('withFaults replays from a seed', () => {
  const spec: FaultSpec = {
    loss: 0.05, duplicate: 0.05, corrupt: 0.05, reorder: 0.05, delay: 1, jitter: 0.5,
    rate: { bitsPerSecond: 5_000_000 }, blackouts: [{ from: 30, to: 31 }],
  };
  const run = (seed: number): string => {
    const r = rig(spec, seed);
    r.send(500, 0.1, 'tx');
    r.send(500, 0.1, 'rx');
    return JSON.stringify([...r.far, ...r.near].map((a) => [a.n, a.t, Buffer.from(a.bytes).toString('hex')]));
  };

  it('same seed → the same frames at the same times', () => {
    expect(run(7)).toBe(run(7));
  });

  it('another seed → another sequence', () => {
    expect(run(7)).not.toBe(run(8));
  });
});

describe('withFaults lifecycle and config', () => {
  it('close() cancels held frames and timers, and closes the device', async () => {
    const r = rig({ delay: 10, rate: { bitsPerSecond: 8000, burst: 1518 } });
    const f = r.faulty;
    for (let i = 0; i < 30; i++) f.transmit(numbered(BROADCAST, f.mac, i, 100));
    r.s.runFor(1);
    expect(r.s.pending()).toBeGreaterThan(0);
    await f.close();
    expect(r.s.pending()).toBe(0);
    expect(f.transmit(numbered(BROADCAST, f.mac, 1))).toBe(false);
    expect((f.device as { up?: boolean }).up).toBe(false);
    r.s.runUntilIdle();
    expect(r.far).toEqual([]);
  });

  it('an empty spec passes frames unchanged and draws no randomness', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const random = { u32: (): number => { throw new Error('drew'); }, fill: (): void => { throw new Error('drew'); } };
    const f = withFaults(a, { scheduler: s, random }, {});
    let n = 0;
    b.onReceive(() => n++);
    f.transmit(numbered(BROADCAST, f.mac, 1));
    s.runUntilIdle();
    expect(n).toBe(1);
  });

  it('rejects a bad spec, saying what is allowed', () => {
    const s = new SimScheduler();
    const [a] = memoryLink({ scheduler: s });
    const deps = { scheduler: s, random: new SeededRandom(1) };
    const cases: [unknown, RegExp][] = [
      [{ loss: 1.5 }, /loss \(a probability\) must be a finite number in 0\.\.1, got 1\.5/],
      [{ duplicate: -0.1 }, /duplicate/],
      [{ reorder: { probability: 0.1, delay: -1 } }, /reorder\.delay/],
      [{ jitter: NaN }, /jitter/],
      [{ rate: { burst: 10 } }, /rate\.bitsPerSecond/],
      [{ blackouts: [{ from: 5, to: 1 }] }, /blackouts\[0\]/],
      [{ direction: 'up' }, /direction must be 'tx', 'rx' or 'both'/],
      [{ lose: 0.1 }, /option "lose" must be one of loss, duplicate/],
      [{ mtu: 1.5 }, /mtu must be an integer/],
    ];
    for (const [spec, re] of cases) {
      let err: unknown;
      try { withFaults(a, deps, spec as FaultSpec); } catch (e) { err = e; }
      expect(isStackError(err, 'ERR_INVALID_CONFIG'), String(spec)).toBe(true);
      expect((err as Error).message).toMatch(re);
    }
  });
});
