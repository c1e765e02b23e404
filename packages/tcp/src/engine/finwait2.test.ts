import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { plain } from './fixtures.test-helper.js';

// FIN-WAIT-2 timeout for a connection the application closed (Linux's tcp_fin_timeout).

describe('FIN-WAIT-2 timeout', () => {
  it('after close(), the peer FIN never comes: CLOSED with timeout after finWait2Timeout (default 60 s)', () => {
    const s = plain().run([
      [20, 'call', (c) => c.close()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', '. 1:1(0) ack 2 win 65535'],
      [31, 'call', (c) => {
        expect(c.state).toBe(TcpState.FIN_WAIT_2);
        expect(c.nextDeadline()).toBe(60_030);
      }],
      [60_029, 'call', (c) => expect(c.state).toBe(TcpState.FIN_WAIT_2)],
      [60_030, 'call', (c) => {
        expect(c.state).toBe(TcpState.CLOSED);
        expect(c.error).toBe('timeout');
      }],
    ]).done();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it('shutdown() alone waits for the FIN as long as it takes; a later close() starts the timer', () => {
    const s = plain({ finWait2Timeout: 5_000 }).run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', '. 1:1(0) ack 2 win 65535'],
      [1_000_000, 'call', (c) => {
        expect(c.state).toBe(TcpState.FIN_WAIT_2);
        expect(c.nextDeadline()).toBe(Infinity);
        c.close();
      }],
      [1_004_999, 'call', (c) => expect(c.state).toBe(TcpState.FIN_WAIT_2)],
      [1_005_000, 'call', (c) => expect(c.error).toBe('timeout')],
    ]).done();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it("the peer's FIN in time leads to TIME-WAIT as usual", () => {
    const s = plain({ finWait2Timeout: 5_000 }).run([
      [20, 'call', (c) => c.close()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', '. 1:1(0) ack 2 win 65535'],
      [4_000, '<', 'F. 1:1(0) ack 2 win 65535'],
      [4_000, '>', '. 2:2(0) ack 2'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.TIME_WAIT);
    expect(s.conn!.nextDeadline()).toBe(64_000);
    s.run([[64_000, 'call', (c) => expect(c.error).toBe(null)]]).done();
  });
});
