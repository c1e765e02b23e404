import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { plain } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// User timeout (RFC 9293 §3.8.3, RFC 5482 semantics): exact timelines in virtual time.

describe('user timeout (RFC 5482)', () => {
  it('none by default: only the retry limit ends retransmission', () => {
    const s = plain();
    s.run([
      [20, 'call', (c) => c.send(pattern(1, 10))],
      [20, '>', 'P. 1:11(10) ack 1'],
    ]);
    expect(s.conn!.nextDeadline()).toBe(220); // the RTO alone
  });

  it('data unacknowledged for userTimeout ms fails the connection, between retransmissions', () => {
    const s = plain({ userTimeout: 500 }).run([
      [20, 'call', (c) => c.send(pattern(1, 10))],
      [20, '>', 'P. 1:11(10) ack 1'],
      [220, '>', 'P. 1:11(10) ack 1'],
      [519, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)], // the next RTO would be at 620
      [520, 'call', (c) => {
        expect(c.state).toBe(TcpState.CLOSED);
        expect(c.error).toBe('timeout');
      }],
    ]).done();
    expect(s.conn!.info().counters.retransmits).toBe(1);
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it('progress restarts it; all acknowledged disarms it', () => {
    const s = plain({ userTimeout: 150 }).run([
      [20, 'call', (c) => c.send(pattern(1, 2000))],
      [20, '>', '. 1:1001(1000) ack 1'],
      [20, '>', 'P. 1001:2001(1000) ack 1'],
      [100, '<', '. 1:1(0) ack 1001 win 65535'], // progress: 150 ms from here
      [160, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)], // 140 ms after the first send
      [240, '<', '. 1:1(0) ack 2001 win 65535'],
      [10_000, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)],
    ]).done();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
    plain({ userTimeout: 150 }).run([
      [20, 'call', (c) => c.send(pattern(1, 2000))],
      [20, '>', '. 1:1001(1000) ack 1'],
      [20, '>', 'P. 1001:2001(1000) ack 1'],
      [100, '<', '. 1:1(0) ack 1001 win 65535'],
      [249, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)],
      [250, 'call', (c) => expect(c.error).toBe('timeout')], // before the RTO (300)
    ]).done();
  });

  it('covers a FIN and zero-window probes the peer answers without taking', () => {
    plain({ userTimeout: 1000 }).run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [220, '>', 'F. 1:1(0) ack 1'],
      [620, '>', 'F. 1:1(0) ack 1'],
      [1020, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
    plain({ userTimeout: 1000 }).run([
      [20, '<', '. 1:1(0) ack 1 win 0'],
      [30, 'call', (c) => c.send(pattern(1, 10))],
      [230, '>', '. 1:2(1) ack 1'],
      [230, '<', '. 1:1(0) ack 1 win 0'],
      [630, '>', '. 1:2(1) ack 1'],
      [630, '<', '. 1:1(0) ack 1 win 0'],
      [1230, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
  });
});
