import { describe, expect, it } from 'vitest';
import { resolveTcpConfig, type TcpConfig } from '../config.js';
import { ISS, PLAIN, plain } from './fixtures.test-helper.js';
import { TcpConnection } from './connection.js';
import { Script, pattern } from './script.test-helper.js';
import { check } from './sim.test-helper.js';

// Large segments both ways: GSO on the send side (SegmentOut.gsoSize), and
// whole large segments (GRO/LRO from below) on the receive side.

/** Active open without options but with GSO, ESTABLISHED at t=10: MSS 1000, IW 10000, RTO 200. */
function gso(gsoMaxSize: number, config: TcpConfig = {}, peerWindow = 65535): Script {
  const c = TcpConnection.connect({ localPort: 40000, remotePort: 5555, iss: ISS, gsoMaxSize, config: resolveTcpConfig({ delayedAck: 0, ...PLAIN, ...config }) });
  return new Script(c).run([
    [0, '>', 'S 0:0(0) <mss 1460>'],
    [10, '<', `S. 0:0(0) ack 1 win ${peerWindow} <mss 1000>`],
    [10, '>', '. 1:1(0) ack 1 <>'],
  ]);
}

describe('GSO: large segments out', () => {
  it('one segment carries as many MSS as the windows allow, cut at the MSS; PSH and FIN on the last byte', () => {
    const s = gso(65_000).run([
      [20, 'call', (c) => c.send(pattern(1, 15_000))],
      [20, '>', '. 1:10001(10000) ack 1 gso 1000'], // the initial window: 10 segments in one
      [25, 'call', (c) => c.shutdown()], // the FIN waits behind the data the window holds back
      [30, '<', '. 1:1(0) ack 10001 win 65535'],
      [30, '>', 'FP. 10001:15001(5000) ack 1 gso 1000'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ segmentsOut: 2 + 10 + 5, gsoSegments: 2, retransmits: 0 });
    expect(s.conn!.info().gsoMaxSize).toBe(65_000);
  });

  it('uses whole MSS pieces of gsoMaxSize; a segment of one MSS or less is ordinary (gso 0)', () => {
    gso(3500).run([
      [20, 'call', (c) => c.send(pattern(1, 8000))],
      [20, '>', '. 1:3001(3000) ack 1 gso 1000'],
      [20, '>', '. 3001:6001(3000) ack 1 gso 1000'],
      [20, '>', '. 6001:8001(2000) ack 1 gso 1000'],
      [30, '<', '. 1:1(0) ack 8001 win 65535'],
      [40, 'call', (c) => c.send(pattern(8001, 1000))],
      [40, '>', 'P. 8001:9001(1000) ack 1 gso 0'],
    ]).done();
  });

  it('Nagle stays per MSS: full pieces go, a short tail waits behind unacknowledged small data', () => {
    gso(65_000).run([
      [20, 'call', (c) => c.send(pattern(1, 2500))],
      [20, '>', 'P. 1:2501(2500) ack 1 gso 1000'], // nothing small in flight: the tail goes
      [21, 'call', (c) => c.send(pattern(2501, 2500))],
      [21, '>', '. 2501:4501(2000) ack 1 gso 1000'], // the 500-byte tail waits (Nagle, Minshall's form)
      [30, '<', '. 1:1(0) ack 4501 win 65535'],
      [30, '>', 'P. 4501:5001(500) ack 1 gso 0'],
    ]).done();
  });

  it('silly-window avoidance stays per MSS: a tail under half the peer\'s largest window waits for the window', () => {
    gso(65_000, {}, 6000).run([
      [20, 'call', (c) => c.send(pattern(1, 8000))],
      [20, '>', '. 1:6001(6000) ack 1 gso 1000'],
      [30, '<', '. 1:1(0) ack 6001 win 2500'], // the 2000 left fit the 2500 usable: all of it goes
      [30, '>', 'P. 6001:8001(2000) ack 1 gso 1000'],
      [40, '<', '. 1:1(0) ack 8001 win 6000'],
      [40, 'call', (c) => c.send(pattern(8001, 4000))],
      [40, '>', '. 8001:12001(4000) ack 1 gso 1000'],
      [50, '<', '. 1:1(0) ack 8001 win 6500'], // 2500 more usable: 2 pieces; the 500 tail is < 6500 / 2 and not all
      [51, 'call', (c) => c.send(pattern(12001, 3000))],
      [51, '>', '. 12001:14001(2000) ack 1 gso 1000'],
    ]).done();
  });

  it('retransmissions after an RTO go per MSS and count as the segments they are', () => {
    const s = gso(65_000).run([
      [20, 'call', (c) => c.send(pattern(1, 4000))],
      [20, '>', 'P. 1:4001(4000) ack 1 gso 1000'],
      [220, '>', '. 1:1001(1000) ack 1 gso 0'], // RTO: cwnd 1 MSS
      [230, '<', '. 1:1(0) ack 1001 win 65535'],
      [230, '>', '. 1001:3001(2000) ack 1 gso 1000'], // go-back-N in one GSO segment of 2 MSS
    ]).done();
    expect(s.conn!.counters).toMatchObject({ timeouts: 1, retransmits: 3, bytesRetransmitted: 3000, segmentsOut: 2 + 4 + 1 + 2 });
  });
});

describe('large segments in', () => {
  it('a 64000-byte in-order segment is taken whole when the window allows, and acknowledged at once', () => {
    const s = plain().run([
      [20, '<', 'P. 1:64001(64000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 64001 win 1535'],
    ]).done();
    expect(s.conn!.readable).toBe(64_000);
    const b = new Uint8Array(64_000);
    expect(s.conn!.recv(b)).toBe(64_000);
    expect(b).toEqual(pattern(1, 64_000));
    expect(s.conn!.info()).toMatchObject({ rcvMss: 1460 }); // "full-sized" stays capped at our MSS
  });

  it('a large segment beyond the window is trimmed to it', () => {
    const s = plain({ recvBufferSize: 30_000 }).run([
      [20, '<', 'P. 1:40001(40000) ack 1 win 65535'],
      [20, '>', '. 1:1(0) ack 30001 win 0'],
    ]).done();
    expect(s.conn!.readable).toBe(30_000);
  });
});

describe('GSO between two engines over a lossy link (the channel cuts large segments like a device)', () => {
  it('every byte arrives once and in order, at 0 % and 5 % loss, with and without SACK', () => {
    for (const [seed, loss, sack] of [[1, 0, true], [2, 0.05, true], [3, 0.05, false], [4, 0.02, true]] as const) {
      const r = check({
        seed, loss, duplicate: 0.01, jitter: 1, spacing: 0.05, sizeA: 300_000, sizeB: 50_000, gsoMaxSize: 30_000,
        config: { sack, sendBufferSize: 131_072, recvBufferSize: 131_072, timeWait: 0 },
      });
      expect(r.a.counters.gsoSegments, `seed ${seed}`).toBeGreaterThan(0);
      expect(r.a.counters.segmentsOut).toBeGreaterThan(300_000 / 1448);
    }
  }, 60_000);
});
