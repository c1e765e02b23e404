import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { plain } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// Keepalive (RFC 1122 §4.2.3.6): exact timelines in virtual time.

const KA = { keepalive: true, keepaliveIdle: 10_000, keepaliveInterval: 1_000, keepaliveCount: 3 } as const;

describe('keepalive (RFC 1122 §4.2.3.6)', () => {
  it('off by default: an idle connection arms no timer and sends nothing', () => {
    const s = plain();
    expect(s.conn!.keepalive).toBe(false);
    expect(s.conn!.nextDeadline()).toBe(Infinity);
    s.run([[10_000_000, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)]]).done();
  });

  it('probes SND.NXT − 1 without data after the idle time, then every interval; count unanswered probes fail it', () => {
    const s = plain(KA).run([
      // Last heard at t=10 (the SYN-ACK).
      [10_010, '>', '. 0:0(0) ack 1'],
      [11_010, '>', '. 0:0(0) ack 1'],
      [12_010, '>', '. 0:0(0) ack 1'],
      [13_009, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)],
      [13_010, 'call', (c) => {
        expect(c.state).toBe(TcpState.CLOSED);
        expect(c.error).toBe('timeout');
      }],
    ]).done();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it('an answered probe, or any segment, starts the idle time again', () => {
    const s = plain(KA).run([
      [5_000, '<', 'P. 1:11(10) ack 1 win 65535'],
      [5_000, '>', '. 1:1(0) ack 11'],
      [15_000, '>', '. 0:0(0) ack 11'],
      [16_000, '>', '. 0:0(0) ack 11'],
      [16_005, '<', '. 11:11(0) ack 1 win 65535'], // the peer's answer
      [26_005, '>', '. 0:0(0) ack 11'],
      [26_010, '<', '. 11:11(0) ack 1 win 65535'],
      [36_010, '>', '. 0:0(0) ack 11'],
    ]).done();
    expect(s.conn!.nextDeadline()).toBe(37_010);
  });

  it('no probes while data is outstanding: the retransmission timer watches the peer', () => {
    plain({ ...KA, keepaliveIdle: 300, keepaliveInterval: 100, keepaliveCount: 1, retries: 2 }).run([
      [20, 'call', (c) => c.send(pattern(1, 10))],
      [20, '>', 'P. 1:11(10) ack 1'],
      [220, '>', 'P. 1:11(10) ack 1'],
      [620, '>', 'P. 1:11(10) ack 1'],
      [1420, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
  });

  it('setKeepalive turns it on from now, and off', () => {
    const s = plain().run([
      [100, 'call', (c, now) => c.setKeepalive(true, now)],
      [200, 'call', (c) => expect(c.nextDeadline()).toBe(7_200_100)], // the default idle time: 2 h
      [300, 'call', (c, now) => c.setKeepalive(false, now)],
    ]).done();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
    const t = plain({ ...KA, keepaliveIdle: 50 }).run([
      [60, '>', '. 0:0(0) ack 1'],
      [70, 'call', (c, now) => c.setKeepalive(true, now)], // restarts the idle time
      [120, '>', '. 0:0(0) ack 1'],
    ]).done();
    expect(t.conn!.keepalive).toBe(true);
  });

  it('stops in states without an idle peer: TIME-WAIT', () => {
    const s = plain(KA).run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', 'F. 1:1(0) ack 2 win 65535'],
      [30, '>', '. 2:2(0) ack 2'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.TIME_WAIT);
    expect(s.conn!.nextDeadline()).toBe(60_030);
  });
});
