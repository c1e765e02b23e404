import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { active, passive, plain, PLAIN } from './fixtures.test-helper.js';
import type { Script } from './script.test-helper.js';

// RST processing in every state (RFC 9293 §3.10.7, RFC 5961 §3.2).

function inFinWait1(): Script {
  return plain().run([
    [20, 'call', (c) => c.shutdown()],
    [20, '>', 'F. 1:1(0) ack 1'],
  ]);
}

function inFinWait2(): Script {
  return inFinWait1().run([[30, '<', '. 1:1(0) ack 2 win 65535']]);
}

function inCloseWait(): Script {
  return plain().run([
    [20, '<', 'F. 1:1(0) ack 1 win 65535'],
    [20, '>', '. 1:1(0) ack 2'],
  ]);
}

function inClosing(): Script {
  return inFinWait1().run([
    [30, '<', 'F. 1:1(0) ack 1 win 65535'],
    [30, '>', '. 2:2(0) ack 2'],
  ]);
}

function inLastAck(): Script {
  return inCloseWait().run([
    [30, 'call', (c) => c.shutdown()],
    [30, '>', 'F. 1:1(0) ack 2'],
  ]);
}

function inTimeWait(): Script {
  return inFinWait2().run([
    [40, '<', 'F. 1:1(0) ack 2 win 65535'],
    [40, '>', '. 2:2(0) ack 2'],
  ]);
}

describe('RST processing in every state', () => {
  it('SYN-SENT: an RST that acknowledges our SYN refuses the connection; others are ignored', () => {
    const ignored = active(PLAIN).run([
      [0, '>', 'S 0:0(0)'],
      [1, '<', 'R 0:0(0)'],
      [2, '<', 'R. 0:0(0) ack 5'],
      [3, '<', 'R. 0:0(0) ack 0'],
    ]).done();
    expect(ignored.conn!.state).toBe(TcpState.SYN_SENT);
    const refused = active(PLAIN).run([
      [0, '>', 'S 0:0(0)'],
      [4, '<', 'R. 0:0(0) ack 1'],
    ]).done();
    expect(refused.conn!.state).toBe(TcpState.CLOSED);
    expect(refused.conn!.error).toBe('refused');
    expect(refused.conn!.nextDeadline()).toBe(Infinity);
  });

  it('SYN-RECEIVED (passive): an RST at RCV.NXT ends the embryonic connection', () => {
    const s = passive(PLAIN).run([
      [0, '<', 'S 0:0(0)'],
      [0, '>', 'S. 0:0(0) ack 1'],
      [1, '<', 'R 1:1(0)'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSED);
    expect(s.conn!.error).toBe('reset');
  });

  it('ESTABLISHED: exact RST resets; in-window RST draws a challenge ACK; out of window is ignored', () => {
    const s = plain().run([
      [20, '<', 'R 500:500(0)'],
      [20, '>', '. 1:1(0) ack 1'],
      [21, '<', 'R 70000:70000(0)'],
      [22, '<', 'R. 0:0(0) ack 1'], // one before RCV.NXT: outside the window
    ]).done();
    expect(s.conn!.state).toBe(TcpState.ESTABLISHED);
    expect(s.conn!.counters.challengeAcks).toBe(1);
    s.run([[30, '<', 'R. 1:1(0) ack 1']]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSED);
    expect(s.conn!.error).toBe('reset');
  });

  it.each([
    ['FIN-WAIT-1', inFinWait1, 1, TcpState.FIN_WAIT_1, 'reset'],
    ['FIN-WAIT-2', inFinWait2, 1, TcpState.FIN_WAIT_2, 'reset'],
    ['CLOSE-WAIT', inCloseWait, 2, TcpState.CLOSE_WAIT, 'reset'],
    ['CLOSING', inClosing, 2, TcpState.CLOSING, null],
    ['LAST-ACK', inLastAck, 2, TcpState.LAST_ACK, null],
    ['TIME-WAIT', inTimeWait, 2, TcpState.TIME_WAIT, null],
  ] as const)('%s: in-window RST → challenge ACK; exact RST → CLOSED', (_name, open, rcvNxt, state, error) => {
    const s = open();
    expect(s.conn!.state).toBe(state);
    const sndNxt = state === TcpState.CLOSE_WAIT ? 1 : 2;
    s.run([
      [100, '<', `R ${rcvNxt + 10}:${rcvNxt + 10}(0)`],
      [100, '>', `. ${sndNxt}:${sndNxt}(0) ack ${rcvNxt}`],
    ]);
    expect(s.conn!.state).toBe(state);
    s.run([[101, '<', `R ${rcvNxt}:${rcvNxt}(0)`]]);
    expect(s.conn!.state).toBe(TcpState.CLOSED);
    expect(s.conn!.error).toBe(error);
  });
});
