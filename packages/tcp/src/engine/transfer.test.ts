import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { check, simulate, type SimParams } from './sim.test-helper.js';

// Two engines back to back through a lossy, reordering, duplicating
// channel in virtual time (sim.test-helper.ts). Every run is seeded: a
// failure prints the seed and the parameters, and `simulate(...)` with them
// replays it exactly.

describe('two engines back to back (virtual time, seeded)', () => {
  it('a clean link: 200 KB each way, closed cleanly', () => {
    check({ seed: 1, loss: 0, duplicate: 0, jitter: 0, sizeA: 200_000, sizeB: 200_000, config: {} });
  });

  it('replays: the same seed gives the same run', () => {
    const p: SimParams = { seed: 42, loss: 0.1, duplicate: 0.05, jitter: 20, sizeA: 30_000, sizeB: 5_000, config: { recvBufferSize: 8192 } };
    const x = simulate(p);
    const y = simulate(p);
    expect([x.end, x.segments]).toEqual([y.end, y.segments]);
  });

  it('30 % loss, 10 % duplication, reordering: 40 seeds with ordinary buffers', () => {
    // (Not in the property: with 1-byte buffers and no timestamps, RFC 6298's backoff at 30 % loss makes a
    // run take virtual days, since each loss doubles the RTO and only a fresh sample brings it back.)
    let fast = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const p: SimParams = { seed, loss: 0.3, duplicate: 0.1, jitter: 30, sizeA: 40_000 + seed * 101, sizeB: 10_000, config: { recvBufferSize: 16_384 + seed * 37, mss: 536 + seed } };
      check(p);
      const r = simulate(p);
      fast += r.a.counters.fastRetransmits + r.b!.counters.fastRetransmits;
    }
    expect(fast).toBeGreaterThan(0); // recovery without timeouts happens, not only go-back-N
  });

  it('lossy, reordering, duplicating channel: every byte arrives once and in order, both close (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 0x7fffffff }),
          loss: fc.constantFrom(0, 0.01, 0.05, 0.15),
          duplicate: fc.constantFrom(0, 0.02, 0.1),
          jitter: fc.constantFrom(0, 3, 30),
          spacing: fc.constantFrom(0, 0, 0.1),
          gsoMaxSize: fc.constantFrom(0, 0, 16_000, 65_000),
          sizeA: fc.integer({ min: 0, max: 60_000 }),
          sizeB: fc.integer({ min: 0, max: 20_000 }),
          config: fc.record(
            {
              mss: fc.integer({ min: 64, max: 1460 }),
              sendBufferSize: fc.integer({ min: 1, max: 40_000 }),
              recvBufferSize: fc.integer({ min: 1, max: 40_000 }),
              timestamps: fc.boolean(),
              sack: fc.boolean(),
              windowScaling: fc.boolean(),
              timeWait: fc.constantFrom(0, 1000, 60_000),
              delayedAck: fc.constantFrom(0, 40, 200),
              reassemblyRanges: fc.constantFrom(0, 1, 32),
              congestion: fc.constantFrom('cubic' as const, 'newreno' as const),
              noDelay: fc.boolean(),
              keepalive: fc.boolean(),
              keepaliveIdle: fc.constantFrom(300, 5000),
              keepaliveInterval: fc.constantFrom(100, 1000),
              finWait2Timeout: fc.constantFrom(60_000, 600_000),
            },
            { requiredKeys: [] },
          ),
        }),
        (p) => {
          check(p);
        },
      ),
      { numRuns: Number(process.env.TCP_SIM_RUNS ?? 60) },
    );
  }, 600_000);
});
