import { describe, expect, it } from 'vitest';
import type { RxMeta } from '@stack/interfaces';
import { checksum, pseudoHeaderSum, readU16, writeU16 } from '@stack/wire';
import type { TapDeviceImpl } from './device.js';
import { ALL, NONE, RAW, device, tick } from './device.test-helper.js';
import { VNET_HDR_LEN, VnetFlags, VnetGso, readU16LE } from './wire/fields.js';
import { emitVnetHeader, type VnetHeaderRepr } from './wire/vnet-header.js';

/** Ethernet + IPv4 + TCP (20-byte header) with `payload` bytes; TCP checksum field = pseudo-header sum (partial). */
function tcpFrame(payload: number, { cwr = false, vlan = false } = {}): Uint8Array {
  const l3 = vlan ? 18 : 14;
  const f = new Uint8Array(l3 + 20 + 20 + payload);
  f.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]);
  if (vlan) f.set([0x81, 0x00, 0x00, 0x05, 0x08, 0x00], 12);
  else f.set([0x08, 0x00], 12);
  const ipLen = 40 + payload;
  f.set([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 77, 0, 2, 10, 77, 0, 1], l3);
  writeU16(f, l3 + 10, checksum(f, l3, l3 + 20));
  const l4 = l3 + 20;
  f.set([0x13, 0x89, 0x8f, 0xbc, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18 | (cwr ? 0x80 : 0), 0xff, 0xff], l4);
  for (let i = 0; i < payload; i++) f[l4 + 20 + i] = i & 0xff;
  // the partial checksum: the folded pseudo-header sum, not complemented (what ethif writes before offload)
  const ph = pseudoHeaderSum(0x0a4d0002, 0x0a4d0001, 6, 20 + payload);
  writeU16(f, l4 + 16, ph);
  return f;
}

function rxSlab(dev: TapDeviceImpl, frames: { hdr?: Partial<VnetHeaderRepr>; frame: Uint8Array; len?: number }[]) {
  const slot = dev.rxSlotSize;
  const slab = new Uint8Array(slot * frames.length);
  const lengths = new Int32Array(frames.length);
  frames.forEach(({ hdr, frame, len }, i) => {
    const h = dev.negotiated.vnetHdr ? VNET_HDR_LEN : 0;
    if (h > 0) emitVnetHeader({ flags: 0, gsoType: 0, hdrLen: 0, gsoSize: 0, csumStart: 0, csumOffset: 0, numBuffers: 0, ...hdr }, slab, i * slot);
    slab.set(frame.subarray(0, Math.min(frame.length, slot - h)), i * slot + h);
    lengths[i] = len ?? h + frame.length;
  });
  return { slab, lengths };
}

describe('capabilities follow what was negotiated', () => {
  it('offloads on: checksum offload, 64 KiB GSO, GRO', () => {
    expect(device(ALL, { mtu: 9000 }).dev.capabilities).toEqual({ mtu: 9000, rxChecksumVerified: false, txChecksumOffload: true, gsoMaxSize: 65535, gro: true });
  });
  it('checksum only: no GSO', () => {
    expect(device({ ...NONE, csum: true, flags: 1 }).dev.capabilities).toMatchObject({ txChecksumOffload: true, gsoMaxSize: 0, gro: false });
  });
  it('nothing', () => {
    expect(device(NONE).dev.capabilities).toEqual({ mtu: 1500, rxChecksumVerified: false, txChecksumOffload: false, gsoMaxSize: 0, gro: false });
    expect(device(RAW).dev.rxSlotSize).toBeGreaterThanOrEqual(14 + 4 + 1500);
    expect(device(ALL).dev.rxSlotSize).toBeGreaterThanOrEqual(12 + 18 + 65535);
  });
  it('mac and mtu come from the config', () => {
    const { dev } = device(ALL, { mtu: 1400 });
    expect(dev.mac).toBe(0x02_00_00_00_00_01);
    expect(dev.mtu).toBe(1400);
    expect(dev.name).toBe('tap0');
  });
});

