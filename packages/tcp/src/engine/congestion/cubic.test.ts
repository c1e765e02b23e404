import { describe, expect, it } from 'vitest';
import { CUBIC_ALPHA, CUBIC_BETA, CUBIC_C, Cubic, cubicK, cubicWindow } from './cubic.js';
import { NewReno } from './newreno.js';

// CUBIC (RFC 9438) against its own formulas, worked out here by hand.

const MSS = 1000;

/** Slow start from IW10 to `segments` segments (one MSS per ACK), then a loss at that window, and recovery's end. */
function afterLoss(segments: number, cc = new Cubic(10)): Cubic {
  cc.onEstablished(MSS);
  while (cc.cwnd < segments * MSS) cc.onAck(MSS, MSS, 0, 100);
  cc.onFastRetransmit(cc.cwnd, MSS);
  cc.onRecoveryEnd(cc.cwnd, MSS); // flight ≥ ssthresh: cwnd = ssthresh
  return cc;
}

/** One RTT of ACKs, one per MSS of the window, all at `now`; returns the window after it. */
function round(cc: Cubic, now: number, srtt: number): number {
  const n = Math.floor(cc.cwnd / MSS);
  for (let i = 0; i < n; i++) cc.onAck(MSS, MSS, now, srtt);
  return cc.cwnd;
}

describe('CUBIC window function (RFC 9438 §4.2)', () => {
  it('uses C = 0.4, β = 0.7 and α = 3(1 − β)/(1 + β) = 0.9/1.7', () => {
    expect(CUBIC_C).toBe(0.4);
    expect(CUBIC_BETA).toBe(0.7);
    expect(CUBIC_ALPHA).toBeCloseTo(0.529_411_76, 8);
  });

  it('K for W_max = 100 segments after a reduction to 70 is ∛(30/0.4) = ∛75 ≈ 4.2172 s', () => {
    expect(cubicK(100, 70)).toBeCloseTo(4.217_163_3, 6);
    expect(cubicK(100, 100)).toBe(0);
    expect(cubicK(50, 80)).toBe(0);
    // The curve starts at cwnd_epoch, passes W_max at t = K, and is symmetric about it.
    const k = cubicK(100, 70);
    expect(cubicWindow(0, k, 100)).toBeCloseTo(70, 9);
    expect(cubicWindow(k, k, 100)).toBe(100);
    expect(cubicWindow(k + 1, k, 100)).toBeCloseTo(100.4, 9);
    expect(cubicWindow(k - 1, k, 100)).toBeCloseTo(99.6, 9);
  });

  it('the controller follows W_cubic: concave up to W_max at t ≈ K, convex after', () => {
    const cc = afterLoss(100);
    expect(cc).toMatchObject({ cwnd: 70_000, ssthresh: 70_000, wMax: 100_000 });
    // At 250 ms W_est grows by ~2 segments a second, so the cubic curve sets the window throughout.
    const srtt = 250;
    const seen: [number, number][] = [];
    for (let now = 0; now <= 8000; now += srtt) seen.push([now, round(cc, now, srtt)]);
    expect(cc.k).toBeCloseTo(4.217_163_3, 6); // set at the first ACK in congestion avoidance
    expect(cc.epochStart).toBe(0);
    expect(cc.wEst).toBeLessThan(cc.cwnd - 10 * MSS);
    // Each round moves cwnd toward the target one RTT ahead, closing ~1 − 1/e of the gap (a
    // (target − cwnd)/cwnd step per ACK): W_cubic(now) ≤ cwnd ≤ W_cubic(now + RTT), within 0.1 segment.
    const W = (ms: number) => 0.4 * (ms / 1000 - Math.cbrt(75)) ** 3 + 100; // by hand from Figure 1
    for (const [now, cwnd] of seen) {
      expect(cwnd / MSS).toBeGreaterThanOrEqual(W(now) - 0.1);
      expect(cwnd / MSS).toBeLessThanOrEqual(W(now + srtt) + 0.01);
    }
    const at = (t: number) => seen.find(([now]) => now === t)![1];
    expect(Math.abs(at(4250) - 100_000)).toBeLessThan(100); // cwnd(t ≈ K) = W_max
    // Concave: growth per second shrinks while below W_max; convex: it grows again above.
    const g = (t: number) => at(t + 1000) - at(t);
    expect(g(0)).toBeGreaterThan(g(1000));
    expect(g(1000)).toBeGreaterThan(g(2000));
    expect(g(2000)).toBeGreaterThan(g(3000));
    expect(g(4500)).toBeLessThan(g(5500));
    expect(g(5500)).toBeLessThan(g(6500));
    expect(at(3000)).toBeLessThan(100_000);
    expect(at(8000)).toBeGreaterThan(100_000);
  });

  it('at 100 ms RTT W_est overtakes the plateau: once past cwnd_prior it grows by α = 1 per RTT', () => {
    const cc = afterLoss(100);
    for (let now = 0; now <= 7000; now += 100) round(cc, now, 100);
    // W_cubic(7.1 s) ≈ 109.6 segments, but Reno's estimate is ahead and sets cwnd.
    expect(cc.cwnd / MSS).toBeGreaterThan(0.4 * (7.1 - Math.cbrt(75)) ** 3 + 100 + 2);
    expect(Math.floor(cc.wEst)).toBe(cc.cwnd);
    const a = cc.cwnd;
    round(cc, 7100, 100);
    expect((cc.cwnd - a) / MSS).toBeCloseTo(1, 1);
  });

  it('grows at most to 1.5·cwnd per RTT however far the curve runs ahead', () => {
    const cc = afterLoss(100);
    round(cc, 0, 100);
    const before = cc.cwnd;
    const after = round(cc, 60_000, 100); // W_cubic(60 s) ≈ 71,000 segments
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThanOrEqual(1.5 * before);
  });
});

