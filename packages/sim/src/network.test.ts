import { describe, expect, it } from 'vitest';
import { isStackError, type NetDevice } from '@stack/interfaces';
import { PcapngWriter, memorySink, readPcap } from '@stack/pcap';
import { MAC_BROADCAST, readU32, writeU16, writeU32, writeU48 } from '@stack/wire';
import type { FaultSpec } from '@stack/netif';
import { SimNetwork } from './network.js';

/** A frame to `dst` with EtherType 0x88b5 (local experimental) carrying `n` and a kind byte. */
function frame(dst: number, src: number, n: number, kind: 'ping' | 'pong', size: number): Uint8Array {
  const f = new Uint8Array(size);
  writeU48(f, 0, dst);
  writeU48(f, 6, src);
  writeU16(f, 12, 0x88b5);
  writeU32(f, 14, n);
  f[18] = kind === 'ping' ? 1 : 2;
  return f;
}

/**
 * Hosts that ping random peers at random times (from their own random
 * streams) and answer pings: traffic in both directions without a stack.
 */
function traffic(net: SimNetwork, hosts: Record<string, NetDevice>, pings: number): { received: Record<string, number[]> } {
  const received: Record<string, number[]> = {};
  const names = Object.keys(hosts);
  for (const name of names) {
    const dev = hosts[name]!;
    received[name] = [];
    dev.onReceive((f) => {
      received[name]!.push(readU32(f, 14));
      if (f[18] === 1) dev.transmit(frame(readU48src(f), dev.mac, readU32(f, 14), 'pong', f.length));
    });
    const rnd = net.randomFor(name);
    let t = 0;
    for (let i = 0; i < pings; i++) {
      t += rnd.float() * 2;
      const peer = hosts[names[rnd.below(names.length)]!]!;
      const dst = peer === dev ? MAC_BROADCAST : peer.mac;
      const size = 60 + rnd.below(1400);
      const n = i;
      net.scheduler.at(t, () => { dev.transmit(frame(dst, dev.mac, n, 'ping', size)); });
    }
  }
  return { received };
}

function readU48src(f: Uint8Array): number {
  return ((f[6]! * 256 + f[7]!) * 0x1_0000_0000) + readU32(f, 8);
}

const FAULTS: FaultSpec = { loss: 0.05, duplicate: 0.02, corrupt: 0.01, reorder: 0.05, jitter: 0.2, delay: 0.1 };

/** A small network: three hosts on a bridge (one with faults), two on a hub, a point-to-point link with faults. */
async function scenario(seed: number, faults: FaultSpec | undefined): Promise<{ pcap: Uint8Array; lines: string[]; net: SimNetwork }> {
  const net = new SimNetwork({ seed });
  const sink = memorySink();
  net.capture(new PcapngWriter(sink));
  const lines: string[] = [];
  const br = net.bridge('br0');
  const hub = net.hub('hub0');
  const hosts: Record<string, NetDevice> = {
    h1: net.attach('h1', br, faults ? { faults } : {}),
    h2: net.attach('h2', br),
    h3: net.attach('h3', 'br0', { bandwidth: 100e6 }),
    h4: net.attach('h4', hub, { latency: 0.5 }),
    h5: net.attach('h5', hub),
  };
  const [p, q] = net.link('h6', 'h7', { mtu: 576, ...(faults ? { faults } : {}) });
  hosts['h6'] = p;
  hosts['h7'] = q;
  net.trace((l) => lines.push(l));
  traffic(net, hosts, 50);
  net.runUntilIdle();
  await net.close();
  expect(net.scheduler.pending()).toBe(0);
  return { pcap: sink.bytes(), lines, net };
}

describe('SimNetwork determinism', () => {
  it('the same seed gives a byte-identical pcap', async () => {
    const a = await scenario(7, FAULTS);
    const b = await scenario(7, FAULTS);
    expect(a.pcap.length).toBeGreaterThan(10_000);
    expect(Buffer.from(a.pcap).equals(Buffer.from(b.pcap))).toBe(true);
    expect(a.lines).toEqual(b.lines);
  });

  it('another seed with faults gives another pcap', async () => {
    const a = await scenario(7, FAULTS);
    const b = await scenario(8, FAULTS);
    expect(Buffer.from(a.pcap).equals(Buffer.from(b.pcap))).toBe(false);
  });

  it('the capture has one named interface per device, in attach order, with virtual times', async () => {
    const { pcap } = await scenario(3, undefined);
    const r = readPcap(pcap);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.interfaces.map((i) => i.name)).toEqual(['h1.eth0', 'h2.eth0', 'h3.eth0', 'h4.eth0', 'h5.eth0', 'h6.eth0', 'h7.eth0']);
    const times = r.value.records.map((x) => x.timestamp!);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(Math.max(...times)).toBeLessThan(200); // 50 pings ~1 ms apart: virtual, not wall-clock, time
    // fault-free: every unicast ping that went out (oversize ones never do) is answered on the same interface
    const recs = r.value.records;
    const key = (x: (typeof recs)[number]): string => `${x.interfaceId}/${readU32(x.data, 14)}`;
    const pongs = new Set(recs.filter((x) => x.direction === 'inbound' && x.data[18] === 2).map(key));
    const pings = recs.filter((x) => x.direction === 'outbound' && x.data[18] === 1 && x.data[0] !== 0xff);
    expect(pings.length).toBeGreaterThan(200);
    expect(pings.filter((x) => !pongs.has(key(x)))).toEqual([]);
  });

  it('a host’s random stream does not depend on which other hosts exist', () => {
    const a = new SimNetwork({ seed: 11 });
    const b = new SimNetwork({ seed: 11 });
    b.randomFor('h0').u32();
    b.randomFor('zz');
    expect([a.randomFor('h1').u32(), a.randomFor('h1').u32()]).toEqual([b.randomFor('h1').u32(), b.randomFor('h1').u32()]);
    expect(a.randomFor('h1')).toBe(a.randomFor('h1'));
    expect(new SimNetwork({ seed: 12 }).randomFor('h1').u32()).not.toBe(new SimNetwork({ seed: 11 }).randomFor('h1').u32());
  });
});