describe('receive', () => {
  it('turns virtio flags into RxMeta and counts coalesced segments', () => {
    const { dev } = device();
    const got: { len: number; meta: RxMeta; first: number }[] = [];
    dev.onReceive((frame, meta) => got.push({ len: frame.length, meta: { ...meta }, first: frame[0]! }));
    const f = tcpFrame(100);
    const big = tcpFrame(20_000);
    const { slab, lengths } = rxSlab(dev, [
      { frame: f },
      { hdr: { flags: VnetFlags.NEEDS_CSUM, csumStart: 34, csumOffset: 16 }, frame: f },
      { hdr: { flags: VnetFlags.DATA_VALID }, frame: f },
      { hdr: { flags: VnetFlags.NEEDS_CSUM, gsoType: VnetGso.TCPV4, gsoSize: 1448, hdrLen: 54, csumStart: 34, csumOffset: 16 }, frame: big },
    ]);
    dev.receiveBatch(slab, lengths, 4, 0);
    expect(got.map((g) => g.meta)).toEqual([
      { checksumPartial: false, checksumVerified: false },
      { checksumPartial: true, checksumVerified: false },
      { checksumPartial: false, checksumVerified: true },
      { checksumPartial: true, checksumVerified: false },
    ]);
    expect(got.map((g) => g.len)).toEqual([f.length, f.length, f.length, big.length]);
    expect(got.every((g) => g.first === 0x02)).toBe(true); // the frame starts after the virtio header
    expect(dev.stats).toMatchObject({ rxFrames: 4, rxBytes: 3 * f.length + big.length, rxBatches: 1, gsoIn: 1, csumPartialIn: 2, rxDropped: 0 });
  });

  it('counts and drops runts, oversize reads, bad headers and frames without a handler; never throws', () => {
    const { dev } = device();
    const f = tcpFrame(10);
    const seen: number[] = [];
    const { slab, lengths } = rxSlab(dev, [
      { frame: f.subarray(0, 13) },
      { frame: f, len: dev.rxSlotSize + 1 },
      { hdr: { gsoType: 2, gsoSize: 100 }, frame: f },
      { hdr: { gsoType: VnetGso.TCPV4 }, frame: f },
      { hdr: { flags: VnetFlags.NEEDS_CSUM, csumStart: f.length - 1, csumOffset: 0 }, frame: f },
      { frame: f },
    ]);
    dev.receiveBatch(slab, lengths, 6, 0);
    expect(dev.stats.dropped).toMatchObject({ runt: 1, oversize: 1, badHeader: 3, noHandler: 1 });
    expect(dev.stats.rxDropped).toBe(6);
    dev.onReceive((frame) => seen.push(frame.length));
    dev.receiveBatch(slab, lengths, 6, 0);
    expect(seen).toEqual([f.length]);
    expect(dev.stats.rxFrames).toBe(1);
  });

  it('without a virtio header, frames go up whole and plain', () => {
    const { dev } = device(RAW, { vnetHdr: false, offloads: false });
    const seen: Uint8Array[] = [];
    dev.onReceive((frame, meta) => {
      expect(meta).toEqual({ checksumPartial: false, checksumVerified: false });
      seen.push(frame.slice());
    });
    const f = tcpFrame(5);
    const { slab, lengths } = rxSlab(dev, [{ frame: f }]);
    dev.receiveBatch(slab, lengths, 1, 0);
    expect(seen).toEqual([f]);
  });

  it('a throwing handler does not lose the rest of the batch; the error is reported after it', () => {
    const errors: unknown[] = [];
    const { dev } = device(ALL, {}, (e) => errors.push(e));
    let n = 0;
    dev.onReceive(() => {
      if (n++ === 0) throw new Error('handler bug');
    });
    const f = tcpFrame(1);
    const { slab, lengths } = rxSlab(dev, [{ frame: f }, { frame: f }, { frame: f }]);
    dev.receiveBatch(slab, lengths, 3, 0);
    expect(n).toBe(3);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('handler bug');
  });

  it('counts a read error', () => {
    const { dev } = device();
    dev.receiveBatch(new Uint8Array(0), new Int32Array(1), 0, 77);
    expect(dev.stats.readErrors).toBe(1);
  });

  it('stops delivering when a handler closes the device', async () => {
    const { dev, io } = device();
    let n = 0;
    dev.onReceive(() => {
      n++;
      void dev.close();
    });
    const f = tcpFrame(1);
    const { slab, lengths } = rxSlab(dev, [{ frame: f }, { frame: f }]);
    dev.receiveBatch(slab, lengths, 2, 0);
    expect(n).toBe(1);
    expect(io.closed).toBe(1);
  });
});

