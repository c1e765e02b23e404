import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RttEstimator } from './rtt.js';

describe('RttEstimator (RFC 6298)', () => {
  it('first sample: SRTT = R, RTTVAR = R/2; then the 1/8 and 1/4 gains', () => {
    const e = new RttEstimator(1000, 200, 60_000);
    expect(e.rto).toBe(1000);
    e.sample(100);
    expect([e.srtt, e.rttvar, e.rto]).toEqual([100, 50, 300]);
    e.sample(200);
    // RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5; SRTT = 7/8·100 + 1/8·200 = 112.5; RTO = 112.5 + 250.
    expect([e.srtt, e.rttvar, e.rto]).toEqual([112.5, 62.5, 363]);
  });

  it('clamps to [min, max], backs off by doubling up to max', () => {
    const e = new RttEstimator(1000, 200, 5000);
    e.sample(1);
    expect(e.rto).toBe(200);
    e.backoff();
    e.backoff();
    expect(e.rto).toBe(800);
    for (let i = 0; i < 10; i++) e.backoff();
    expect(e.rto).toBe(5000);
    e.sample(10_000);
    expect(e.rto).toBe(5000);
  });

  it('the RTO always stays within bounds and above SRTT (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.constant(-1)), { maxLength: 50 }), (events) => {
        const e = new RttEstimator(1000, 200, 60_000);
        for (const r of events) {
          if (r < 0) e.backoff();
          else e.sample(r);
          expect(e.rto).toBeGreaterThanOrEqual(200);
          expect(e.rto).toBeLessThanOrEqual(60_000);
          if (r >= 0) expect(e.rto).toBeGreaterThanOrEqual(Math.min(e.srtt, 60_000));
        }
      }),
    );
  });
});
