import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '@stack/wire';
import { PcapWriter } from './pcap-writer.js';
import { PcapngWriter } from './pcapng-writer.js';
import { PcapReader, readPcap, type PcapRecord } from './reader.js';
import type { PacketDirection } from './recorder.js';
import { memorySink } from './sink.js';

interface Packet {
  timeMs: number;
  frame: Uint8Array;
  direction?: PacketDirection;
  iface: number;
}

const packetArb = (ifaces: number): fc.Arbitrary<Packet> =>
  fc.record({
    // whole microseconds up to ~11 days, as the float ms a simulation would pass
    timeMs: fc.nat(1_000_000_000_000).map((us) => us / 1000),
    frame: fc.uint8Array({ maxLength: 300 }),
    direction: fc.constantFrom<PacketDirection | undefined>(undefined, 'inbound', 'outbound'),
    iface: fc.nat(ifaces - 1),
  }).map(({ direction, ...rest }) => (direction === undefined ? rest : { ...rest, direction }));

function writeClassic(packets: readonly Packet[], resolution: 'us' | 'ns', snaplen?: number): Uint8Array {
  const sink = memorySink();
  const w = new PcapWriter(sink, snaplen === undefined ? { resolution } : { resolution, snaplen });
  for (const p of packets) w.writePacket(p.timeMs, p.frame, p.direction);
  return sink.bytes();
}

function writeNg(packets: readonly Packet[], resolution: 'us' | 'ns', ifaces: number, snaplen?: number): Uint8Array {
  const sink = memorySink();
  const w = new PcapngWriter(sink, snaplen === undefined ? { resolution } : { resolution, snaplen });
  for (let i = 0; i < ifaces; i++) w.addInterface(`h${i}.eth0`);
  for (const p of packets) w.writePacket(p.timeMs, p.frame, p.direction, p.iface);
  return sink.bytes();
}

function recordsOf(bytes: Uint8Array): readonly PcapRecord[] {
  const r = readPcap(bytes);
  if (!r.ok) throw new Error(`unexpected ${r.error.kind} at ${r.error.offset}: ${r.error.message}`);
  return r.value.records;
}

describe('round trip writer → reader', () => {
  for (const resolution of ['us', 'ns'] as const) {
    it(`classic pcap (${resolution}): same frames, lengths and times`, () => {
      fc.assert(
        fc.property(fc.array(packetArb(1), { maxLength: 20 }), (packets) => {
          const bytes = writeClassic(packets, resolution);
          const recs = recordsOf(bytes);
          expect(recs.length).toBe(packets.length);
          recs.forEach((rec, i) => {
            const p = packets[i]!;
            expect(rec.data).toEqual(p.frame);
            expect(rec.originalLength).toBe(p.frame.length);
            expect(rec.interfaceId).toBe(0);
            expect(rec.direction).toBeUndefined();
            expect(Math.abs(rec.timestamp! - p.timeMs)).toBeLessThan(1e-6);
          });
          // re-writing what was read gives the same bytes
          const again = writeClassic(recs.map((r) => ({ timeMs: r.timestamp!, frame: r.data, iface: 0 })), resolution);
          expect(again).toEqual(bytes);
        }),
      );
    });

    it(`pcapng (${resolution}): same frames, interfaces, directions and times`, () => {
      fc.assert(
        fc.property(fc.array(packetArb(3), { maxLength: 20 }), (packets) => {
          const bytes = writeNg(packets, resolution, 3);
          const r = readPcap(bytes);
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.value.format).toBe('pcapng');
          expect(r.value.interfaces.map((i) => i.name)).toEqual(['h0.eth0', 'h1.eth0', 'h2.eth0']);
          expect(r.value.interfaces[0]!.ticksPerSecond).toBe(resolution === 'ns' ? 1e9 : 1e6);
          const recs = r.value.records;
          expect(recs.length).toBe(packets.length);
          recs.forEach((rec, i) => {
            const p = packets[i]!;
            expect(rec.data).toEqual(p.frame);
            expect(rec.interfaceId).toBe(p.iface);
            expect(rec.direction).toBe(p.direction);
            expect(Math.abs(rec.timestamp! - p.timeMs)).toBeLessThan(1e-6);
          });
          const again = writeNg(
            recs.map((x) => ({ timeMs: x.timestamp!, frame: x.data, iface: x.interfaceId, ...(x.direction ? { direction: x.direction } : {}) })),
            resolution,
            3,
          );
          expect(again).toEqual(bytes);
        }),
      );
    });
  }

  it('keeps the original length of frames cut to snaplen', () => {
    const frame = new Uint8Array(100).map((_, i) => i);
    for (const bytes of [writeClassic([{ timeMs: 1, frame, iface: 0 }], 'us', 10), writeNg([{ timeMs: 1, frame, iface: 0 }], 'us', 1, 10)]) {
      const [rec] = recordsOf(bytes);
      expect(rec!.data).toEqual(frame.subarray(0, 10));
      expect(rec!.originalLength).toBe(100);
    }
  });
});