describe('CUBIC Reno-friendly region (RFC 9438 §4.3)', () => {
  it('with a small W_max and a short RTT, W_est dominates and cwnd = W_est', () => {
    // W_max = 10, cwnd_epoch = 7: K = ∛7.5 ≈ 1.96 s; in 1 s at 10 ms RTT W_cubic(1) = 0.4·(1 − 1.96)³ + 10 ≈ 9.65.
    const cc = afterLoss(10);
    expect(cc).toMatchObject({ cwnd: 7_000, wMax: 10_000 });
    for (let now = 0; now < 1000; now += 10) round(cc, now, 10);
    const w = cc.cwnd / MSS;
    // W_est grows by α per window acknowledged (~0.53 segments per RTT), then by 1 once it reaches cwnd_prior = 10.
    expect(w).toBeGreaterThan(10 + 20); // far above W_cubic and W_max
    expect(Math.floor(cc.wEst)).toBe(cc.cwnd);
    expect(cubicWindow(1, cc.k, 10)).toBeLessThan(10);
  });

  it('α_cubic until W_est reaches cwnd_prior, then 1: the first rounds grow by ≈ 0.53 segments', () => {
    const cc = afterLoss(10);
    round(cc, 0, 1); // starts the epoch at cwnd_epoch = 7 segments
    // 7 ACKs of one segment at cwnd ≈ 7: W_est ≈ 7 + 7·α/7 = 7 + α (slightly less as cwnd grows within the round).
    expect(cc.wEst / MSS).toBeGreaterThan(7 + CUBIC_ALPHA * 0.9);
    expect(cc.wEst / MSS).toBeLessThan(7 + CUBIC_ALPHA + 1e-9);
  });

  it('at a long RTT the cubic curve, not W_est, sets the window', () => {
    const cc = afterLoss(100);
    for (let now = 0; now <= 2000; now += 200) round(cc, now, 200);
    expect(cc.cwnd).toBeGreaterThan(cc.wEst + 5 * MSS);
  });
});

