import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { resolveTcpConfig } from '../config.js';
import { ISS, PLAIN, plain } from './fixtures.test-helper.js';
import { TcpConnection } from './connection.js';
import { burst, Script, pattern, type Step } from './script.test-helper.js';

// MSS from the route MTU (RFC 9293 §3.7.1, RFC 879) and path MTU changes (RFC 1191 §6.3).

function withMtu(mtu: number, config = {}): Script {
  return new Script(TcpConnection.connect({ localPort: 40000, remotePort: 5555, iss: ISS, mtu, config: resolveTcpConfig({ delayedAck: 0, ...config }) }));
}

/** Five segments of 1000 bytes out at t=20 (IW 10000 allows them all). */
const FIVE: readonly Step[] = burst(5);

describe('MSS and path MTU', () => {
  it('announces min(config.mss, route MTU − 40) and sends no larger (RFC 9293 §3.7.1)', () => {
    const s = withMtu(1280, { ...PLAIN }).run([
      [0, '>', 'S 0:0(0) <mss 1240>'],
      [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1460>'],
      [10, '>', '. 1:1(0) ack 1 <>'],
      [20, 'call', (c) => c.send(pattern(1, 2000))],
      [20, '>', '. 1:1241(1240) ack 1'],
      [20, '>', 'P. 1241:2001(760) ack 1'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ mss: 1240, advMss: 1240, peerMss: 1460, pmtu: 1280 });
    // A route MTU above config.mss + 40 changes nothing.
    withMtu(9000, { ...PLAIN }).run([[0, '>', 'S 0:0(0) <mss 1460>']]);
  });

  it('rejects an mtu or gsoMaxSize out of range', () => {
    for (const bad of [{ mtu: 67 }, { mtu: 65_536 }, { mtu: 1500.5 }, { gsoMaxSize: -1 }, { gsoMaxSize: 70_000 }]) {
      let err: unknown;
      try {
        TcpConnection.connect({ localPort: 1, remotePort: 2, iss: 0, ...bad });
      } catch (e) {
        err = e;
      }
      expect(isStackError(err, 'ERR_INVALID_ARGUMENT'), JSON.stringify(bad)).toBe(true);
    }
  });

  it('a smaller path MTU resends the flight at once at the new size, not as congestion (tcp_simple_retransmit)', () => {
    const s = plain().run(FIVE);
    const before = s.conn!.info();
    s.run([
      [25, 'call', (c, now) => c.pathMtuChanged(800, now)],
      // MSS 760: everything from SND.UNA again, as much as the unchanged window takes.
      [25, '>', '. 1:761(760) ack 1'],
      [25, '>', '. 761:1521(760) ack 1'],
      [25, '>', '. 1521:2281(760) ack 1'],
      [25, '>', '. 2281:3041(760) ack 1'],
      [25, '>', '. 3041:3801(760) ack 1'],
      [25, '>', '. 3801:4561(760) ack 1'],
      [25, '>', 'P. 4561:5001(440) ack 1'],
    ]).done();
    const after = s.conn!.info();
    expect(after).toMatchObject({ mss: 760, pmtu: 800, cwnd: before.cwnd, ssthresh: before.ssthresh, rto: before.rto, backoff: 0, recovering: false });
    expect(s.conn!.counters).toMatchObject({ mtuReductions: 1, retransmits: 7, bytesRetransmitted: 5000, timeouts: 0, fastRetransmits: 0 });
    // Duplicate ACKs for the old flight start no fast retransmit; the RTO restarted at 25.
    s.run([
      [30, '<', '. 1:1(0) ack 1 win 65535'],
      [31, '<', '. 1:1(0) ack 1 win 65535'],
      [32, '<', '. 1:1(0) ack 1 win 65535'],
      [33, '<', '. 1:1(0) ack 1 win 65535'],
      [225, '>', '. 1:761(760) ack 1'],
    ]);
    expect(s.conn!.counters.fastRetransmits).toBe(0);
  });

  it('nothing is resent when the segments in flight fit the new MTU; increases and repeats are ignored', () => {
    const s = plain().run(FIVE);
    s.run([[25, 'call', (c, now) => c.pathMtuChanged(1040, now)]]).done(); // MSS 1000: what is in flight fits
    expect(s.conn!.info()).toMatchObject({ mss: 1000, pmtu: 1040 });
    s.run([
      [26, 'call', (c, now) => c.pathMtuChanged(1500, now)], // an increase: ignored
      [27, 'call', (c, now) => c.pathMtuChanged(Number.NaN, now)],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ mss: 1000, pmtu: 1040 });
    expect(s.conn!.counters).toMatchObject({ mtuReductions: 0, retransmits: 0 });
    // Below 68: taken as 68, and the MSS never goes under 64.
    s.run([
      [28, 'call', (c, now) => c.pathMtuChanged(10, now)],
      [28, '>', '. 1:65(64) ack 1'],
    ]);
    expect(s.conn!.info()).toMatchObject({ mss: 64, pmtu: 68 });
    // The whole flight went again in 64-byte pieces (the window holds it all).
    expect(s.conn!.counters).toMatchObject({ mtuReductions: 1, retransmits: Math.ceil(5000 / 64), bytesRetransmitted: 5000 });
  });

  it('lowers the send MSS beside timestamps and applies to a handshake still in progress', () => {
    const s = withMtu(1500).run([
      [0, '>', 'S 0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 1>'],
      [5, 'call', (c, now) => c.pathMtuChanged(1000, now)],
      [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 110 ecr 0,nop,wscale 0>'],
      [10, '>', '. 1:1(0) ack 1 <TS val 10 ecr 110>'],
      [20, 'call', (c) => c.send(pattern(1, 1000))],
      [20, '>', '. 1:949(948) ack 1'], // 1000 − 40 − 12
      [20, '>', 'P. 949:1001(52) ack 1'],
    ]);
    expect(s.conn!.info()).toMatchObject({ mss: 948, advMss: 1460, pmtu: 1000 });
  });
});
