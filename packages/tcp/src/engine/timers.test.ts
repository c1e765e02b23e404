import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { active, established, passive, plain, PLAIN } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// RFC 6298 retransmission timer: exact timelines in virtual time.

describe('RTO (RFC 6298)', () => {
  it('SYN: backs off 1, 2, 4, ... s and fails with timeout after synRetries', () => {
    const s = active(PLAIN).run([
      [0, '>', 'S 0:0(0)'],
      [1000, '>', 'S 0:0(0)'],
      [3000, '>', 'S 0:0(0)'],
      [7000, '>', 'S 0:0(0)'],
      [15000, '>', 'S 0:0(0)'],
      [31000, '>', 'S 0:0(0)'],
      [63000, '>', 'S 0:0(0)'],
      [126_999, 'call', (c) => expect(c.state).toBe(TcpState.SYN_SENT)],
      [127_000, 'call', (c) => {
        expect(c.state).toBe(TcpState.CLOSED);
        expect(c.error).toBe('timeout');
      }],
    ]).done();
    expect(s.conn!.info().counters).toMatchObject({ timeouts: 7, retransmits: 6 });
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it('SYN: rtoMax caps the backoff', () => {
    active({ ...PLAIN, rtoInitial: 1000, rtoMax: 2500, synRetries: 3 }).run([
      [0, '>', 'S 0:0(0)'],
      [1000, '>', 'S 0:0(0)'],
      [3000, '>', 'S 0:0(0)'],
      [5500, '>', 'S 0:0(0)'],
      [8000, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
  });

  it('a retransmitted SYN gives no RTT sample (Karn); the RTO stays backed off', () => {
    const s = active(PLAIN).run([
      [0, '>', 'S 0:0(0)'],
      [1000, '>', 'S 0:0(0)'],
      [1010, '<', 'S. 0:0(0) ack 1 win 65535'],
      [1010, '>', '. 1:1(0) ack 1'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ srtt: 0, rto: 2000, backoff: 0 });
  });

  it('SYN-ACK: retransmitted on the same schedule; the passive side times out too', () => {
    const s = passive({ ...PLAIN, synRetries: 2 }).run([
      [0, '<', 'S 0:0(0)'],
      [0, '>', 'S. 0:0(0) ack 1'],
      [1000, '>', 'S. 0:0(0) ack 1'],
      [3000, '>', 'S. 0:0(0) ack 1'],
      [7000, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSED);
  });

  it('data: go back to SND.UNA on expiry, double the RTO, restart on progress, fail after `retries`', () => {
    // RTT 10 ms from the handshake: RTO = max(10 + 4·5, 200) = 200.
    const s = plain({ retries: 3 }).run([
      [100, 'call', (c) => c.send(pattern(1, 1500))],
      [100, '>', '. 1:1001(1000) ack 1'],
      [100, '>', 'P. 1001:1501(500) ack 1'],
      [300, '>', '. 1:1001(1000) ack 1'], // cwnd = 1 MSS after the RTO (RFC 5681 §3.1)
      [310, '<', '. 1:1(0) ack 1001 win 65535'],
      [310, '>', 'P. 1001:1501(500) ack 1'],
      // The ACK restarted the timer with the backed-off RTO (400: no new sample from a retransmission).
      [710, '>', 'P. 1001:1501(500) ack 1'],
      [1510, '>', 'P. 1001:1501(500) ack 1'],
      [3110, '>', 'P. 1001:1501(500) ack 1'],
      [6309, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)],
      [6310, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
    expect(s.conn!.info().counters.retransmits).toBe(5);
  });

  it('RTT samples move SRTT, RTTVAR and the RTO (RFC 6298 §2.3)', () => {
    const s = plain().run([
      [100, 'call', (c) => c.send(pattern(1, 100))],
      [100, '>', 'P. 1:101(100) ack 1'],
      [150, '<', '. 1:1(0) ack 101 win 65535'],
    ]).done();
    // First sample 10 (SYN): srtt 10, rttvar 5. Second 50: rttvar = 3/4·5 + 1/4·40 = 13.75, srtt = 7/8·10 + 1/8·50 = 15.
    expect(s.conn!.info()).toMatchObject({ srtt: 15, rttvar: 13.75, rto: 200 });
    s.run([
      [1000, 'call', (c) => c.send(pattern(101, 100))],
      [1000, '>', 'P. 101:201(100) ack 1'],
      [1150, '<', '. 1:1(0) ack 201 win 65535'],
    ]).done();
    // Third 150: rttvar = 3/4·13.75 + 1/4·135 = 44.0625, srtt = 7/8·15 + 1/8·150 = 31.875; RTO = ceil(31.875 + 176.25) = 209.
    expect(s.conn!.info()).toMatchObject({ srtt: 31.875, rttvar: 44.0625, rto: 209 });
  });

  it('with timestamps: an echo from before the RTO gives no sample; a fresh one does', () => {
    const s = established().run([
      [20, 'call', (c) => c.send(pattern(1, 100))],
      [20, '>', 'P. 1:101(100) ack 1 <TS val 20 ecr 110>'],
      [220, '>', 'P. 1:101(100) ack 1 <TS val 220 ecr 110>'],
      [230, '<', '. 1:1(0) ack 101 win 65535 <TS val 130 ecr 20>'], // echoes the first transmission
    ]);
    expect(s.conn!.info()).toMatchObject({ srtt: 10, rto: 400 });
    s.run([
      [300, 'call', (c) => c.send(pattern(101, 100))],
      [300, '>', 'P. 101:201(100) ack 1 <TS val 300 ecr 130>'],
      [310, '<', '. 1:1(0) ack 201 win 65535 <TS val 140 ecr 300>'],
    ]).done();
    // Sample 10: rttvar = 3/4·5 + 1/4·0 = 3.75, RTO = max(10 + 15, 200).
    expect(s.conn!.info()).toMatchObject({ srtt: 10, rttvar: 3.75, rto: 200 });
  });

  it('FIN is retransmitted like data', () => {
    plain({ retries: 1 }).run([
      [100, 'call', (c) => c.shutdown()],
      [100, '>', 'F. 1:1(0) ack 1'],
      [300, '>', 'F. 1:1(0) ack 1'],
      [700, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
  });

  it('zero window: probes past the window with backoff; an answered probe is not a failure', () => {
    const s = plain({ retries: 2 }).run([
      [20, '<', '. 1:1(0) ack 1 win 0'],
      [30, 'call', (c) => c.send(pattern(1, 10))],
      [230, '>', '. 1:2(1) ack 1'],
      [230, '<', '. 1:1(0) ack 1 win 0'],
      [630, '>', '. 1:2(1) ack 1'],
      [630, '<', '. 1:1(0) ack 1 win 0'],
      [1430, '>', '. 1:2(1) ack 1'],
      [1430, '<', '. 1:1(0) ack 1 win 0'],
      [3030, '>', '. 1:2(1) ack 1'],
      [3040, '<', '. 1:1(0) ack 2 win 100'], // the window opens and the probe byte is taken
      [3040, '>', 'P. 2:11(9) ack 1'],
      [3050, '<', '. 1:1(0) ack 11 win 100'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.ESTABLISHED);
    expect(s.conn!.info().bytesInFlight).toBe(0);
  });
});
