import { describe, expect, it } from 'vitest';
import { plain } from './fixtures.test-helper.js';
import { burst } from './script.test-helper.js';
import type { Step } from './script.test-helper.js';

// Fast retransmit and NewReno recovery (RFC 5681 §3.2, RFC 6582), with NewReno's and CUBIC's window.

/** Five segments of 1000 bytes out at t=20 (IW 10000 allows them all). */
const FIVE: readonly Step[] = burst(5);

describe('fast retransmit and NewReno', () => {
  it('the third duplicate ACK retransmits the first segment; the full ACK ends recovery', () => {
    const s = plain({ congestion: 'newreno' }).run([
      ...FIVE,
      [30, '<', '. 1:1(0) ack 1 win 65535'],
      [31, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '>', '. 1:1001(1000) ack 1'],
    ]).done();
    // ssthresh = max(5000/2, 2·1000); cwnd = ssthresh + 3·MSS.
    expect(s.conn!.info()).toMatchObject({ ssthresh: 2500, cwnd: 5500, recovering: true });
    s.run([
      [33, '<', '. 1:1(0) ack 1 win 65535'], // a fourth: cwnd inflates by one MSS
      [42, '<', '. 1:1(0) ack 5001 win 65535'],
    ]).done();
    // Full ACK: cwnd = min(ssthresh, max(flight 0, MSS) + MSS).
    expect(s.conn!.info()).toMatchObject({ ssthresh: 2500, cwnd: 2000, recovering: false, bytesInFlight: 0 });
    expect(s.conn!.counters).toMatchObject({ fastRetransmits: 1, retransmits: 1, timeouts: 0 });
  });

  it('with CUBIC (the default) the third duplicate ACK sets ssthresh to 0.7 × FlightSize (RFC 9438 §4.6)', () => {
    const s = plain().run([
      ...FIVE,
      [30, '<', '. 1:1(0) ack 1 win 65535'],
      [31, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '>', '. 1:1001(1000) ack 1'],
    ]).done();
    // ssthresh = max(0.7·5000, 2·1000); cwnd = ssthresh + 3·MSS during RFC 6582 recovery.
    expect(s.conn!.info()).toMatchObject({ ssthresh: 3500, cwnd: 6500, recovering: true });
    s.run([[42, '<', '. 1:1(0) ack 5001 win 65535']]).done();
    expect(s.conn!.info()).toMatchObject({ ssthresh: 3500, cwnd: 2000, recovering: false, bytesInFlight: 0 });
  });

  it('a partial ACK retransmits the next hole at once (RFC 6582 §3.2 step 5)', () => {
    const s = plain().run([
      ...FIVE,
      [30, '<', '. 1:1(0) ack 1 win 65535'],
      [31, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '>', '. 1:1001(1000) ack 1'],
      [42, '<', '. 1:1(0) ack 2001 win 65535'],
      [42, '>', '. 2001:3001(1000) ack 1'],
      [52, '<', '. 1:1(0) ack 5001 win 65535'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ fastRetransmits: 2, retransmits: 2, timeouts: 0 });
    expect(s.conn!.info().recovering).toBe(false);
  });

  it('ACKs that change the window or carry data are not duplicates', () => {
    const s = plain().run([
      ...FIVE,
      [30, '<', '. 1:1(0) ack 1 win 65535'],
      [31, '<', '. 1:1(0) ack 1 win 60000'],
      [32, '<', 'P. 1:11(10) ack 1 win 60000'],
      [32, '>', '. 5001:5001(0) ack 11'],
      [33, '<', '. 11:11(0) ack 1 win 60000'],
    ]).done();
    expect(s.conn!.counters.fastRetransmits).toBe(0);
  });

  it('after an RTO, duplicate ACKs for data sent before it start no fast retransmit (RFC 6582 §3.2 step 1)', () => {
    const s = plain().run([
      ...FIVE,
      [220, '>', '. 1:1001(1000) ack 1'], // RTO (200): go back, cwnd 1 MSS
      [230, '<', '. 1:1(0) ack 1 win 65535'],
      [231, '<', '. 1:1(0) ack 1 win 65535'],
      [232, '<', '. 1:1(0) ack 1 win 65535'],
    ]).done();
    expect(s.conn!.counters.fastRetransmits).toBe(0);
  });
});
