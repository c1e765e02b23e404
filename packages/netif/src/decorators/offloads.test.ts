// Offload requests (TxMeta) through the decorators and across hub and bridge
// ports: passed through where nothing acts on wire frames, resolved in
// software where something does.
import { describe, expect, it } from 'vitest';
import { PcapngWriter, memorySink, readPcap } from '@stack/pcap';
import { isStackError, type NetDevice, type RxMeta, type TxMeta } from '@stack/interfaces';
import { checksumValid, pseudoHeaderSum } from '@stack/wire';
import { gsoFrame } from '../../test/frames.js';
import { parseIpv4Header } from '../../test/ipv4.js';
import { SeededRandom, SimScheduler } from '../../test/sim.js';
import { memoryLink } from '../link/memory-link.js';
import { createBridge } from '../switch/bridge.js';
import { createHub } from '../switch/hub.js';
import { withFaults } from './faults.js';
import { withPcap } from './pcap.js';
import { withTrace } from './trace.js';

const OFFLOADS = { txChecksumOffload: true, gsoMaxSize: 65_535, gro: true } as const;
const GSO: TxMeta = { checksumStart: 34, checksumOffset: 16, gsoSize: 1448 };

function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 29 + 3) & 0xff;
  return b;
}

function frames(dev: NetDevice): { frame: Uint8Array; meta: RxMeta }[] {
  const got: { frame: Uint8Array; meta: RxMeta }[] = [];
  dev.onReceive((f, m) => got.push({ frame: f.slice(), meta: { ...m } }));
  return got;
}

/** 'ip' or 'tcp' when that checksum fails, 'ok' when both verify. */
function check(f: Uint8Array): 'ok' | 'ip' | 'tcp' {
  const r = parseIpv4Header(f.subarray(14));
  if (!r.ok) return 'ip';
  const h = r.value;
  const end = 14 + h.headerLength + h.payloadLength;
  return checksumValid(f, 14 + h.headerLength, end, pseudoHeaderSum(h.src, h.dst, h.protocol, h.payloadLength)) ? 'ok' : 'tcp';
}

describe('decorators hand TxMeta to the device below', () => {
  it('withPcap, withTrace and a delay-only withFaults pass the meta through: a GRO peer gets the GSO frame whole', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS });
    const sink = memorySink();
    const w = new PcapngWriter(sink);
    const lines: string[] = [];
    const dev = withPcap(withTrace(withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { delay: 1, jitter: 0.5 }), (l) => lines.push(l), { scheduler: s }), w.interface('a'), { scheduler: s });
    const got = frames(b);
    const frame = gsoFrame(pattern(30_000));
    expect(dev.transmit(frame, GSO)).toBe(true);
    s.runUntilIdle();
    expect(got).toHaveLength(1);
    expect(got[0]!.frame).toEqual(frame);
    expect(got[0]!.meta.checksumPartial).toBe(true);
    // the capture holds what the stack handed the device: the GSO frame as is (tcpdump on a TAP with offloads shows the same)
    const r = readPcap(sink.bytes());
    expect(r.ok && r.value.records.map((x) => x.data.length)).toEqual([frame.length]);
    expect(lines).toHaveLength(1);
  });
});

describe('txBuffer through decorators', () => {
  it('is the inner device\'s: a frame written into it crosses without a copy, captured and traced; a held frame is copied', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const sink = memorySink();
    const w = new PcapngWriter(sink);
    const lines: string[] = [];
    const dev = withPcap(withTrace(a, (l) => lines.push(l), { scheduler: s }), w.interface('a'), { scheduler: s });
    const seen: Uint8Array[] = [];
    b.onReceive((f) => seen.push(f));
    const frame = gsoFrame(pattern(500), { checksum: 'full' });
    const buf = dev.txBuffer!(frame.length);
    buf.set(frame);
    expect(dev.transmit(buf)).toBe(true);
    s.runUntilIdle();
    expect(seen[0]!.buffer).toBe(buf.buffer);
    expect(seen[0]!.byteOffset).toBe(buf.byteOffset);
    const r = readPcap(sink.bytes());
    expect(r.ok && r.value.records[0]!.data).toEqual(frame);
    expect(lines).toHaveLength(1);

    // a delaying decorator holds the frame: it keeps a copy, and the bytes arrive intact
    const delayed = withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { delay: 1, direction: 'tx' });
    const got = frames(b);
    const buf2 = delayed.txBuffer!(frame.length);
    buf2.set(frame);
    expect(delayed.transmit(buf2)).toBe(true);
    buf2.fill(0); // the caller's view of device memory; the decorator held its own copy
    s.runUntilIdle();
    expect(got[0]!.frame).toEqual(frame);
  });

  it('is absent over a device without one', () => {
    const plain: NetDevice = { name: 'x', mac: 1, mtu: 1500, capabilities: { mtu: 1500, rxChecksumVerified: false, txChecksumOffload: false, gsoMaxSize: 0, gro: false },
      stats: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 }, transmit: () => true, onReceive: () => {}, close: () => Promise.resolve() };
    expect(withTrace(plain, () => {}, { scheduler: new SimScheduler() }).txBuffer).toBeUndefined();
  });
});

