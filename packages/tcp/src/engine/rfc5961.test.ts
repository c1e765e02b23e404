import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { passive, plain, PLAIN } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// RFC 5961: blind RST (§3), SYN (§4) and data injection (§5) defences.

describe('RFC 5961', () => {
  it('§4.2: a SYN in ESTABLISHED, in the window or not, draws a challenge ACK and changes nothing', () => {
    const s = plain().run([
      [20, '<', 'S 100:100(0) win 65535'],
      [20, '>', '. 1:1(0) ack 1'],
      [21, '<', 'S 900000:900000(0) win 65535'],
      [21, '>', '. 1:1(0) ack 1'],
      [22, '<', 'S 0:0(0) win 65535'], // the peer's original SYN again
      [22, '>', '. 1:1(0) ack 1'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.ESTABLISHED);
    expect(s.conn!.counters.challengeAcks).toBe(3);
  });

  it('§4: a new SYN in passive SYN-RECEIVED sends the connection back to LISTEN (RFC 9293 §3.10.7.4)', () => {
    const s = passive(PLAIN).run([
      [0, '<', 'S 0:0(0)'],
      [0, '>', 'S. 0:0(0) ack 1'],
      [1, '<', 'S 10:10(0)'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSED);
  });

  it('§7: challenge ACKs are limited per second', () => {
    const s = plain({ challengeAckLimit: 2 }).run([
      [100, '<', 'R 50:50(0)'],
      [100, '>', '. 1:1(0) ack 1'],
      [200, '<', 'R 60:60(0)'],
      [200, '>', '. 1:1(0) ack 1'],
      [300, '<', 'R 70:70(0)'],
      [400, '<', 'S 80:80(0)'],
      [1100, '<', 'R 90:90(0)'], // a new second
      [1100, '>', '. 1:1(0) ack 1'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ challengeAcks: 3, challengeAcksLimited: 2 });
    expect(s.conn!.state).toBe(TcpState.ESTABLISHED);
  });

  it('§5.2: data whose ACK acknowledges what was never sent is dropped with a challenge ACK', () => {
    const s = plain().run([
      [20, '<', 'P. 1:11(10) ack 500 win 65535'],
      [20, '>', '. 1:1(0) ack 1'],
    ]).done();
    expect(s.conn!.readable).toBe(0);
  });

  it('§5.2: data whose ACK is older than SND.UNA − MAX.SND.WND is dropped with a challenge ACK', () => {
    const s = plain().run([
      [20, '<', 'P. 1:11(10) ack 4294900000 win 65535'], // 67296 before our ISS+0
      [20, '>', '. 1:1(0) ack 1'],
      [21, '<', 'P. 1:11(10) ack 4294967000 win 65535'], // within MAX.SND.WND: an old duplicate ACK, the data is taken
      [21, '>', '. 1:1(0) ack 11'],
    ]).done();
    const got = new Uint8Array(10);
    expect(s.conn!.recv(got)).toBe(10);
    expect(got).toEqual(pattern(1, 10));
  });
});
