import { describe, expect, it } from 'vitest';
import { TcpState } from './state.js';
import { active, plain, PLAIN } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// Connection close (RFC 9293 §3.6) and the application calls around it.

describe('closing', () => {
  it('active close: FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT → CLOSED after exactly timeWait', () => {
    const s = plain({ timeWait: 5000 }).run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [21, 'call', (c) => expect(c.state).toBe(TcpState.FIN_WAIT_1)],
      [30, '<', '. 1:1(0) ack 2 win 65535'],
      [31, 'call', (c) => expect(c.state).toBe(TcpState.FIN_WAIT_2)],
      [40, '<', 'F. 1:1(0) ack 2 win 65535'],
      [40, '>', '. 2:2(0) ack 2'],
      [41, 'call', (c) => {
        expect(c.state).toBe(TcpState.TIME_WAIT);
        expect(c.nextDeadline()).toBe(5040);
      }],
      [5039, 'call', (c) => expect(c.state).toBe(TcpState.TIME_WAIT)],
      [5040, 'call', (c) => expect(c.state).toBe(TcpState.CLOSED)],
    ]).done();
    expect(s.conn!.error).toBeNull();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });

  it('a FIN that would not fit the peer window waits for the window to open (as Linux)', () => {
    plain().run([
      [15, '<', '. 1:1(0) ack 1 win 1000'],
      [20, 'call', (c) => {
        expect(c.send(pattern(1, 1000))).toBe(1000);
        c.shutdown();
      }],
      // 1000 bytes fill the window exactly: the FIN (one more sequence number) stays behind.
      [20, '>', 'P. 1:1001(1000) ack 1'],
      [30, '<', '. 1:1(0) ack 1001 win 1000'],
      [30, '>', 'F. 1001:1001(0) ack 1'],
      [40, '<', '. 1:1(0) ack 1002 win 1000'],
      [41, 'call', (c) => expect(c.state).toBe(TcpState.FIN_WAIT_2)],
    ]).done();
  });

  it('TIME-WAIT gives the send buffer\'s storage back: every byte sent, the FIN too, is acknowledged', () => {
    const sendStorage = (c: unknown): number => (c as { t: { sendBuf: { allocated: number; length: number } } }).t.sendBuf.allocated;
    plain({ timeWait: 5000 }).run([
      [20, 'call', (c) => {
        expect(c.send(pattern(1, 100))).toBe(100);
        c.shutdown();
      }],
      [20, '>', 'FP. 1:101(100) ack 1'],
      [30, '<', '. 1:1(0) ack 102 win 65535'],
      [31, 'call', (c) => {
        expect(c.state).toBe(TcpState.FIN_WAIT_2);
        expect(sendStorage(c)).toBeGreaterThan(0); // kept while the connection may still send
      }],
      [40, '<', 'F. 1:1(0) ack 102 win 65535'],
      [40, '>', '. 102:102(0) ack 2'],
      [41, 'call', (c) => {
        expect(c.state).toBe(TcpState.TIME_WAIT);
        expect(sendStorage(c)).toBe(0);
        expect(c.writable).toBe(0);
      }],
      // TIME-WAIT still answers a retransmitted FIN as before.
      [1000, '<', 'F. 1:1(0) ack 102 win 65535'],
      [1000, '>', '. 102:102(0) ack 2'],
    ]).done();
  });

  it('after the peer\'s FIN, receive storage goes back once the reader has emptied it (CLOSE-WAIT, TIME-WAIT)', () => {
    const recvStorage = (c: unknown): number => (c as { t: { recvBuf: { allocated: number } } }).t.recvBuf.allocated;
    plain().run([
      [20, '<', 'P. 1:6(5) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 6'],
      [21, 'call', (c) => expect(recvStorage(c)).toBeGreaterThan(0)],
      [22, '<', 'F. 6:6(0) ack 1 win 65535'],
      [22, '>', '. 1:1(0) ack 7'],
      [23, 'call', (c) => {
        expect(c.state).toBe(TcpState.CLOSE_WAIT);
        expect(recvStorage(c)).toBeGreaterThan(0); // unread bytes stay
        expect(c.readable).toBe(5);
        expect(c.take(3)).toEqual(pattern(1, 3));
        expect(recvStorage(c)).toBeGreaterThan(0);
        expect(c.take(10)).toEqual(pattern(1, 5).subarray(3));
        expect(recvStorage(c)).toBe(0); // all read, nothing more can come
        expect(c.eof).toBe(true);
      }],
    ]).done();
    // Everything read before the FIN: the storage goes when the FIN arrives, here in FIN-WAIT-2 → TIME-WAIT.
    plain({ timeWait: 5000 }).run([
      [20, '<', 'P. 1:6(5) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 6'],
      [21, 'call', (c) => {
        expect(c.take(10)).toEqual(pattern(1, 5));
        expect(recvStorage(c)).toBeGreaterThan(0); // kept for what comes next
        c.shutdown();
      }],
      [21, '>', 'F. 1:1(0) ack 6'],
      [30, '<', 'F. 6:6(0) ack 2 win 65535'],
      [30, '>', '. 2:2(0) ack 7'],
      [31, 'call', (c) => {
        expect(c.state).toBe(TcpState.TIME_WAIT);
        expect(recvStorage(c)).toBe(0);
      }],
    ]).done();
  });

  it('TIME-WAIT acknowledges a retransmitted FIN and restarts its timer', () => {
    plain({ timeWait: 5000 }).run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', 'F. 1:1(0) ack 2 win 65535'],
      [30, '>', '. 2:2(0) ack 2'],
      [31, 'call', (c) => expect(c.state).toBe(TcpState.TIME_WAIT)],
      [1000, '<', 'F. 1:1(0) ack 2 win 65535'],
      [1000, '>', '. 2:2(0) ack 2'],
      [5999, 'call', (c) => expect(c.state).toBe(TcpState.TIME_WAIT)],
      [6000, 'call', (c) => expect(c.state).toBe(TcpState.CLOSED)],
    ]).done();
  });

  it('passive close: CLOSE-WAIT → LAST-ACK → CLOSED, with eof after the data is read', () => {
    plain().run([
      [20, '<', 'FP. 1:6(5) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 7'],
      [21, 'call', (c) => {
        expect(c.state).toBe(TcpState.CLOSE_WAIT);
        expect(c.eof).toBe(false);
        const b = new Uint8Array(10);
        expect(c.recv(b)).toBe(5);
        expect(b.subarray(0, 5)).toEqual(pattern(1, 5));
        expect(c.eof).toBe(true);
        expect(c.send(pattern(1, 3))).toBe(3); // half close: we may still send
        c.shutdown();
        expect(c.state).toBe(TcpState.LAST_ACK);
      }],
      [21, '>', 'FP. 1:4(3) ack 7'],
      [30, '<', '. 7:7(0) ack 5 win 65535'],
      [31, 'call', (c) => expect(c.state).toBe(TcpState.CLOSED)],
    ]).done();
  });

  it('simultaneous close: FIN-WAIT-1 → CLOSING → TIME-WAIT', () => {
    plain({ timeWait: 100 }).run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [25, '<', 'F. 1:1(0) ack 1 win 65535'],
      [25, '>', '. 2:2(0) ack 2'],
      [26, 'call', (c) => expect(c.state).toBe(TcpState.CLOSING)],
      [30, '<', '. 2:2(0) ack 2 win 65535'],
      [31, 'call', (c) => expect(c.state).toBe(TcpState.TIME_WAIT)],
      [130, 'call', (c) => expect(c.state).toBe(TcpState.CLOSED)],
    ]).done();
  });

  it('FIN and ACK of our FIN in one segment: FIN-WAIT-1 → TIME-WAIT', () => {
    plain().run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', 'F. 1:1(0) ack 2 win 65535'],
      [30, '>', '. 2:2(0) ack 2'],
      [31, 'call', (c) => expect(c.state).toBe(TcpState.TIME_WAIT)],
    ]).done();
  });

  it('half close: data keeps arriving in FIN-WAIT-2', () => {
    const s = plain().run([
      [20, 'call', (c) => {
        c.send(pattern(1, 10));
        c.shutdown();
      }],
      [20, '>', 'FP. 1:11(10) ack 1'],
      [30, '<', '. 1:1(0) ack 12 win 65535'],
      [40, '<', 'P. 1:101(100) ack 12 win 65535'],
      [40, '>', '. 12:12(0) ack 101'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.FIN_WAIT_2);
    expect(s.conn!.readable).toBe(100);
  });

  it('the FIN waits for the data before it and for the peer window', () => {
    plain().run([
      [20, '<', '. 1:1(0) ack 1 win 1000'],
      [21, 'call', (c) => {
        c.send(pattern(1, 1500));
        c.shutdown();
      }],
      [21, '>', '. 1:1001(1000) ack 1'],
      [30, '<', '. 1:1(0) ack 1001 win 1000'],
      [30, '>', 'FP. 1001:1501(500) ack 1'],
    ]).done();
  });

  it('close() with unread data resets (RFC 2525 §2.17); close() then data resets', () => {
    const unread = plain().run([
      [20, '<', 'P. 1:6(5) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 6'],
      [30, 'call', (c) => c.close()],
      [30, '>', 'R 1:1(0)'],
    ]).done();
    expect(unread.conn!.state).toBe(TcpState.CLOSED);
    const late = plain().run([
      [20, 'call', (c) => c.close()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', 'P. 1:6(5) ack 2 win 65535'],
      [30, '>', 'R 2:2(0)'],
    ]).done();
    expect(late.conn!.state).toBe(TcpState.CLOSED);
  });

  it('abort() sends RST from ESTABLISHED and nothing from TIME-WAIT', () => {
    const s = plain().run([
      [20, 'call', (c) => {
        c.send(pattern(1, 10));
        c.abort();
        expect(c.state).toBe(TcpState.CLOSED);
        expect(c.error).toBe('aborted');
      }],
      [20, '>', 'R 1:1(0)'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ sendBuffered: 0, recvBuffered: 0 });
    plain().run([
      [20, 'call', (c) => c.shutdown()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [30, '<', 'F. 1:1(0) ack 2 win 65535'],
      [30, '>', '. 2:2(0) ack 2'],
      [40, 'call', (c) => c.abort()],
    ]).done();
  });

  it('close() in SYN-SENT ends the attempt without a segment; later input is ignored', () => {
    const s = active(PLAIN).run([
      [0, '>', 'S 0:0(0)'],
      [5, 'call', (c) => c.close()],
      [10, '<', 'S. 0:0(0) ack 1 win 65535'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSED);
    expect(s.conn!.error).toBeNull();
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });
});
