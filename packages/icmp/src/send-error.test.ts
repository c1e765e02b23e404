// sendError's cost under a flood: the checks that decide whether an error may
// be sent read the offending datagram's bytes in place, and the rate limit is
// taken right after them, so a rate-limited flood never parses (or allocates)
// anything. Here the quoted-datagram parser is wrapped to count its calls.
import { describe, expect, it, vi } from 'vitest';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { FakeIp, LOCAL, PEER, ipv4Datagram } from '@stack/testkit/fake-ip';
import { createIcmp } from './layer.js';
import { parseQuotedDatagram } from './wire/quoted.js';

vi.mock(import('./wire/quoted.js'), async (importOriginal) => {
  const actual = await importOriginal();
  return { ...actual, parseQuotedDatagram: vi.fn(actual.parseQuotedDatagram) };
});

describe('sendError under a flood', () => {
  it('a rate-limited error is refused before any parsing', () => {
    const ip = new FakeIp();
    const icmp = createIcmp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1) }, { errorBurst: 1, errorsPerSecond: 0 });
    const original = ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: new Uint8Array(12) });
    vi.mocked(parseQuotedDatagram).mockClear();
    expect(icmp.sendError('port-unreachable', original)).toBe(true);
    for (let i = 0; i < 100; i++) expect(icmp.sendError('port-unreachable', original)).toBe(false);
    expect(icmp.stats).toMatchObject({ errorsSent: 1, errorsRateLimited: 100 });
    expect(vi.mocked(parseQuotedDatagram)).not.toHaveBeenCalled();
    expect(ip.written).toHaveLength(1);
  });

  it('the cheap checks still come first: a suppressed error takes no token', () => {
    const ip = new FakeIp();
    const icmp = createIcmp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1) }, { errorBurst: 1, errorsPerSecond: 0 });
    expect(icmp.sendError('port-unreachable', ipv4Datagram({ src: PEER, dst: 0xffffffff, protocol: 17, payload: new Uint8Array(8) }))).toBe(false);
    expect(icmp.sendError('port-unreachable', new Uint8Array(12))).toBe(false);
    expect(icmp.stats.dropped).toMatchObject({ toBroadcast: 1, badOriginal: 1, rateLimited: 0 });
    expect(icmp.sendError('port-unreachable', ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: new Uint8Array(8) }))).toBe(true);
  });
});