describe('CUBIC on loss (RFC 9438 §4.6, §4.7, §4.8)', () => {
  it('multiplicative decrease: ssthresh = 0.7 × FlightSize, cwnd 0.7 × cwnd after recovery', () => {
    const cc = new Cubic(10);
    cc.onEstablished(MSS);
    while (cc.cwnd < 40_000) cc.onAck(MSS, MSS, 0, 50);
    cc.onFastRetransmit(40_000, MSS);
    expect(cc.ssthresh).toBe(28_000);
    expect(cc.cwnd).toBe(28_000 + 3 * MSS); // RFC 6582 inflation during recovery
    cc.onRecoveryDupAck(MSS);
    expect(cc.cwnd).toBe(32_000);
    cc.onRecoveryEnd(39_000, MSS);
    expect(cc.cwnd).toBe(28_000);
    expect(cc.cwndPrior).toBe(40_000);
    // NewReno halves instead.
    const reno = new NewReno(10);
    reno.onFastRetransmit(40_000, MSS);
    expect(reno.ssthresh).toBe(20_000);
  });

  it('ssthresh is at least 2 MSS', () => {
    const cc = new Cubic(10);
    cc.onEstablished(MSS);
    cc.onFastRetransmit(2000, MSS);
    expect(cc.ssthresh).toBe(2000);
  });

  it('fast convergence lowers W_max to cwnd·(1 + β)/2 when a loss comes below the last W_max', () => {
    const run = (fast: boolean) => {
      const cc = afterLoss(100, new Cubic(10, fast)); // W_max 100, cwnd 70
      for (let now = 0; cc.cwnd < 90_000; now += 100) round(cc, now, 100);
      const at = cc.cwnd;
      cc.onFastRetransmit(at, MSS);
      return { cc, at };
    };
    const { cc, at } = run(true);
    expect(Math.abs(cc.wMax - at * 0.85)).toBeLessThan(1); // `at` is cwnd in whole bytes, W_max from the fractional one
    expect(cc.wMax).toBeLessThan(at);
    const plain = run(false);
    expect(Math.floor(plain.cc.wMax)).toBe(plain.at);
    // A loss above the last W_max sets W_max = cwnd either way.
    const up = afterLoss(100);
    for (let now = 0; up.cwnd < 110_000; now += 100) round(up, now, 100);
    const w = up.cwnd;
    up.onFastRetransmit(w, MSS);
    expect(Math.floor(up.wMax)).toBe(w);
  });

  it('the next epoch after fast convergence has K = ∛((W_max − cwnd_epoch)/C)', () => {
    const cc = afterLoss(100);
    for (let now = 0; cc.cwnd < 90_000; now += 100) round(cc, now, 100);
    const w = cc.cwnd;
    cc.onFastRetransmit(w, MSS);
    cc.onRecoveryEnd(w, MSS);
    round(cc, 100_000, 100);
    const epoch = cc.ssthresh / MSS; // recovery ended with cwnd = ssthresh = 0.7·w
    expect(Math.abs(cc.wMax - w * 0.85)).toBeLessThan(1);
    expect(cc.k).toBeCloseTo(Math.cbrt((cc.wMax / MSS - epoch) / 0.4), 9);
    expect(cc.k).toBeCloseTo(Math.cbrt((0.85 - 0.7) * (w / MSS) / 0.4), 3);
  });

  it('an RTO: cwnd 1 MSS, ssthresh 0.7 × FlightSize; the next stage starts with K = 0 and W_max = cwnd_epoch', () => {
    const cc = afterLoss(100);
    round(cc, 0, 100);
    cc.onRetransmitTimeout(80_000, MSS);
    expect(cc).toMatchObject({ cwnd: MSS, ssthresh: 56_000 });
    // A second expiry of the same segment holds ssthresh (RFC 5681 §3.1).
    cc.onRetransmitTimeout(80_000, MSS);
    expect(cc).toMatchObject({ cwnd: MSS, ssthresh: 56_000 });
    while (cc.cwnd < cc.ssthresh) cc.onAck(MSS, MSS, 500, 100); // slow start back to ssthresh
    expect(cc.cwnd).toBe(56_000);
    cc.onAck(MSS, MSS, 600, 100);
    expect(cc.epochStart).toBe(600);
    expect(cc.k).toBe(0);
    expect(cc.wMax).toBe(56_000);
    // From K = 0 the curve is convex at once: growth per RTT rises.
    const a = round(cc, 700, 100);
    const b = round(cc, 1700, 100);
    const c = round(cc, 2700, 100);
    expect(c - b).toBeGreaterThan(b - a);
  });

  it('time comes only from `now`: the same calls give the same windows', () => {
    const trace = () => {
      const cc = afterLoss(60);
      const out: number[] = [];
      for (let now = 0; now < 3000; now += 37) out.push(round(cc, now, 37));
      return out;
    };
    expect(trace()).toEqual(trace());
  });
});