describe('other writers’ files', () => {
  it('reads big-endian classic pcap with nanoseconds', () => {
    const bytes = fromHex(`
      a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000001   # header, big-endian, ns
      00000003 00000007 00000002 0000003c  abcd               # 3 s + 7 ns, 2 of 60 bytes
    `);
    const r = readPcap(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.format).toBe('pcap');
    expect(r.value.interfaces).toEqual([{ id: 0, linkType: 1, snaplen: 65535, ticksPerSecond: 1e9 }]);
    expect(r.value.records).toEqual([{ timestamp: 3000.000007, interfaceId: 0, data: fromHex('abcd'), originalLength: 60 }]);
  });

  it('reads a big-endian pcapng section with SPB, an obsolete Packet Block, 2^-n resolution and unknown blocks', () => {
    const bytes = fromHex(`
      0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffff ffffffff 0000001c        # SHB, big-endian, no options
      00000001 00000020 0001 0000 00000000                                     # IDB: Ethernet, snaplen 0
        0009 0001 8a000000  0000 0000                                          #   if_tsresol 2^-10 s, end
        00000020
      00000bad 00000010 01020304 00000010                                      # unknown block type: skipped
      00000003 00000014 00000003 aabbcc00 00000014                              # SPB: 3 bytes
      00000002 0000002c 0000 0000 00000000 00000800 00000001 00000001          # Packet Block (44 bytes): ts 2048 ticks
        ee000000 0002 0004 00000001 0000002c                                   #   1 byte, pack_flags inbound, no end-of-options
    `);
    const r = readPcap(bytes);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.interfaces[0]!.ticksPerSecond).toBe(1024);
    expect(r.value.records).toEqual([
      { timestamp: null, interfaceId: 0, data: fromHex('aabbcc'), originalLength: 3 },
      { timestamp: 2000, interfaceId: 0, data: fromHex('ee'), originalLength: 1, direction: 'inbound' },
    ]);
  });

  it('starts over with interface ids at a new section', () => {
    const a = writeNg([{ timeMs: 1, frame: fromHex('01'), iface: 1 }], 'us', 2);
    const b = writeNg([{ timeMs: 2, frame: fromHex('02'), iface: 0 }], 'ns', 1);
    const both = new Uint8Array(a.length + b.length);
    both.set(a);
    both.set(b, a.length);
    const recs = recordsOf(both);
    expect(recs.map((r) => [r.interfaceId, r.timestamp, r.data[0]])).toEqual([[1, 1, 1], [0, 2, 2]]);
  });
});

