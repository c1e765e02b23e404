import { describe, expect, it } from 'vitest';
import { StackError } from '@stack/interfaces';
import { TcpState } from './state.js';
import { active, established, passive, plain } from './fixtures.test-helper.js';
import { resolveTcpConfig } from '../config.js';
import { TcpConnection } from './connection.js';
import { Script, pattern } from './script.test-helper.js';

describe('data transfer (RFC 9293 §3.8, §3.10)', () => {
  it('receives in order, acknowledges cumulatively, shrinks and reopens the window', () => {
    plain({ recvBufferSize: 4000 }).run([
      [20, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1001 win 3000'],
      [21, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 2001 win 2000'],
      // Reading 2000 bytes frees ≥ min(buffer/2, MSS): a window update goes out.
      [30, 'call', (c) => {
        const b = new Uint8Array(2000);
        expect(c.recv(b)).toBe(2000);
        expect(b).toEqual(pattern(1, 2000));
      }],
      [30, '>', '. 1:1(0) ack 2001 win 4000'],
    ]).done();
  });

  it('small reads add up to a window update once the window grows by min(buffer/2, MSS)', () => {
    const s = plain({ recvBufferSize: 4000 }).run([
      [20, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1001 win 3000'],
      [21, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 2001 win 2000'],
      [22, '<', 'P. 2001:3001(1000) ack 1 win 65535'],
      [22, '>', '. 1:1(0) ack 3001 win 1000'],
      [23, '<', 'P. 3001:4001(1000) ack 1 win 65535'],
      [23, '>', '. 1:1(0) ack 4001 win 0'],
      [30, 'call', (c) => expect(c.recv(new Uint8Array(500))).toBe(500)], // 500 < min(2000, 1000): no update
      [31, 'call', (c) => expect(c.recv(new Uint8Array(499))).toBe(499)],
      [32, 'call', (c) => expect(c.recv(new Uint8Array(1))).toBe(1)], // 1000 in all
      [32, '>', '. 1:1(0) ack 4001 win 1000'],
    ]).done();
    expect(s.conn!.info().rcvWnd).toBe(1000);
  });

  it('holds out-of-order data and delivers it when the hole fills (no SACK negotiated)', () => {
    const s = plain().run([
      [20, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1 <>'],
      [21, '<', 'P. 3001:3501(500) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 1 <>'],
      [22, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [22, '>', '. 1:1(0) ack 2001'],
      [23, '<', 'P. 501:1501(1000) ack 1 win 65535'], // all old
      [23, '>', '. 1:1(0) ack 2001'],
      [24, '<', 'P. 1501:3001(1500) ack 1 win 65535'], // overlaps old data and fills the second hole
      [24, '>', '. 1:1(0) ack 3501'],
    ]).done();
    expect(s.conn!.counters.outOfOrder).toBe(2);
    const b = new Uint8Array(4000);
    expect(s.conn!.recv(b)).toBe(3500);
    expect(b.subarray(0, 3500)).toEqual(pattern(1, 3500));
  });

  it('sends SACK blocks for held data, the latest first (RFC 2018 §4)', () => {
    const s = established().run([
      [20, '<', 'P. 1001:2001(1000) ack 1 win 65535 <TS val 120 ecr 10>'],
      [20, '>', '. 1:1(0) ack 1 <TS val 20 ecr 110,sack 1001:2001>'],
      [21, '<', 'P. 3001:4001(1000) ack 1 win 65535 <TS val 121 ecr 10>'],
      [21, '>', '. 1:1(0) ack 1 <TS val 21 ecr 110,sack 3001:4001 1001:2001>'],
      [22, '<', 'P. 2001:3001(1000) ack 1 win 65535 <TS val 122 ecr 10>'],
      [22, '>', '. 1:1(0) ack 1 <TS val 22 ecr 110,sack 1001:4001>'],
      [23, '<', 'P. 1:1001(1000) ack 1 win 65535 <TS val 123 ecr 10>'],
      [23, '>', '. 1:1(0) ack 4001 <TS val 23 ecr 123>'],
    ]).done();
    expect(s.conn!.readable).toBe(4000);
  });

  it('a FIN that arrives before the data in front of it takes effect when the data does', () => {
    const s = plain().run([
      [20, '<', 'F. 1001:1001(0) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1'],
      [21, 'call', (c) => expect(c.state).toBe(TcpState.ESTABLISHED)],
      [30, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [30, '>', '. 1:1(0) ack 1002'],
    ]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSE_WAIT);
  });

  it('reassembly is bounded: past reassemblyRanges, out-of-order data is dropped', () => {
    const s = plain({ reassemblyRanges: 1 }).run([
      [20, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1'],
      [21, '<', 'P. 3001:4001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 1'],
      [22, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [22, '>', '. 1:1(0) ack 2001'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ outOfOrder: 2, outOfOrderDropped: 1 });
  });

  it('after go-back-N, a pure ACK still carries SND.MAX (else the peer finds it unacceptable)', () => {
    plain().run([
      [20, 'call', (c) => c.send(pattern(1, 2000))],
      [20, '>', '. 1:1001(1000) ack 1'],
      [20, '>', 'P. 1001:2001(1000) ack 1'],
      [220, '>', '. 1:1001(1000) ack 1'], // RTO: back to SND.UNA, cwnd 1 MSS
      [230, '<', 'P. 1:11(10) ack 1 win 65535'],
      [230, '>', '. 2001:2001(0) ack 11'],
    ]).done();
  });

  it('trims data beyond the window it advertised', () => {
    const s = plain({ recvBufferSize: 1500 });
    s.run([
      [20, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 1001 win 500'],
      [21, '<', 'P. 1001:2001(1000) ack 1 win 65535'],
      [21, '>', '. 1:1(0) ack 1501 win 0'],
      [22, '<', 'P. 1501:1502(1) ack 1 win 65535'], // zero window: not acceptable, ACK
      [22, '>', '. 1:1(0) ack 1501 win 0'],
    ]).done();
    expect(s.conn!.readable).toBe(1500);
  });

  it('sends in MSS-sized segments within the peer window, and more as it opens', () => {
    const s = plain().run([
      [20, '<', '. 1:1(0) ack 1 win 2500'],
      [30, 'call', (c) => expect(c.send(pattern(1, 4000))).toBe(4000)],
      [30, '>', '. 1:1001(1000) ack 1'],
      [30, '>', '. 1001:2001(1000) ack 1'],
      // The last 500 bytes of window are a sliver (< half the 65535 once offered): not used (SWS avoidance).
      [40, '<', '. 1:1(0) ack 2001 win 2500'],
      [40, '>', '. 2001:3001(1000) ack 1'],
      [40, '>', 'P. 3001:4001(1000) ack 1'],
      [50, '<', '. 1:1(0) ack 4001 win 2500'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ bytesInFlight: 0, sendBuffered: 0, sndWnd: 2500 });
  });

  it('uses the scaled window and the MSS beside timestamps (988 bytes)', () => {
    const s = established({ sendBufferSize: 3000 });
    s.run([
      [20, 'call', (c) => {
        expect(c.send(pattern(1, 5000))).toBe(3000);
        expect(c.writable).toBe(0);
      }],
      [20, '>', '. 1:989(988) ack 1 <TS val 20 ecr 110>'],
      [20, '>', '. 989:1977(988) ack 1'],
      [20, '>', '. 1977:2965(988) ack 1'],
      [20, '>', 'P. 2965:3001(36) ack 1'],
      [30, '<', '. 1:1(0) ack 3001 win 65535 <TS val 130 ecr 20>'],
    ]).done();
    expect(s.conn!.writable).toBe(3000);
    expect(s.conn!.info().srtt).toBe(10);
  });

  it('the congestion window limits the first flight to IW10 (RFC 6928)', () => {
    const s = plain({ sendBufferSize: 30_000 }).run([[20, 'call', (c) => c.send(pattern(1, 30_000))]]);
    // IW = min(10·SMSS, max(2·SMSS, 14600)) with SMSS = 1000, the negotiated MSS.
    expect(s.sent.filter((c) => c.time === 20).length).toBe(10);
    expect(s.conn!.info()).toMatchObject({ bytesInFlight: 10_000, cwnd: 10_000 });
    s.run([
      [20, '>', '. 1:1001(1000) ack 1'], [20, '>', '. 1001:2001(1000) ack 1'], [20, '>', '. 2001:3001(1000) ack 1'],
      [20, '>', '. 3001:4001(1000) ack 1'], [20, '>', '. 4001:5001(1000) ack 1'], [20, '>', '. 5001:6001(1000) ack 1'],
      [20, '>', '. 6001:7001(1000) ack 1'], [20, '>', '. 7001:8001(1000) ack 1'], [20, '>', '. 8001:9001(1000) ack 1'],
      [20, '>', '. 9001:10001(1000) ack 1'],
      // Slow start: an ACK of 2000 bytes grows cwnd by one MSS (RFC 3465 L=1), so 3000 more may go.
      [30, '<', '. 1:1(0) ack 2001 win 65535'],
      [30, '>', '. 10001:11001(1000) ack 1'], [30, '>', '. 11001:12001(1000) ack 1'], [30, '>', '. 12001:13001(1000) ack 1'],
    ]).done();
    expect(s.conn!.info().cwnd).toBe(11_000);
  });

  it('sending after shutdown is misuse', () => {
    const s = plain().run([[20, 'call', (c) => c.shutdown()], [20, '>', 'F. 1:1(0) ack 1']]);
    expect(() => s.conn!.send(new Uint8Array(1))).toThrow(StackError);
    expect(s.conn!.writable).toBe(0);
    expect(s.conn!.state).toBe(TcpState.FIN_WAIT_1);
  });

  it('data queued before the handshake completes goes out after it', () => {
    active({ timestamps: false, sack: false, windowScaling: false }).run([
      [0, 'call', (c) => expect(c.send(pattern(1, 100))).toBe(100)],
      [0, '>', 'S 0:0(0) <mss 1460>'],
      [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1000>'],
      [10, '>', 'P. 1:101(100) ack 1'],
    ]).done();
  });
});

describe('both sequence spaces across 2^32', () => {
  it('the peer ISN just below the wrap: reassembly, SACK blocks and delivery across it', () => {
    const s = new Script(
      (syn) => TcpConnection.accept(syn, { localPort: 80, remotePort: 5555, iss: 0xfffffff0, config: resolveTcpConfig({ timestamps: false, delayedAck: 0 }) }),
      { localPort: 80, remotePort: 5555, peerIsn: 0xffffff00 },
    ).run([
      [0, '<', 'S 0:0(0) win 65535 <mss 1000,sackOK>'],
      [0, '>', 'S. 0:0(0) ack 1 <mss 1460,sackOK>'],
      [1, '<', '. 1:1(0) ack 1 win 65535'],
      [2, '<', 'P. 1001:2001(1000) ack 1 win 65535'], // 2^32 falls inside the hole before it
      [2, '>', '. 1:1(0) ack 1 <sack 1001:2001>'],
      [3, '<', 'P. 1:1001(1000) ack 1 win 65535'],
      [3, '>', '. 1:1(0) ack 2001 <>'],
    ]).done();
    const b = new Uint8Array(2000);
    expect(s.conn!.recv(b)).toBe(2000);
    expect(b).toEqual(pattern(1, 2000));
  });
});

describe('PAWS (RFC 7323 §5)', () => {
  it('drops a segment with an older TSval and answers with an ACK; accepts newer ones', () => {
    const s = established().run([
      [20, '<', 'P. 1:11(10) ack 1 win 65535 <TS val 120 ecr 10>'],
      [20, '>', '. 1:1(0) ack 11 <TS val 20 ecr 120>'],
      [21, '<', 'P. 11:21(10) ack 1 win 65535 <TS val 119 ecr 10>'],
      [21, '>', '. 1:1(0) ack 11 <TS val 21 ecr 120>'],
      [22, '<', 'P. 11:21(10) ack 1 win 65535 <TS val 120 ecr 10>'], // equal is not older
      [22, '>', '. 1:1(0) ack 21 <TS val 22 ecr 120>'],
      [23, '<', 'P. 21:31(10) ack 1 win 65535'], // no timestamps once negotiated: dropped silently (§3.2)
    ]).done();
    expect(s.conn!.counters.pawsDropped).toBe(2);
    expect(s.conn!.readable).toBe(20);
  });

  it('an RST is not subject to PAWS', () => {
    const s = established().run([[20, '<', 'R 1:1(0) <TS val 1 ecr 0>']]).done();
    expect(s.conn!.error).toBe('reset');
  });

  it('TS.Recent follows segments that cover Last.ACK.sent (RFC 7323 §4.3), across the TSval wrap', () => {
    passive().run([
      [0, '<', 'S 0:0(0) win 65535 <mss 1000,TS val 4294967290 ecr 0>'],
      [0, '>', 'S. 0:0(0) ack 1 <mss 1460,TS val 0 ecr 4294967290>'],
      [10, '<', 'P. 1:11(10) ack 1 win 65535 <TS val 4294967295 ecr 0>'],
      [10, '>', '. 1:1(0) ack 11 <TS val 10 ecr 4294967295>'],
      [20, '<', 'P. 11:21(10) ack 1 win 65535 <TS val 5 ecr 10>'],
      [20, '>', '. 1:1(0) ack 21 <TS val 20 ecr 5>'],
      [30, '<', 'P. 21:31(10) ack 1 win 65535 <TS val 4294967294 ecr 10>'], // from before the wrap: old
      [30, '>', '. 1:1(0) ack 21 <TS val 30 ecr 5>'],
    ]).done();
  });
});
