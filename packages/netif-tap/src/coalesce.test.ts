import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TxMeta } from '@stack/interfaces';
import { checksum, checksumValid, completePartialChecksum, fold, pseudoHeaderSum, readU16, readU32, writeU16, writeU32 } from '@stack/wire';
import { USO_MAX_SEGMENTS } from './coalesce.js';
import { ALL, device, tick } from './device.test-helper.js';
import { VNET_HDR_LEN, VnetField, VnetFlags, VnetGso, readU16LE } from './wire/fields.js';

const USO = { ...ALL, uso: true };
const PARTIAL: TxMeta = { checksumStart: 34, checksumOffset: 6 };
const US = 0x0a4d0002;
const THEM = 0x0a4d0001;

interface Dgram {
  payload: number;
  id: number;
  srcPort?: number;
  dstPort?: number;
  dst?: number;
  tos?: number;
  ttl?: number;
  flags?: number; // IPv4 flags + fragment offset word
  dstMac?: number;
  fill?: number;
}

/**
 * A UDP datagram as @stack's Ethernet layer hands it to the device with
 * checksum offload: Ethernet + IPv4 (checksum done) + UDP with the folded
 * pseudo-header sum in its checksum field, padded to the 60-byte minimum.
 */
function udpFrame(d: Dgram): Uint8Array {
  const len = 42 + d.payload;
  const f = new Uint8Array(Math.max(60, len));
  f.set([0x02, 0, 0, 0, 0, d.dstMac ?? 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
  f.set([0x45, d.tos ?? 0], 14);
  writeU16(f, 16, 28 + d.payload);
  writeU16(f, 18, d.id);
  writeU16(f, 20, d.flags ?? 0x4000);
  f[22] = d.ttl ?? 64;
  f[23] = 17;
  writeU32(f, 26, US);
  writeU32(f, 30, d.dst ?? THEM);
  writeU16(f, 24, checksum(f, 14, 34));
  writeU16(f, 34, d.srcPort ?? 7);
  writeU16(f, 36, d.dstPort ?? 40_000);
  writeU16(f, 38, 8 + d.payload);
  for (let i = 0; i < d.payload; i++) f[42 + i] = (d.fill ?? d.id) + i;
  writeU16(f, 40, fold(pseudoHeaderSum(US, d.dst ?? THEM, 17, 8 + d.payload)));
  return f;
}

/** Completes a partial checksum the way the kernel does for NEEDS_CSUM (skb_checksum_help). */
function complete(frame: Uint8Array, start: number, offset: number): void {
  completePartialChecksum(frame, start, frame.length, start + offset);
}

/**
 * What Linux makes of one written frame (virtio header first): a USO frame
 * cut into its datagrams as `__udp_gso_segment` and `inet_gso_segment` do
 * (ids counted up, lengths and checksums per segment), each checksum
 * completed; another frame as it is, its checksum completed if partial.
 * Written independently of coalesce.ts, from the kernel's behaviour.
 */
function kernelView(written: Uint8Array): Uint8Array[] {
  const flags = written[VnetField.FLAGS]!;
  const gsoType = written[VnetField.GSO_TYPE]!;
  // ip_rcv trims Ethernet padding to the IPv4 total length first.
  const frame = written.slice(VNET_HDR_LEN, VNET_HDR_LEN + 14 + readU16(written, VNET_HDR_LEN + 16));
  const start = readU16LE(written, VnetField.CSUM_START);
  const offset = readU16LE(written, VnetField.CSUM_OFFSET);
  if (gsoType !== VnetGso.UDP_L4) {
    if ((flags & VnetFlags.NEEDS_CSUM) !== 0) complete(frame, start, offset);
    return [frame];
  }
  const hdrLen = readU16LE(written, VnetField.HDR_LEN);
  const size = readU16LE(written, VnetField.GSO_SIZE);
  expect(hdrLen).toBe(42);
  expect(flags & VnetFlags.NEEDS_CSUM).toBe(VnetFlags.NEEDS_CSUM);
  expect([start, offset]).toEqual([34, 6]);
  // The kernel trusts the header lengths of what it cuts: they must describe the whole frame.
  expect(written.length).toBe(VNET_HDR_LEN + frame.length);
  expect(readU16(frame, 38)).toBe(frame.length - 34);
  expect(checksumValid(frame, 14, 34)).toBe(true);
  // The partial sum covers the pseudo-header with the full UDP length, as Linux's udp4_hwcsum leaves it.
  expect(readU16(frame, 40)).toBe(fold(pseudoHeaderSum(readU32(frame, 26), readU32(frame, 30), 17, frame.length - 34)));
  const out: Uint8Array[] = [];
  const id = readU16(frame, 18);
  for (let at = hdrLen, i = 0; at < frame.length; at += size, i++) {
    const n = Math.min(size, frame.length - at);
    const seg = new Uint8Array(42 + n);
    seg.set(frame.subarray(0, 42));
    seg.set(frame.subarray(at, at + n), 42);
    writeU16(seg, 16, 28 + n);
    writeU16(seg, 18, (id + i) & 0xffff);
    writeU16(seg, 24, 0);
    writeU16(seg, 24, checksum(seg, 14, 34));
    writeU16(seg, 38, 8 + n);
    writeU16(seg, 40, fold(pseudoHeaderSum(readU32(seg, 26), readU32(seg, 30), 17, 8 + n)));
    complete(seg, 34, 6);
    out.push(seg);
  }
  expect(out.length).toBeGreaterThan(1);
  return out;
}

/** A sent frame as the kernel should see it: without Ethernet padding, checksum completed. */
function expected(frame: Uint8Array): Uint8Array {
  const f = frame.slice(0, 14 + readU16(frame, 16));
  complete(f, 34, 6);
  return f;
}

/** Sends `dgrams` in one tick through a USO device; returns what was written and the device. */
async function sendAll(dgrams: Dgram[], negotiated = USO, options = {}) {
  const { io, dev } = device(negotiated, options);
  const frames = dgrams.map(udpFrame);
  for (const f of frames) expect(dev.transmit(f, PARTIAL)).toBe(true);
  await tick();
  return { io, dev, frames, written: io.batches.flat() };
}

const run = (n: number, payload: number, from = 100, extra: Partial<Dgram> = {}): Dgram[] =>
  Array.from({ length: n }, (_, i) => ({ payload, id: from + i, ...extra }));

describe('UDP coalescing into USO frames', () => {
  it('a run of one flow leaves as one frame that Linux cuts back into the same datagrams', async () => {
    const { dev, frames, written, io } = await sendAll(run(3, 18));
    expect(io.batches).toHaveLength(1);
    expect(written).toHaveLength(1);
    const w = written[0]!;
    expect(w[VnetField.GSO_TYPE]).toBe(VnetGso.UDP_L4);
    expect(readU16LE(w, VnetField.GSO_SIZE)).toBe(18);
    expect(w.length).toBe(VNET_HDR_LEN + 42 + 3 * 18); // the first frame's Ethernet padding is cut off
    expect(kernelView(w)).toEqual(frames.map(expected));
    expect(dev.stats).toMatchObject({ txFrames: 3, txBytes: 3 * 60, txBatches: 1, usoOut: 1, udpCoalesced: 3, csumOffloadOut: 1, gsoOut: 0, txDropped: 0 });
    expect(dev.coalescingUdp).toBe(true);
  });

  it('a shorter datagram joins as the last segment; the next one starts a new run', async () => {
    const { frames, written } = await sendAll([...run(2, 100), { payload: 40, id: 102 }, ...run(2, 100, 103)]);
    expect(written.map((w) => readU16LE(w, VnetField.GSO_SIZE))).toEqual([100, 100]);
    expect(written.flatMap(kernelView)).toEqual(frames.map(expected));
  });

  it('a longer datagram does not join', async () => {
    const { frames, written } = await sendAll([...run(2, 100), { payload: 101, id: 102 }]);
    expect(written).toHaveLength(2);
    expect(written[1]![VnetField.GSO_TYPE]).toBe(VnetGso.NONE);
    expect(written.flatMap(kernelView)).toEqual(frames.map(expected));
  });

  const breakers: [string, Partial<Dgram>][] = [
    ['another destination MAC', { dstMac: 9 }],
    ['another TOS', { tos: 0x10 }],
    ['another TTL', { ttl: 1 }],
    ['DF clear', { flags: 0 }],
    ['a fragment (MF)', { flags: 0x2000 }],
    ['another destination', { dst: 0x0a4d0009 }],
    ['another source port', { srcPort: 8 }],
    ['another destination port', { dstPort: 40_001 }],
    ['an id out of sequence', { id: 200 }],
  ];
  for (const [what, change] of breakers) {
    it(`${what} ends the run`, async () => {
      const { frames, written } = await sendAll([...run(2, 50), { payload: 50, id: 102, ...change }]);
      expect(written).toHaveLength(2);
      expect(written.flatMap(kernelView)).toEqual(frames.map(expected));
    });
  }

  it('leaves alone what it cannot cut: no partial checksum, IPv4 options, VLAN tags, TCP, empty datagrams', async () => {
    const { io, dev } = device(USO);
    const plain = run(2, 20).map(udpFrame);
    for (const f of plain) dev.transmit(f); // checksum already complete: no meta
    const options = run(2, 20, 300).map(udpFrame).map((f) => {
      f[14] = 0x46; // IHL 6
      return f;
    });
    for (const f of options) dev.transmit(f, PARTIAL);
    const tagged = run(2, 20, 400).map(udpFrame).map((f) => {
      const t = new Uint8Array(f.length + 4);
      t.set(f.subarray(0, 12));
      t.set([0x81, 0x00, 0x00, 0x05], 12);
      t.set(f.subarray(12), 16);
      return t;
    });
    for (const f of tagged) dev.transmit(f, { checksumStart: 38, checksumOffset: 6 });
    const tcp = run(2, 20, 500).map(udpFrame).map((f) => {
      f[23] = 6;
      return f;
    });
    for (const f of tcp) dev.transmit(f, PARTIAL);
    const empty = run(2, 0, 600).map(udpFrame);
    for (const f of empty) dev.transmit(f, PARTIAL);
    await tick();
    expect(io.batches.flat()).toHaveLength(10);
    expect(dev.stats).toMatchObject({ txFrames: 10, usoOut: 0, udpCoalesced: 0 });
  });

  it(`stops a run at ${USO_MAX_SEGMENTS} datagrams and at a 65,535-byte IPv4 packet`, async () => {
    const small = await sendAll(run(USO_MAX_SEGMENTS + 6, 10));
    expect(small.written.map((w) => kernelView(w).length)).toEqual([USO_MAX_SEGMENTS, 6]);
    expect(small.written.flatMap(kernelView)).toEqual(small.frames.map(expected));
    const large = await sendAll(run(100, 1472));
    // 20 + 8 + 44 * 1472 = 64,796 bytes; a 45th datagram would pass 65,535.
    expect(large.written.map((w) => kernelView(w).length)).toEqual([44, 44, 12]);
    expect(large.written.flatMap(kernelView)).toEqual(large.frames.map(expected));
  });

  it('ids wrap around 65535 inside a run', async () => {
    const { frames, written } = await sendAll([{ payload: 30, id: 0xfffe }, { payload: 30, id: 0xffff }, { payload: 30, id: 0 }]);
    expect(written).toHaveLength(1);
    expect(kernelView(written[0]!)).toEqual(frames.map(expected));
  });

  it('is off unless the kernel takes USO, checksum offload was negotiated and coalesceUdp is on', async () => {
    for (const [negotiated, options] of [[ALL, {}], [{ ...USO, csum: false }, {}], [USO, { coalesceUdp: false }]] as const) {
      const { dev, written, frames } = await sendAll(run(3, 18), negotiated, options);
      expect(dev.coalescingUdp).toBe(false);
      expect(written).toHaveLength(3);
      if (negotiated.csum) expect(written.flatMap(kernelView)).toEqual(frames.map(expected));
    }
  });

  it('a kernel that refuses a USO frame (EINVAL): its datagrams are counted lost, and later ones go one by one', async () => {
    const { io, dev } = device(USO);
    const realWrite = io.write.bind(io);
    io.write = (buf, offsets, lengths, count) => {
      for (let i = 0; i < count; i++) if (buf[offsets[i]! + VnetField.GSO_TYPE] === VnetGso.UDP_L4) lengths[i] = -22;
      return realWrite(buf, offsets, lengths, count);
    };
    for (const f of run(3, 18).map(udpFrame)) dev.transmit(f, PARTIAL);
    await tick();
    expect(dev.stats).toMatchObject({ txFrames: 0, txDropped: 3, usoOut: 0 });
    expect(dev.stats.dropped.writeError).toBe(3);
    expect(dev.lastWriteError).toBe('EINVAL');
    expect(dev.coalescingUdp).toBe(false);
    for (const f of run(3, 18, 103).map(udpFrame)) dev.transmit(f, PARTIAL);
    await tick();
    expect(dev.stats).toMatchObject({ txFrames: 3, usoOut: 0 });
  });

  it('EAGAIN: a queued run waits whole; frames sent meanwhile start a new one; close counts each datagram', async () => {
    const { io, dev } = device(USO);
    const first = [...run(1, 500, 1, { srcPort: 9 }), ...run(3, 18)].map(udpFrame);
    io.accept = 1;
    for (const f of first) dev.transmit(f, PARTIAL);
    await tick();
    expect(io.batches.flat()).toHaveLength(1);
    expect(io.wantWritableCalls).toBe(1);
    const later = run(2, 18, 103).map(udpFrame);
    for (const f of later) dev.transmit(f, PARTIAL);
    io.accept = Infinity;
    dev.writable();
    const written = io.batches.flat();
    expect(written.map((w) => kernelView(w).length)).toEqual([1, 3, 2]);
    expect(written.flatMap(kernelView)).toEqual([...first, ...later].map(expected));
    expect(dev.stats).toMatchObject({ txFrames: 6, usoOut: 2, udpCoalesced: 5 });
    for (const f of run(4, 18, 105).map(udpFrame)) dev.transmit(f, PARTIAL);
    await dev.close();
    // close writes what is queued first
    expect(dev.stats.txFrames).toBe(10);
    const closed = device(USO);
    closed.io.accept = 0;
    for (const f of run(4, 18).map(udpFrame)) closed.dev.transmit(f, PARTIAL);
    await tick();
    await closed.dev.close();
    expect(closed.dev.stats).toMatchObject({ txFrames: 0, txDropped: 4 });
    expect(closed.dev.stats.dropped.closed).toBe(4);
  });

  it('property: whatever mix of flows, sizes and ids is sent, Linux sees exactly the datagrams sent, in order', async () => {
    const dgram = fc.record({
      flow: fc.integer({ min: 0, max: 2 }),
      payload: fc.oneof(fc.constantFrom(1, 18, 100, 1472), fc.integer({ min: 1, max: 1472 })),
      skipId: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(dgram, { minLength: 1, maxLength: 150 }), async (spec) => {
        const ids = [10, 65_530, 300];
        const dgrams: Dgram[] = spec.map(({ flow, payload, skipId }) => {
          ids[flow] = (ids[flow]! + (skipId ? 2 : 1)) & 0xffff;
          return { payload, id: ids[flow]!, srcPort: 7 + flow, fill: flow * 50 };
        });
        const { frames, written, dev } = await sendAll(dgrams);
        expect(written.flatMap(kernelView)).toEqual(frames.map(expected));
        expect(dev.stats.txFrames).toBe(frames.length);
        expect(dev.stats.txDropped).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});
