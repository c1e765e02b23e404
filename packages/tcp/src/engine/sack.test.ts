import { describe, expect, it } from 'vitest';
import { PLAIN, active } from './fixtures.test-helper.js';
import { burst, type Script } from './script.test-helper.js';
import type { TcpConfig } from '../config.js';
import { check } from './sim.test-helper.js';

// SACK-based loss recovery (RFC 6675 over RFC 2018 blocks): the scoreboard,
// IsLost, pipe and NextSeg, RTOs that skip SACKed data, reneging, bogus blocks.

/** Active open with SACK but no timestamps (MSS 1000), ESTABLISHED at t=10, RTO 200, CUBIC. */
function sackOn(config: TcpConfig = {}): Script {
  return active({ ...PLAIN, sack: true, ...config }).run([
    [0, '>', 'S 0:0(0) <mss 1460,sackOK>'],
    [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK>'],
    [10, '>', '. 1:1(0) ack 1 <>'],
  ]);
}

/** `n` segments of 1000 bytes out at t=20 (from a write of `total` bytes). */

describe('SACK-based loss recovery (RFC 6675)', () => {
  it('one lost segment: recovery on the third SACK, only the hole goes again, ends at RecoveryPoint', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001>'],
      [31, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:3001>'],
      [32, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'],
      [32, '>', '. 1:1001(1000) ack 1'],
      [33, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:5001>'],
    ]).done();
    // ssthresh = 0.7 × 5000; the window in recovery is ssthresh, pipe = 5000 − 4000 SACKed − 1000 lost + 1000 resent.
    expect(s.conn!.info()).toMatchObject({ recovering: true, ssthresh: 3500, cwnd: 3500, sacked: 4000, lost: 1000, pipe: 1000 });
    s.run([[42, '<', '. 1:1(0) ack 5001 win 65535']]).done();
    expect(s.conn!.info()).toMatchObject({ recovering: false, sacked: 0, bytesInFlight: 0, cwnd: 2000 });
    expect(s.conn!.counters).toMatchObject({ sackRecoveries: 1, fastRetransmits: 1, retransmits: 1, bytesRetransmitted: 1000, sackedBytes: 4000, timeouts: 0 });
  });

  it('IsLost(SND.UNA) starts recovery before three duplicate ACKs when one ACK SACKs more than 2 MSS', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'], // one duplicate ACK, 3000 bytes SACKed above the hole
      [30, '>', '. 1:1001(1000) ack 1'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ sackRecoveries: 1 });
  });

  it('two holes: new data as SACKs free the pipe, the second hole once IsLost says so, no SACKed byte again', () => {
    const s = sackOn().run([
      ...burst(10, 15_000),
      // Before recovery, SACKed segments leave the pipe (RFC 6675 §5 step 3): new data goes.
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001>'],
      [30, '>', '. 10001:11001(1000) ack 1'],
      [31, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:3001>'],
      [31, '>', '. 11001:12001(1000) ack 1'],
      // 3000 bytes SACKed above SND.UNA: IsLost. ssthresh = 0.7 × 12000 = 8400; the first hole goes at once;
      // pipe = 12000 − 3000 SACKed − 1000 lost + 1000 resent = 9000: nothing more.
      [32, '<', '. 1:1(0) ack 1 win 65535 <sack 4001:5001 1001:3001>'],
      [32, '>', '. 1:1001(1000) ack 1'],
      [33, '<', '. 1:1(0) ack 1 win 65535 <sack 4001:6001 1001:3001>'], // pipe 8000: less than an MSS of room
      // 3000 SACKed above 3001: lost too. pipe 6000: the hole (rule 1), then new data (rule 2).
      [34, '<', '. 1:1(0) ack 1 win 65535 <sack 4001:7001 1001:3001>'],
      [34, '>', '. 3001:4001(1000) ack 1'],
      [34, '>', '. 12001:13001(1000) ack 1'],
      [35, '<', '. 1:1(0) ack 1 win 65535 <sack 4001:8001 1001:3001>'],
      [35, '>', '. 13001:14001(1000) ack 1'],
      // The first retransmission arrived: a partial ACK; 2000 bytes left the pipe, room for the last segment.
      [42, '<', '. 1:1(0) ack 3001 win 65535 <sack 4001:8001>'],
      [42, '>', 'P. 14001:15001(1000) ack 1'],
      // The second: past RecoveryPoint (12001).
      [44, '<', '. 1:1(0) ack 12001 win 65535'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ recovering: false, ssthresh: 8400 });
    expect(s.conn!.counters).toMatchObject({ sackRecoveries: 1, retransmits: 2, bytesRetransmitted: 2000, timeouts: 0 });
    // Every retransmission was one of the two holes.
    const rel = (seq: number): number => ((seq - s.sent[0]!.repr.seq) >>> 0) - 1;
    const resent = s.sent.filter((c) => c.time >= 32 && c.repr.payloadLength > 0 && rel(c.repr.seq) < 12_000);
    expect(resent.map((c) => rel(c.repr.seq))).toEqual([0, 3000]);
  });

  it('a loss at the tail is repaired by the rescue retransmission once the first hole is acknowledged (RFC 6675 §4 rule 4)', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'], // 1:1001 and 4001:5001 were lost
      [30, '>', '. 1:1001(1000) ack 1'],
      // The retransmission arrived. Nothing above 4001 is SACKed, so nothing is deemed lost: the rescue
      // sends the highest unSACKed segment rather than wait for the RTO.
      [40, '<', '. 1:1(0) ack 4001 win 65535'],
      [40, '>', 'P. 4001:5001(1000) ack 1'],
      [50, '<', '. 1:1(0) ack 5001 win 65535'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ retransmits: 2, timeouts: 0, sackRecoveries: 1 });
    expect(s.conn!.info().recovering).toBe(false);
  });

  it('a lost retransmission waits for the RTO, which then resends only what is not SACKed (RFC 6675 §5.1)', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001>'],
      [31, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:3001>'],
      [32, '<', '. 1:1(0) ack 1 win 65535 <sack 4001:5001 1001:3001>'],
      [32, '>', '. 1:1001(1000) ack 1'],
      // pipe 2000 < ssthresh 3500, no new data: rule 3 sends the hole not yet deemed lost.
      [32, '>', '. 3001:4001(1000) ack 1'],
      // Both retransmissions are lost. Nothing more until the RTO (armed at t=20): cwnd 1 MSS, from SND.UNA.
      [220, '>', '. 1:1001(1000) ack 1'],
      [230, '<', '. 1:1(0) ack 3001 win 65535 <sack 4001:5001>'],
      // cwnd 2 MSS: the hole goes again, 4001:5001 (SACKed) is skipped.
      [230, '>', '. 3001:4001(1000) ack 1'],
      [240, '<', '. 1:1(0) ack 5001 win 65535'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ timeouts: 1, retransmits: 4, bytesRetransmitted: 4000, sackRecoveries: 1 });
    expect(s.conn!.info()).toMatchObject({ bytesInFlight: 0, sendBuffered: 0 });
  });

  it('reneging: SACKed bytes stay in the send buffer until cumulatively acknowledged, and go again when the peer drops them', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001>'],
      [31, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:3001>'],
      [32, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'],
      [32, '>', '. 1:1001(1000) ack 1'],
    ]);
    expect(s.conn!.info()).toMatchObject({ sacked: 3000, sendBuffered: 5000 });
    // The peer acknowledges the retransmission but not the data it SACKed: it reneged (RFC 2018 §8).
    s.run([[42, '<', '. 1:1(0) ack 1001 win 65535']]);
    expect(s.conn!.info()).toMatchObject({ sacked: 0, sendBuffered: 4000, bytesInFlight: 4000 });
    expect(s.conn!.counters.sackReneging).toBe(1);
    // Without SACK information nothing is deemed lost; the RTO (restarted at 42) resends from SND.UNA,
    // the bytes checked against what was written.
    s.run([
      [242, '>', '. 1001:2001(1000) ack 1'],
      [250, '<', '. 1:1(0) ack 2001 win 65535'],
      [250, '>', '. 2001:3001(1000) ack 1'],
      [250, '>', '. 3001:4001(1000) ack 1'],
      [260, '<', '. 1:1(0) ack 4001 win 65535'],
      [260, '>', 'P. 4001:5001(1000) ack 1'],
      [270, '<', '. 1:1(0) ack 5001 win 65535'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ sendBuffered: 0, bytesInFlight: 0 });
  });

  it('bogus SACK blocks are ignored: outside SND.UNA..SND.MAX, D-SACKs below SND.UNA, empty or inverted', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1001 win 65535'],
      [31, '<', '. 1:1(0) ack 1001 win 65535 <sack 1:1001>'], // D-SACK below SND.UNA (RFC 2883)
      [32, '<', '. 1:1(0) ack 1001 win 65535 <sack 6001:7001 3001:2001>'], // past SND.MAX; inverted
      [33, '<', '. 1:1(0) ack 1001 win 65535 <sack 1001:2001 2001:2001>'], // starting at SND.UNA; empty
      [34, '<', '. 1:1(0) ack 1001 win 65535 <sack 4001:6001>'], // runs past SND.MAX
    ]).done();
    expect(s.conn!.counters).toMatchObject({ sackBlocksIgnored: 6, sackedBytes: 0, sackRecoveries: 0, fastRetransmits: 0 });
    expect(s.conn!.info()).toMatchObject({ sacked: 0, recovering: false });
  });

  it('a valid block among bogus ones counts; duplicate SACK information is no duplicate ACK', () => {
    const s = sackOn().run([
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001 9001:9999>'],
      [31, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001>'], // nothing new: not a duplicate (RFC 6675 §2)
      [32, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:2001>'],
    ]).done();
    expect(s.conn!.counters).toMatchObject({ sackedBytes: 1000, sackBlocksIgnored: 1, sackRecoveries: 0 });
  });

  it('without SACK negotiated the peer\'s blocks are not used: NewReno on the third duplicate ACK', () => {
    const s = active({ ...PLAIN, sack: false }).run([
      [0, '>', 'S 0:0(0) <mss 1460>'],
      [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK>'],
      [10, '>', '. 1:1(0) ack 1 <>'],
      ...burst(5),
      [30, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'], // IsLost would hold, were SACK in use
      [31, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'],
      [32, '<', '. 1:1(0) ack 1 win 65535 <sack 1001:4001>'],
      [32, '>', '. 1:1001(1000) ack 1'],
    ]).done();
    expect(s.conn!.info()).toMatchObject({ sack: false, sacked: 0, recovering: true, cwnd: 6500 });
    expect(s.conn!.counters).toMatchObject({ fastRetransmits: 1, sackRecoveries: 0, sackedBytes: 0 });
  });
});

describe('SACK against NewReno, two engines over a lossy link (5 %, seeded)', () => {
  it('SACK resends little beyond what was lost, and less than NewReno with go-back-N', () => {
    const MSS = 1448; // 1460 less timestamps
    const total = { sack: { extra: 0, timeouts: 0 }, newreno: { extra: 0, timeouts: 0 } };
    for (let seed = 1; seed <= 6; seed++) {
      for (const sack of [true, false]) {
        // A link of limited rate (0.1 ms per segment), so the receiver sees segments one by one and ACKs them.
        const r = check({
          seed, loss: 0.05, duplicate: 0, jitter: 0, spacing: 0.1, sizeA: 400_000, sizeB: 0,
          config: { sack, sendBufferSize: 262_144, recvBufferSize: 262_144, timeWait: 0 },
        });
        const c = r.a.counters;
        const where = `seed ${seed}, sack ${sack}: ${JSON.stringify(c)}, lost ${r.lostToB}`;
        // Every lost byte went again at least once (the transfer completed).
        expect(c.bytesRetransmitted, where).toBeGreaterThanOrEqual(r.lostToB);
        if (sack) {
          // Beyond the losses, at most one segment per RTO (its ACKs may have been what was lost) and one
          // rescue: SACKed data, and data already resent, never go again.
          expect(c.bytesRetransmitted, where).toBeLessThanOrEqual(r.lostToB + MSS * (c.timeouts + 1));
          expect(c.sackRecoveries, where).toBeGreaterThan(0);
        } else expect(c.sackRecoveries, where).toBe(0);
        const t = sack ? total.sack : total.newreno;
        t.extra += c.bytesRetransmitted - r.lostToB;
        t.timeouts += c.timeouts;
      }
    }
    // Bytes retransmitted beyond those lost, over all seeds: fewer with SACK.
    expect(total.sack.extra).toBeLessThan(total.newreno.extra);
  }, 60_000);
});