describe('SimNetwork building', () => {
  it('names interfaces per host and derives unique, stable MACs', () => {
    const net = new SimNetwork({ seed: 1 });
    const br = net.bridge('br0');
    const a = net.attach('h1', br);
    const b = net.attach('h1', br);
    const [c, d] = net.link('h1', 'h2');
    expect([a.name, b.name, c.name, d.name]).toEqual(['h1.eth0', 'h1.eth1', 'h1.eth2', 'h2.eth0']);
    expect(new Set([a.mac, b.mac, c.mac, d.mac]).size).toBe(4);
    expect(Math.floor(a.mac / 2 ** 40)).toBe(0x02); // locally administered unicast
    const again = new SimNetwork({ seed: 99 });
    expect(again.attach('h1', again.bridge('br0')).mac).toBe(a.mac);
    expect(net.devices('h1')).toEqual([a, b, c]);
    expect(net.device('h2.eth0')).toBe(d);
  });

  it('applies network defaults and per-attach properties', () => {
    const net = new SimNetwork({ defaults: { mtu: 9000, latency: 1 } });
    const br = net.bridge('br0', { defaults: { latency: 2 } });
    const a = net.attach('h1', br);
    const b = net.attach('h2', br, { mtu: 1500 });
    expect([a.mtu, b.mtu]).toEqual([9000, 1500]);
    let at = -1;
    b.onReceive(() => { at = net.scheduler.now(); });
    a.transmit(frame(MAC_BROADCAST, a.mac, 1, 'ping', 100));
    net.runUntilIdle();
    expect(at).toBe(4); // two links of 2 ms
  });

  it('puts faults on the attached device, from their own stream', () => {
    const net = new SimNetwork({ seed: 5 });
    const br = net.bridge('br0');
    const a = net.attach('h1', br, { faults: { loss: 1, direction: 'tx' } });
    const b = net.attach('h2', br);
    let got = 0;
    b.onReceive(() => got++);
    a.onReceive(() => got++);
    for (let i = 0; i < 10; i++) a.transmit(frame(MAC_BROADCAST, a.mac, i, 'ping', 60));
    b.transmit(frame(MAC_BROADCAST, b.mac, 0, 'ping', 60));
    net.runUntilIdle();
    expect(got).toBe(1);
    expect(net.faultStats('h1.eth0')?.lost).toBe(10);
    const snap = net.inspect();
    expect(snap.interfaces[0]).toMatchObject({ name: 'h1.eth0', host: 'h1', attachedTo: 'br0', faultStats: { lost: 10 } });
    expect(snap.segments[0]).toMatchObject({ name: 'br0', kind: 'bridge', ports: 2 });
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it('captures interfaces attached before and after capture(), and a classic recorder gets everything', () => {
    const net = new SimNetwork();
    const hub = net.hub('hub0');
    const a = net.attach('h1', hub);
    const got: string[] = [];
    net.capture({ writePacket: (t, f, dir) => got.push(`${t}:${dir}:${f.length}`) });
    const b = net.attach('h2', hub);
    a.transmit(frame(MAC_BROADCAST, a.mac, 1, 'ping', 60));
    net.runUntilIdle();
    expect(got).toEqual(['0:outbound:60', '0.02:inbound:60']);
    expect(b.stats.rxFrames).toBe(1); // captured even without a receive handler
  });

  it('close() leaves no timers and refuses further building', async () => {
    const net = new SimNetwork({ seed: 2 });
    const br = net.bridge('br0');
    const a = net.attach('h1', br, { faults: { delay: 50 }, bandwidth: 1e6 });
    net.attach('h2', br);
    net.link('h3', 'h4', { faults: { jitter: 5 } });
    for (let i = 0; i < 20; i++) a.transmit(frame(MAC_BROADCAST, a.mac, i, 'ping', 500));
    net.runFor(1);
    expect(net.scheduler.pending()).toBeGreaterThan(0);
    await net.close();
    expect(net.scheduler.pending()).toBe(0);
    await net.close();
    const code = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { return isStackError(e) ? e.code : 'other'; }
      return undefined;
    };
    expect(code(() => net.attach('h5', br))).toBe('ERR_CLOSED');
    expect(code(() => net.bridge('br1'))).toBe('ERR_CLOSED');
  });

  it('rejects misuse with StackErrors', () => {
    const net = new SimNetwork();
    net.bridge('br0');
    const code = (f: () => unknown): string | undefined => {
      try { f(); } catch (e) { return isStackError(e) ? e.code : 'other'; }
      return undefined;
    };
    expect(code(() => net.bridge('br0'))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => net.attach('h1', 'nope'))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => net.attach('h1', new SimNetwork().bridge('br0')))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => net.attach('h1', 'br0', { name: 'x' }))).toBeUndefined();
    expect(code(() => net.attach('h2', 'br0', { name: 'x' }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => net.attach('h3', 'br0', { faults: { loss: 2 } }))).toBe('ERR_INVALID_CONFIG');
    expect(code(() => new SimNetwork({ seed: -1 }))).toBe('ERR_INVALID_CONFIG');
  });
});
