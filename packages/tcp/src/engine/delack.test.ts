import { describe, expect, it } from 'vitest';
import { plain } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// Delayed ACKs (RFC 9293 §3.8.6.3, RFC 5681 §4.2), with the default 40 ms.

describe('delayed ACKs', () => {
  it('one segment is acknowledged after exactly delayedAck ms', () => {
    plain({ delayedAck: 40 }).run([
      [20, '<', 'P. 1:101(100) ack 1 win 65535'],
      [21, 'call', (c) => expect(c.nextDeadline()).toBe(60)],
      [60, '>', '. 1:1(0) ack 101'],
    ]).done();
  });

  it('every second full-sized segment is acknowledged at once', () => {
    plain({ delayedAck: 40 }).run([
      [20, '<', '. 1:1001(1000) ack 1 win 65535'],
      [21, '<', '. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 2001'],
      [22, '<', '. 2001:3001(1000) ack 1 win 65535'],
      [62, '>', '. 1:1(0) ack 3001'],
    ]).done();
  });

  it('data we send carries the ACK, and none is sent on its own', () => {
    plain({ delayedAck: 40 }).run([
      [20, '<', 'P. 1:101(100) ack 1 win 65535'],
      [30, 'call', (c) => c.send(pattern(1, 10))],
      [30, '>', 'P. 1:11(10) ack 101'],
      [40, '<', '. 101:101(0) ack 11 win 65535'],
    ]).done();
  });

  it('out-of-order data and a filled hole are acknowledged at once; a FIN in ESTABLISHED waits', () => {
    const s = plain({ delayedAck: 40 }).run([
      [20, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1'],
      [21, '<', 'P. 1:501(500) ack 1 win 65535'], // partly fills the hole: still at once
      [21, '>', '. 1:1(0) ack 501'],
      [22, '<', 'P. 501:1001(500) ack 1 win 65535'],
      [22, '>', '. 1:1(0) ack 2001'],
      [30, '<', 'F. 2001:2001(0) ack 1 win 65535'],
      [31, 'call', (c) => expect(c.nextDeadline()).toBe(70)],
      [70, '>', '. 1:1(0) ack 2002'],
    ]).done();
    expect(s.conn!.readable).toBe(2000);
  });

  it('the ACK of a FIN rides on our FIN when the application closes in time (as Linux)', () => {
    plain({ delayedAck: 40 }).run([
      [20, '<', 'F. 1:1(0) ack 1 win 65535'],
      [25, 'call', (c) => c.close()],
      [25, '>', 'F. 1:1(0) ack 2'],
      [30, '<', '. 2:2(0) ack 2 win 65535'],
    ]).done();
  });

  it('a FIN that follows a delayed ACK is not held longer than delayedAck from the data', () => {
    plain({ delayedAck: 40 }).run([
      [20, '<', 'P. 1:101(100) ack 1 win 65535'],
      [50, '<', 'F. 101:101(0) ack 1 win 65535'],
      [60, '>', '. 1:1(0) ack 102'],
    ]).done();
  });

  it('a FIN in FIN-WAIT-2 is acknowledged at once', () => {
    plain({ delayedAck: 40 }).run([
      [20, 'call', (c) => c.close()],
      [20, '>', 'F. 1:1(0) ack 1'],
      [21, '<', '. 1:1(0) ack 2 win 65535'],
      [30, '<', 'F. 1:1(0) ack 2 win 65535'],
      [30, '>', '. 2:2(0) ack 2'],
    ]).done();
  });
});