describe('errors are values', () => {
  const errorOf = (bytes: Uint8Array): string => {
    const r = readPcap(bytes);
    return r.ok ? 'ok' : `${r.error.kind}@${r.error.offset}`;
  };

  it('names what is wrong and where', () => {
    expect(errorOf(new Uint8Array(0))).toBe('truncated@0');
    expect(errorOf(fromHex('00112233 44556677'))).toBe('malformed@0');
    const classic = writeClassic([{ timeMs: 0, frame: new Uint8Array(10), iface: 0 }], 'us');
    expect(errorOf(classic.subarray(0, classic.length - 1))).toBe('truncated@24');
    const badVersion = classic.slice();
    badVersion[4] = 3;
    expect(errorOf(badVersion)).toBe('unsupported@4');
    const ng = writeNg([{ timeMs: 0, frame: new Uint8Array(10), iface: 0 }], 'us', 1);
    const badTrailer = ng.slice();
    badTrailer[ng.length - 4]! ^= 4;
    expect(errorOf(badTrailer)).toMatch(/^malformed@/);
    const badIface = writeNg([{ timeMs: 0, frame: new Uint8Array(1), iface: 0 }], 'us', 1);
    const epbAt = badIface.length - 36; // EPB with 1 byte, no options
    badIface[epbAt + 8] = 5;
    expect(errorOf(badIface)).toBe(`malformed@${epbAt + 8}`);
  });

  it('refuses absurd lengths instead of buffering them', () => {
    const bytes = fromHex('0a0d0d0a fcffff7f 4d3c2b1a');
    expect(errorOf(bytes)).toBe('malformed@4');
    const r = new PcapReader({ maxBlockSize: 64 });
    r.push(writeNg([{ timeMs: 0, frame: new Uint8Array(100), iface: 0 }], 'us', 1));
    expect(r.error?.kind).toBe('malformed');
    expect(r.push(new Uint8Array(10))).toEqual([]);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom('', 'pcap', 'pcapng'), (junk, prefix) => {
        const head = prefix === 'pcap' ? fromHex('d4c3b2a1') : prefix === 'pcapng' ? fromHex('0a0d0d0a') : new Uint8Array(0);
        const bytes = new Uint8Array(head.length + junk.length);
        bytes.set(head);
        bytes.set(junk, head.length);
        readPcap(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated or truncated valid files', () => {
    const valid = [
      writeClassic([{ timeMs: 5, frame: new Uint8Array(40).fill(7), iface: 0 }, { timeMs: 6, frame: new Uint8Array(3), iface: 0 }], 'ns'),
      writeNg([{ timeMs: 5, frame: new Uint8Array(40).fill(7), iface: 1, direction: 'inbound' }, { timeMs: 6, frame: new Uint8Array(3), iface: 0 }], 'us', 2),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 }), fc.nat(), (file, flips, cut) => {
        const bytes = file.slice(0, file.length - (cut % 8 === 0 ? cut % file.length : 0));
        for (const [at, value] of flips) if (bytes.length > 0) bytes[at % bytes.length] = value;
        const r = readPcap(bytes);
        if (!r.ok) expect(r.error.offset).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('streaming', () => {
  const files = (): Uint8Array[] => {
    const packets: Packet[] = [
      { timeMs: 0.001, frame: new Uint8Array(60).map((_, i) => i), iface: 0, direction: 'outbound' },
      { timeMs: 1.5, frame: new Uint8Array(1), iface: 1, direction: 'inbound' },
      { timeMs: 2.25, frame: new Uint8Array(17).fill(0xee), iface: 0 },
    ];
    return [writeClassic(packets, 'us'), writeClassic(packets, 'ns'), writeNg(packets, 'us', 2), writeNg(packets, 'ns', 2)];
  };

  it('gives the same records when split at every possible point', () => {
    for (const file of files()) {
      const whole = recordsOf(file);
      for (let cut = 0; cut <= file.length; cut++) {
        const r = new PcapReader();
        const got = [...r.push(file.subarray(0, cut)), ...r.push(file.subarray(cut))];
        expect(r.end()).toBeNull();
        expect(got).toEqual(whole);
      }
    }
  });

  it('gives the same records fed one byte at a time or in random pieces', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files()), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }), (file, sizes) => {
        const r = new PcapReader();
        const got: PcapRecord[] = [];
        let at = 0;
        for (let i = 0; at < file.length; i++) {
          const n = sizes[i % sizes.length]!;
          got.push(...r.push(file.subarray(at, at + n)));
          at += n;
        }
        expect(r.end()).toBeNull();
        expect(got).toEqual(recordsOf(file));
      }),
    );
  });

  it('records own their bytes: feeding more input does not change them', () => {
    const [file] = files();
    const r = new PcapReader();
    const first = r.push(file!.subarray(0, 24 + 16 + 60));
    const copy = first[0]!.data.slice();
    r.push(new Uint8Array(5000).fill(0x55));
    expect(first[0]!.data).toEqual(copy);
  });
});

describe('PcapReader options', () => {
  it('rejects a maxBlockSize that would turn the limit off or make no sense', () => {
    for (const bad of [Number.NaN, -1, 0, 31, 1.5, Infinity]) {
      expect(() => new PcapReader({ maxBlockSize: bad }), String(bad)).toThrowError(/maxBlockSize must be a whole number of bytes >= 32/);
    }
    expect(() => new PcapReader({ maxBlockSize: 4096 })).not.toThrow();
  });
});
