import { describe, expect, it } from 'vitest';
import { PcapngWriter, memorySink, readPcap } from '@stack/pcap';
import { BROADCAST, numbered } from '../../test/frames.js';
import { SimScheduler } from '../../test/sim.js';
import { memoryLink } from '../link/memory-link.js';
import { withPcap } from './pcap.js';
import { withTrace } from './trace.js';

describe('withPcap', () => {
  it('records frames sent and received with scheduler time and direction, one interface per device', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, latency: 1.5, names: ['h1.eth0', 'h2.eth0'] });
    const sink = memorySink();
    const w = new PcapngWriter(sink);
    const pa = withPcap(a, w.interface(a.name), { scheduler: s });
    const pb = withPcap(b, w.interface(b.name), { scheduler: s });
    pb.onReceive((f) => { pb.transmit(f); }); // echo it back
    pa.onReceive(() => undefined);
    s.runFor(10);
    pa.transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    const r = readPcap(sink.bytes());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.interfaces.map((i) => i.name)).toEqual(['h1.eth0', 'h2.eth0']);
    expect(r.value.records.map((x) => [x.interfaceId, x.timestamp, x.direction])).toEqual([
      [0, 10, 'outbound'],
      [1, 11.5, 'inbound'],
      [1, 11.5, 'outbound'],
      [0, 13, 'inbound'],
    ]);
    expect(r.value.records[0]!.data).toEqual(numbered(BROADCAST, a.mac, 1));
    expect(pa.stats).toBe(a.stats);
    expect([pa.name, pa.mac, pa.mtu]).toEqual([a.name, a.mac, a.mtu]);
  });

  it('does not record what the device refused, and closes the device', async () => {
    const s = new SimScheduler();
    const [a] = memoryLink({ scheduler: s, mtu: 100 });
    const seen: number[] = [];
    const p = withPcap(a, { writePacket: (t) => seen.push(t) }, { scheduler: s });
    expect(p.transmit(numbered(BROADCAST, a.mac, 1, 200))).toBe(false);
    expect(seen).toEqual([]);
    await p.close();
    expect(a.up).toBe(false);
  });
});

describe('withTrace', () => {
  it('logs one decoded line per frame each way', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, names: ['h1.eth0', 'h2.eth0'], macs: [0x020000000001, 0x020000000002] });
    const lines: string[] = [];
    const ta = withTrace(a, (l) => lines.push(l), { scheduler: s });
    const tb = withTrace(b, (l) => lines.push(l), { scheduler: s, name: 'h2' });
    tb.onReceive(() => undefined);
    s.runFor(12_345);
    ta.transmit(numbered(BROADCAST, a.mac, 1));
    ta.transmit(new Uint8Array(3));
    s.runUntilIdle();
    expect(lines).toEqual([
      '12.345000 h1.eth0 > 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ethertype 0x88b5 len 50',
      '12.345000 h1.eth0 > malformed (3-byte frame) (dropped)',
      '12.345010 h2 < 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ethertype 0x88b5 len 50',
    ]);
  });
});

describe('taps see frames before a handler is set', () => {
  it('withPcap records a frame that arrives with no handler', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const seen: string[] = [];
    withPcap(b, { writePacket: (_t, _f, d) => seen.push(String(d)) }, { scheduler: s });
    withTrace(a, (l) => seen.push(l.split(' ')[2]!), { scheduler: s }).transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    expect(seen).toEqual(['>', 'inbound']);
  });
});
