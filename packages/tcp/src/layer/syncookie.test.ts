import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { COOKIE_MSS, COOKIE_SLOT_MS, SynCookies } from './syncookie.js';

const A = 0x0a00_0001;
const B = 0x0a00_0002;

describe('SYN cookies (RFC 4987 §3.6)', () => {
  const cookies = new SynCookies({ k0: 0x1111_2222, k1: 0x3333_4444 });

  it('round-trips the MSS and accepts the cookie in its slot and the next, not later', () => {
    const peerIsn = 0xdead_beef;
    const now = 5 * COOKIE_SLOT_MS + 10;
    const idx = SynCookies.mssIndex(1460);
    expect(COOKIE_MSS[idx]).toBe(1460);
    const isn = cookies.isn(B, 80, A, 40000, peerIsn, idx, now);
    expect(cookies.check(B, 80, A, 40000, peerIsn, (isn + 1) >>> 0, now)).toBe(1460);
    expect(cookies.check(B, 80, A, 40000, peerIsn, (isn + 1) >>> 0, now + COOKIE_SLOT_MS)).toBe(1460);
    expect(cookies.check(B, 80, A, 40000, peerIsn, (isn + 1) >>> 0, now + 2 * COOKIE_SLOT_MS)).toBe(-1);
  });

  it('rejects a cookie for another tuple, another peer ISN, or a forged one', () => {
    const isn = cookies.isn(B, 80, A, 40000, 7, 5, 1000);
    expect(cookies.check(B, 80, A, 40001, 7, isn + 1, 1000)).toBe(-1);
    expect(cookies.check(B, 80, A, 40000, 8, isn + 1, 1000)).toBe(-1);
    expect(cookies.check(B, 80, A, 40000, 7, isn + 2, 1000)).toBe(-1);
    const other = new SynCookies({ k0: 1, k1: 2 });
    expect(other.check(B, 80, A, 40000, 7, isn + 1, 1000)).toBe(-1);
  });

  it('grants the largest MSS not above the peer’s', () => {
    expect(COOKIE_MSS[SynCookies.mssIndex(536)]).toBe(536);
    expect(COOKIE_MSS[SynCookies.mssIndex(1459)]).toBe(1440);
    expect(COOKIE_MSS[SynCookies.mssIndex(1250)]).toBe(1200);
    expect(COOKIE_MSS[SynCookies.mssIndex(9000)]).toBe(8960);
    expect(COOKIE_MSS[SynCookies.mssIndex(100)]).toBe(216);
  });

  it('carries window scale and SACK in the TSval, never ahead of the clock (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: -1, max: 14 }), fc.boolean(), (now, ws, sack) => {
        const ts = SynCookies.encodeTsval(now, ws, sack);
        expect(SynCookies.decodeTsecr(ts)).toEqual({ windowScale: ws, sackPermitted: sack });
        // Not ahead of now, and at most 64 ticks behind (mod 2^32).
        expect(((now - ts) >>> 0) < 128).toBe(true);
      }),
    );
  });

  it('guessing is hopeless: 1 in 2^24 per try (no random 10k ACKs pass)', () => {
    let passed = 0;
    let x = 12345;
    for (let i = 0; i < 10_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      if (cookies.check(B, 80, A, 40000, 99, x, 1000) !== -1) passed++;
    }
    expect(passed).toBe(0);
  });
});