describe('transmit', () => {
  it('queues frames and writes them in one batch per tick, header first', async () => {
    const { dev, io } = device();
    const a = tcpFrame(10);
    const b = tcpFrame(20);
    expect(dev.transmit(a)).toBe(true);
    expect(dev.transmit(b)).toBe(true);
    a.fill(0); // the caller may reuse its buffer at once
    expect(io.batches).toHaveLength(0); // nothing written inside transmit
    await tick();
    expect(io.batches).toHaveLength(1);
    const [w1, w2] = io.batches[0]!;
    expect(w1!.subarray(0, VNET_HDR_LEN)).toEqual(new Uint8Array(VNET_HDR_LEN));
    expect(w1!.subarray(VNET_HDR_LEN)).toEqual(tcpFrame(10));
    expect(w2!.subarray(VNET_HDR_LEN)).toEqual(b);
    expect(dev.stats).toMatchObject({ txFrames: 2, txBytes: a.length + b.length, txBatches: 1, txDropped: 0 });
  });

  it('asks the kernel for the checksum (NEEDS_CSUM) when it took TUN_F_CSUM', async () => {
    const { dev, io } = device();
    const f = tcpFrame(100);
    dev.transmit(f, { checksumStart: 34, checksumOffset: 16 });
    await tick();
    const w = io.batches[0]![0]!;
    expect(w[0]).toBe(VnetFlags.NEEDS_CSUM);
    expect(w[1]).toBe(VnetGso.NONE);
    expect(readU16LE(w, 6)).toBe(34);
    expect(readU16LE(w, 8)).toBe(16);
    expect(w.subarray(VNET_HDR_LEN)).toEqual(f); // left partial for the kernel
    expect(dev.stats.csumOffloadOut).toBe(1);
  });

  it('completes the checksum itself when the kernel did not take checksum offload', async () => {
    for (const n of [NONE, RAW]) {
      const { dev, io } = device(n, n.vnetHdr ? { offloads: false } : { vnetHdr: false, offloads: false });
      const f = tcpFrame(101); // odd length
      dev.transmit(f, { checksumStart: 34, checksumOffset: 16 });
      await tick();
      const w = io.batches[0]![0]!;
      const frame = w.subarray(n.vnetHdr ? VNET_HDR_LEN : 0);
      if (n.vnetHdr) expect(w[0]).toBe(0);
      // a complete TCP checksum verifies: the sum over pseudo-header + segment folds to 0xffff
      const ph = pseudoHeaderSum(0x0a4d0002, 0x0a4d0001, 6, frame.length - 34);
      expect(checksum(frame, 34, frame.length, ph)).toBe(0);
      expect(readU16(frame, 50)).not.toBe(readU16(f, 50));
      expect(dev.stats.csumOffloadOut).toBe(0);
    }
  });

  it('hands a GSO frame to the kernel: GSO_TCPV4, gso_size, hdr_len; ECN with CWR; through a VLAN tag', async () => {
    const { dev, io } = device();
    dev.transmit(tcpFrame(60_000), { checksumStart: 34, checksumOffset: 16, gsoSize: 1448 });
    dev.transmit(tcpFrame(3000, { cwr: true }), { checksumStart: 34, checksumOffset: 16, gsoSize: 1000 });
    dev.transmit(tcpFrame(3000, { vlan: true }), { checksumStart: 38, checksumOffset: 16, gsoSize: 1000 });
    await tick();
    const [a, b, c] = io.batches[0]!;
    expect([a![0], a![1], readU16LE(a!, 2), readU16LE(a!, 4), readU16LE(a!, 6), readU16LE(a!, 8)]).toEqual([1, VnetGso.TCPV4, 54, 1448, 34, 16]);
    expect(b![1]).toBe(VnetGso.TCPV4 | VnetGso.ECN);
    expect([c![1], readU16LE(c!, 2)]).toEqual([VnetGso.TCPV4, 58]);
    expect(dev.stats.gsoOut).toBe(3);
  });

  it('drops what it cannot do, counting why', () => {
    const { dev } = device(NONE, { offloads: false });
    expect(dev.transmit(tcpFrame(3000), { gsoSize: 1000 })).toBe(false); // GSO not negotiated
    expect(dev.transmit(tcpFrame(1500))).toBe(false); // over the MTU
    expect(dev.transmit(new Uint8Array(13))).toBe(false);
    expect(dev.stats.dropped).toMatchObject({ offload: 1, oversize: 1, runt: 1 });
    const d2 = device().dev;
    expect(d2.transmit(tcpFrame(70_000), { gsoSize: 1000 })).toBe(false); // over 64 KiB
    const udp = tcpFrame(3000);
    udp[23] = 17;
    expect(d2.transmit(udp, { gsoSize: 1000 })).toBe(false); // GSO of a non-TCP packet
    expect(d2.transmit(tcpFrame(10), { checksumStart: 34, checksumOffset: 100 })).toBe(false); // field outside
    expect(d2.stats.dropped).toMatchObject({ oversize: 1, offload: 2 });
    expect(d2.stats.txDropped).toBe(3);
  });

  it('EAGAIN keeps the rest queued, in order, until the fd is writable', async () => {
    const { dev, io } = device();
    io.accept = 2;
    const frames = [1, 2, 3, 4, 5].map((n) => tcpFrame(n));
    for (const f of frames) dev.transmit(f);
    await tick();
    expect(io.batches[0]).toHaveLength(2);
    expect(io.wantWritableCalls).toBe(1);
    dev.transmit(tcpFrame(6));
    await tick();
    expect(io.batches).toHaveLength(1); // waiting for writable: no write
    io.accept = Infinity;
    dev.writable();
    expect(io.batches[1]!.map((w) => w.length - VNET_HDR_LEN)).toEqual([3, 4, 5, 6].map((n) => tcpFrame(n).length));
    expect(dev.stats).toMatchObject({ txFrames: 6, txBatches: 2, txDropped: 0 });
  });

  it('writes at once when the queue fills, and drops (queueFull) only while the kernel pushes back', async () => {
    const { dev, io } = device(ALL, { txQueueFrames: 2 });
    dev.transmit(tcpFrame(1));
    dev.transmit(tcpFrame(2));
    expect(dev.transmit(tcpFrame(3))).toBe(true); // the full queue went out synchronously first
    expect(io.batches).toHaveLength(1);
    io.accept = 0;
    await tick(); // frame 3: EAGAIN
    dev.transmit(tcpFrame(4));
    expect(dev.transmit(tcpFrame(5))).toBe(false);
    expect(dev.stats.dropped.queueFull).toBe(1);
  });

  it('counts frames the kernel refused', async () => {
    const { dev, io } = device();
    io.refuse.add(1);
    dev.transmit(tcpFrame(1));
    dev.transmit(tcpFrame(2));
    await tick();
    expect(dev.stats).toMatchObject({ txFrames: 1, txDropped: 1 });
    expect(dev.stats.dropped.writeError).toBe(1);
    expect(dev.lastWriteError).toBe('EIO');
  });

  it('close writes what is queued, then nothing more; idempotent', async () => {
    const { dev, io } = device();
    dev.transmit(tcpFrame(1));
    await dev.close();
    expect(io.batches).toHaveLength(1);
    expect(io.closed).toBe(1);
    expect(dev.up).toBe(false);
    expect(dev.transmit(tcpFrame(2))).toBe(false);
    await tick();
    expect(io.batches).toHaveLength(1);
    expect(dev.stats.dropped.closed).toBe(1);
    await dev.close();
    expect(io.closed).toBe(1);
  });

  it('close drops frames still waiting for the kernel', async () => {
    const { dev, io } = device();
    io.accept = 0;
    dev.transmit(tcpFrame(1));
    await tick();
    await dev.close();
    expect(dev.stats.dropped.closed).toBe(1);
    dev.writable(); // a late wake-up writes nothing
    expect(io.batches.flat()).toHaveLength(0);
  });
});
