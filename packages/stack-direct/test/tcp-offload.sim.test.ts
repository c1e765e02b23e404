// TCP over devices that offload: GSO segments of many MSS and checksums the
// device finishes, between two stacks on a memory link. With GRO at the far
// end the big segments arrive whole (as over a veth); without it the link
// cuts them as a NIC would, and the receiver sees ordinary segments.
import { describe, expect, it } from 'vitest';
import { SimScheduler, SeededRandom } from '@stack/sim';
import { memoryLink, type LinkDevice } from '@stack/netif';
import { PcapngWriter, memorySink } from '@stack/pcap';
import { withPcap } from '@stack/netif';
import { createDirectStack } from '@stack/stack-direct';
import { keepPcap, pattern, sha256 } from './helpers.js';

const OFFLOADS = { txChecksumOffload: true, gsoMaxSize: 65_535, gro: true, rxChecksumVerified: false };

async function bulk(capsA: object, capsB: object, size: number, seed: number, wire: 'veth' | 'cable' = 'veth') {
  const scheduler = new SimScheduler();
  const [da, db] = memoryLink({ scheduler, names: ['a.eth0', 'b.eth0'], latency: 0.5, capabilities: [capsA, capsB], wire }) as [LinkDevice, LinkDevice];
  const sink = memorySink();
  const pcap = new PcapngWriter(sink);
  const tcp = { sendBufferSize: 1 << 20, recvBufferSize: 1 << 20, timeWait: 1000 };
  const a = createDirectStack(withPcap(da, pcap.interface('a.eth0'), { scheduler }), { scheduler, random: new SeededRandom(seed) }, { address: '10.9.0.1/24', tcp });
  const b = createDirectStack(db, { scheduler, random: new SeededRandom(seed + 1) }, { address: '10.9.0.2/24', tcp });
  let received = '';
  let largestIn = 0;
  b.tcp.listen(9, (flow) => {
    void (async () => {
      const parts: Uint8Array[] = [];
      for (let r = await flow.read(); r.data; r = await flow.read()) parts.push(r.data);
      received = sha256(Buffer.concat(parts));
      await flow.close();
    })();
  });
  const rxTap = db.stats;
  const data = pattern(size, seed);
  const run = async () => {
    const r = await a.tcp.connect('10.9.0.2', 9);
    if (!r.flow) throw new Error(r.error);
    expect(await r.flow.write(data)).toBeNull();
    const info = a.inspect().tcp.connections.find((c) => c.remote === '10.9.0.2:9')!;
    await r.flow.close();
    return info;
  };
  const info = await scheduler.runUntilSettled(run());
  scheduler.runFor(2_000);
  largestIn = rxTap.rxBytes / Math.max(rxTap.rxFrames, 1);
  const counters = a.inspect().tcp.connections;
  const receiverStats = b.inspect().tcp.stats;
  await a.close();
  await b.close();
  return {
    ok: received === sha256(data), info, avgFrameIn: largestIn, left: counters.length, pending: scheduler.pending(), pcap: sink.bytes(),
    gro: db.stats.gro, receiverStats,
  };
}

describe('TCP with offloads', () => {
  it('GSO and checksum offload to a GRO peer: 64 KB segments cross whole, data intact', async () => {
    const r = await bulk(OFFLOADS, OFFLOADS, 4 << 20, 31);
    expect(r.ok).toBe(true);
    expect(r.info).toMatchObject({ gsoMaxSize: 65_455 });
    expect((r.info.counters as { gsoSegments: number }).gsoSegments).toBeGreaterThan(0);
    // Most frames the receiver got carried many MSS.
    expect(r.avgFrameIn).toBeGreaterThan(10_000);
    expect(r.left).toBe(0);
    expect(r.pending).toBe(0);
  });

  it('GSO toward a peer without GRO: the link cuts segments (and finishes checksums), data intact', async () => {
    const r = await bulk(OFFLOADS, {}, 4 << 20, 32);
    expect(r.ok).toBe(true);
    expect(r.avgFrameIn).toBeLessThanOrEqual(1514);
    expect(r.pending).toBe(0);
  });

  it("over a cable: software GSO cuts wire-size frames, software GRO coalesces them again, data intact", async () => {
    const r = await bulk(OFFLOADS, OFFLOADS, 4 << 20, 34, 'cable');
    expect(r.ok).toBe(true);
    expect((r.info.counters as { gsoSegments: number }).gsoSegments).toBeGreaterThan(0);
    // the wire carried MTU-size frames...
    expect(r.avgFrameIn).toBeLessThanOrEqual(1514);
    // ...and TCP at the receiver saw most of them coalesced, many per segment, none with a bad checksum
    expect(r.gro.merged).toBeGreaterThan(0.9 * ((4 << 20) / 1448));
    expect(r.gro.merged / r.gro.packets).toBeGreaterThan(10);
    expect(r.receiverStats.dropped.checksum).toBe(0);
    expect(r.left).toBe(0);
    expect(r.pending).toBe(0);
  });

  it('no offloads anywhere: ordinary segments (the baseline)', async () => {
    const r = await bulk({}, {}, 1 << 20, 33);
    expect(r.ok).toBe(true);
    expect(r.info).toMatchObject({ gsoMaxSize: 0 });
    expect(r.avgFrameIn).toBeLessThanOrEqual(1514);
    keepPcap('tcp-offload-baseline', r.pcap);
  });
});