describe('withFaults on tx: wire faults act on the segments', () => {
  it('with loss, a GSO frame is cut before the faults: each segment is lost or passed on its own', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS });
    const f = withFaults(a, { scheduler: s, random: new SeededRandom(7) }, { loss: 0.3, direction: 'tx' });
    const got = frames(b);
    expect(f.transmit(gsoFrame(pattern(40 * 1448)), GSO)).toBe(true);
    s.runUntilIdle();
    expect(f.faultStats.passed + f.faultStats.lost).toBe(40);
    expect(f.faultStats.lost).toBeGreaterThan(0);
    expect(got).toHaveLength(f.faultStats.passed);
    // plain segments (the GRO peer got no GSO frame): full checksums, not partial
    expect(got.every((g) => g.frame.length <= 1514 && !g.meta.checksumPartial && check(g.frame) === 'ok')).toBe(true);
  });

  it('with corruption, the checksum is completed first: the flipped bit shows', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS });
    const f = withFaults(a, { scheduler: s, random: new SeededRandom(3) }, { corrupt: 1, direction: 'tx' });
    const got = frames(b);
    const N = 200;
    for (let i = 0; i < N; i++) f.transmit(gsoFrame(pattern(600 + i)), { checksumStart: 34, checksumOffset: 16 });
    s.runUntilIdle();
    expect(got).toHaveLength(N);
    expect(got.every((g) => !g.meta.checksumPartial)).toBe(true);
    // a bit flipped in the IP packet fails a checksum; only the 14-byte Ethernet header is uncovered (the FCS's job)
    const undetected = got.filter((g) => check(g.frame) === 'ok').length;
    expect(undetected).toBeLessThan(N * 0.15);
  });

  it('with an MTU black hole, the segments are measured, not the GSO frame', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: OFFLOADS });
    const got = frames(b);
    const f = withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { mtu: 1500, direction: 'tx' });
    f.transmit(gsoFrame(pattern(10 * 1448)), GSO);
    const small = withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { mtu: 1400, direction: 'tx' });
    small.transmit(gsoFrame(pattern(10 * 1448)), GSO);
    s.runUntilIdle();
    expect(got).toHaveLength(10);
    expect(f.faultStats.oversize).toBe(0);
    expect(small.faultStats.oversize).toBe(10);
  });

  it('a GSO frame it cannot cut is dropped and counted', () => {
    const s = new SimScheduler();
    const [a] = memoryLink({ scheduler: s, capabilities: OFFLOADS });
    const f = withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { loss: 0.1 });
    const bad = gsoFrame(pattern(3000));
    bad[14 + 9] = 17; // not TCP
    expect(f.transmit(bad, GSO)).toBe(false);
    expect(f.stats.txDropped).toBe(1);
  });
});

describe('withFaults on rx', () => {
  it('a corrupted frame that came with a partial checksum is handed up as neither verified nor partial', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: { ...OFFLOADS, rxChecksumVerified: true } });
    const f = withFaults(a, { scheduler: s, random: new SeededRandom(1) }, { corrupt: 1, direction: 'rx' });
    const got = frames(f);
    b.transmit(gsoFrame(pattern(100)), { checksumStart: 34, checksumOffset: 16 });
    b.transmit(gsoFrame(pattern(100)), { checksumStart: 34, checksumOffset: 16 });
    s.runUntilIdle();
    expect(got.map((g) => g.meta)).toEqual([
      { checksumVerified: false, checksumPartial: false },
      { checksumVerified: false, checksumPartial: false },
    ]);
  });
});

describe('hub and bridge ports', () => {
  it('a host with offloads sends a GSO frame: the other ports get wire-size segments', () => {
    for (const make of [createHub, createBridge]) {
      const s = new SimScheduler();
      const seg = make({ scheduler: s });
      const h1 = seg.port({ capabilities: OFFLOADS });
      const h2 = seg.port({ capabilities: OFFLOADS });
      const h3 = seg.port();
      expect(h1.capabilities).toMatchObject(OFFLOADS);
      const at2 = frames(h2);
      const at3 = frames(h3);
      const frame = gsoFrame(pattern(5 * 1448));
      frame.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0); // broadcast: flooded to both
      expect(h1.transmit(frame, GSO)).toBe(true);
      s.runUntilIdle();
      for (const got of [at2, at3]) {
        expect(got).toHaveLength(5);
        expect(got.every((g) => g.frame.length === 14 + 20 + 20 + 1448 && check(g.frame) === 'ok' && !g.meta.checksumPartial)).toBe(true);
      }
    }
  });

  it('the switch side of a port cannot take GSO or GRO', () => {
    const s = new SimScheduler();
    const br = createBridge({ scheduler: s });
    let err: unknown;
    try {
      br.port({ capabilities: [OFFLOADS, { gro: true }] });
    } catch (e) {
      err = e;
    }
    expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(/switch side/);
    // a pair with a plain switch side is fine, and so are defaults for every port
    expect(br.port({ capabilities: [OFFLOADS, { txChecksumOffload: true }] }).capabilities.gro).toBe(true);
    const hub = createHub({ scheduler: s, defaults: { capabilities: OFFLOADS } });
    expect(hub.port().capabilities.gsoMaxSize).toBe(65_535);
  });
});
