import { describe, expect, it } from 'vitest';
import { plain } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// Nagle's algorithm (RFC 896, RFC 9293 §3.7.4) in Minshall's form, and the no-delay switch.

describe('Nagle (RFC 9293 §3.7.4)', () => {
  it('small writes coalesce while a small segment is unacknowledged', () => {
    const s = plain().run([
      [100, 'call', (c) => c.send(pattern(1, 10))],
      [100, '>', 'P. 1:11(10) ack 1'], // nothing in flight: goes at once
      [101, 'call', (c) => c.send(pattern(11, 10))], // held: 1:11 is unacknowledged
      [102, 'call', (c) => c.send(pattern(21, 10))],
      [103, 'call', (c) => c.send(pattern(31, 10))],
      [150, '<', '. 1:1(0) ack 11 win 65535'],
      [150, '>', 'P. 11:41(30) ack 1'], // the three writes in one segment
      [160, '<', '. 1:1(0) ack 41 win 65535'],
    ]).done();
    expect(s.conn!.info().bytesInFlight).toBe(0);
    expect(s.sent.filter((c) => c.repr.payloadLength > 0)).toHaveLength(2);
  });

  it('noDelay sends each small write at once', () => {
    plain({ noDelay: true }).run([
      [100, 'call', (c) => c.send(pattern(1, 10))],
      [100, '>', 'P. 1:11(10) ack 1'],
      [101, 'call', (c) => c.send(pattern(11, 10))],
      [101, '>', 'P. 11:21(10) ack 1'],
      [102, 'call', (c) => c.send(pattern(21, 10))],
      [102, '>', 'P. 21:31(10) ack 1'],
    ]).done();
  });

  it('setNoDelay(true) releases held data on the next poll; setNoDelay(false) holds again', () => {
    const s = plain().run([
      [100, 'call', (c) => c.send(pattern(1, 10))],
      [100, '>', 'P. 1:11(10) ack 1'],
      [101, 'call', (c) => c.send(pattern(11, 10))],
      [110, 'call', (c) => {
        expect(c.noDelay).toBe(false);
        c.setNoDelay(true);
      }],
      [110, '>', 'P. 11:21(10) ack 1'],
      [111, 'call', (c) => {
        c.setNoDelay(false);
        c.send(pattern(21, 10));
      }],
      [150, '<', '. 1:1(0) ack 21 win 65535'],
      [150, '>', 'P. 21:31(10) ack 1'],
    ]).done();
    expect(s.conn!.noDelay).toBe(false);
  });

  it('a full-MSS segment is never held, and the tail of a large write goes with it', () => {
    plain().run([
      [100, 'call', (c) => c.send(pattern(1, 10))],
      [100, '>', 'P. 1:11(10) ack 1'],
      // A small segment is in flight: full segments still go, the 500-byte tail waits.
      [101, 'call', (c) => c.send(pattern(11, 2500))],
      [101, '>', '. 11:1011(1000) ack 1'],
      [101, '>', '. 1011:2011(1000) ack 1'],
      [150, '<', '. 1:1(0) ack 11 win 65535'],
      [150, '>', 'P. 2011:2511(500) ack 1'],
    ]).done();
    // A large write with nothing small in flight: all of it at once, the tail too (Minshall).
    plain().run([
      [100, 'call', (c) => c.send(pattern(1, 1500))],
      [100, '>', '. 1:1001(1000) ack 1'],
      [100, '>', 'P. 1001:1501(500) ack 1'],
    ]).done();
  });

  it('a FIN is not held: small data with the FIN goes at once', () => {
    plain().run([
      [100, 'call', (c) => c.send(pattern(1, 10))],
      [100, '>', 'P. 1:11(10) ack 1'],
      [101, 'call', (c) => {
        c.send(pattern(11, 10));
        c.shutdown();
      }],
      [101, '>', 'FP. 11:21(10) ack 1'],
    ]).done();
  });
});
