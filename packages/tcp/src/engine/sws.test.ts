import { describe, expect, it } from 'vitest';
import { active, PLAIN, plain } from './fixtures.test-helper.js';
import { pattern } from './script.test-helper.js';

// Silly-window-syndrome avoidance (RFC 9293 §3.8.6.2, RFC 1122 §4.2.3.3–4.2.3.4) on both sides.

describe('sender-side SWS avoidance (RFC 9293 §3.8.6.2.1)', () => {
  it('a sliver of window waits for the window to open while data is in flight', () => {
    plain().run([
      [20, '<', '. 1:1(0) ack 1 win 1300'],
      [30, 'call', (c) => c.send(pattern(1, 3000))],
      [30, '>', '. 1:1001(1000) ack 1'], // 300 bytes of window left: < MSS, < queued, < 65535/2
      [40, '<', '. 1:1(0) ack 1001 win 1300'],
      [40, '>', '. 1001:2001(1000) ack 1'],
      [50, '<', '. 1:1(0) ack 2001 win 3000'],
      [50, '>', 'P. 2001:3001(1000) ack 1'],
    ]).done();
  });

  it('sends a part segment once it is at least half the largest window the peer offered', () => {
    // The peer offered 1500 at most: 800 ≥ 750 may go, 500 may not.
    active(PLAIN).run([
      [0, '>', 'S 0:0(0) <mss 1460>'],
      [10, '<', 'S. 0:0(0) ack 1 win 1500 <mss 1000>'],
      [10, '>', '. 1:1(0) ack 1'],
      [20, 'call', (c) => c.send(pattern(1, 3000))],
      [20, '>', '. 1:1001(1000) ack 1'],
      [30, '<', '. 1:1(0) ack 1001 win 800'],
      [30, '>', '. 1001:1801(800) ack 1'],
      [40, '<', '. 1:1(0) ack 1801 win 1500'],
      [40, '>', '. 1801:2801(1000) ack 1'],
      [40, '>', 'P. 2801:3001(200) ack 1'], // all that is queued fits (and nothing small is in flight)
    ]).done();
  });

  it('with nothing in flight the override (persist) timer sends what the window takes', () => {
    const s = plain().run([
      [20, '<', '. 1:1(0) ack 1 win 300'],
      [30, 'call', (c) => c.send(pattern(1, 1000))],
      // Held: 300 < MSS, < 1000 queued, < 65535/2. The timer runs with the RTO (200).
      [230, '>', '. 1:301(300) ack 1'],
      [240, '<', '. 1:1(0) ack 301 win 300'],
      // The ACK gave an RTT sample (10 ms): RTO 200 again, armed when the window held the data back.
      [440, '>', '. 301:601(300) ack 1'],
      [445, '<', '. 1:1(0) ack 601 win 1000'],
      [445, '>', 'P. 601:1001(400) ack 1'],
      [450, '<', '. 1:1(0) ack 1001 win 1000'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ bytesInFlight: 0, sendBuffered: 0, backoff: 0 });
    expect(s.conn!.nextDeadline()).toBe(Infinity);
  });
});

describe('receiver-side SWS avoidance (RFC 9293 §3.8.6.2.2)', () => {
  it('the right edge moves only by min(buffer/2, MSS); small reads do not show in ACKs', () => {
    plain({ recvBufferSize: 4000 }).run([
      [20, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1001 win 3000'],
      [21, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 2001 win 2000'],
      [22, '<', 'P. 2001:3001(1000) ack 1 win 65535'],
      [22, '>', '. 1:1(0) ack 3001 win 1000'],
      [23, '<', 'P. 3001:3501(500) ack 1 win 65535'],
      [23, '>', '. 1:1(0) ack 3501 win 500'],
      [30, 'call', (c) => expect(c.recv(new Uint8Array(300))).toBe(300)],
      // 300 bytes were freed, but the edge stays at 4001: win 400, not 700.
      [31, '<', 'P. 3501:3601(100) ack 1 win 65535'],
      [31, '>', '. 1:1(0) ack 3601 win 400'],
      [32, 'call', (c) => expect(c.recv(new Uint8Array(800))).toBe(800)], // 1100 freed ≥ 1000: an update
      [32, '>', '. 1:1(0) ack 3601 win 1500'],
    ]).done();
  });

  it('a closed window stays closed after a 1-byte read', () => {
    plain({ recvBufferSize: 2000 }).run([
      [20, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1001 win 1000'],
      [21, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 2001 win 0'],
      [30, 'call', (c) => expect(c.recv(new Uint8Array(1))).toBe(1)],
      [40, '<', '. 2001:2002(1) ack 1 win 65535'], // a zero-window probe
      [40, '>', '. 1:1(0) ack 2001 win 0'],
      [50, 'call', (c) => expect(c.recv(new Uint8Array(999))).toBe(999)], // 1000 = min(1000, 1000)
      [50, '>', '. 1:1(0) ack 2001 win 1000'],
    ]).done();
  });
});
