// Frame builders for tests: hand-laid headers (RFC 826, 791, 792, 768, 9293).
import { checksum, fold, pseudoHeaderSum, writeU16, writeU32, writeU48 } from '@stack/wire';

export const BROADCAST = 0xffff_ffff_ffff;

export function ethernet(dst: number, src: number, type: number, payload: Uint8Array | number = 0): Uint8Array {
  const body = typeof payload === 'number' ? new Uint8Array(payload) : payload;
  const f = new Uint8Array(14 + body.length);
  writeU48(f, 0, dst);
  writeU48(f, 6, src);
  writeU16(f, 12, type);
  f.set(body, 14);
  return f;
}

export function arp(op: 1 | 2, sha: number, spa: number, tha: number, tpa: number): Uint8Array {
  const b = new Uint8Array(28);
  writeU16(b, 0, 1);
  writeU16(b, 2, 0x0800);
  b[4] = 6;
  b[5] = 4;
  writeU16(b, 6, op);
  writeU48(b, 8, sha);
  writeU32(b, 14, spa);
  writeU48(b, 18, tha);
  writeU32(b, 24, tpa);
  return b;
}

export function ipv4(src: number, dst: number, protocol: number, payload: Uint8Array, opts: { id?: number; offset?: number; more?: boolean } = {}): Uint8Array {
  const b = new Uint8Array(20 + payload.length);
  b[0] = 0x45;
  writeU16(b, 2, b.length);
  writeU16(b, 4, opts.id ?? 1);
  writeU16(b, 6, ((opts.offset ?? 0) / 8) | (opts.more ? 0x2000 : 0));
  b[8] = 64;
  b[9] = protocol;
  writeU32(b, 12, src);
  writeU32(b, 16, dst);
  writeU16(b, 10, checksum(b, 0, 20));
  b.set(payload, 20);
  return b;
}

export function icmpEcho(type: 0 | 8, id: number, seq: number, dataLen: number): Uint8Array {
  const b = new Uint8Array(8 + dataLen);
  b[0] = type;
  writeU16(b, 4, id);
  writeU16(b, 6, seq);
  writeU16(b, 2, checksum(b));
  return b;
}

export function udp(srcPort: number, dstPort: number, data: Uint8Array): Uint8Array {
  const b = new Uint8Array(8 + data.length);
  writeU16(b, 0, srcPort);
  writeU16(b, 2, dstPort);
  writeU16(b, 4, b.length);
  b.set(data, 8);
  return b;
}

export function tcp(srcPort: number, dstPort: number, seq: number, ack: number, flags: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(20 + data.length);
  writeU16(b, 0, srcPort);
  writeU16(b, 2, dstPort);
  writeU32(b, 4, seq);
  writeU32(b, 8, ack);
  b[12] = 5 << 4;
  b[13] = flags;
  writeU16(b, 14, 65535);
  b.set(data, 20);
  return b;
}

/** A frame whose payload carries a sequence number, for order checks. */
export function numbered(dst: number, src: number, n: number, size = 64): Uint8Array {
  const f = ethernet(dst, src, 0x88b5, size - 14);
  writeU32(f, 14, n);
  return f;
}

/** What `gsoFrame` builds: an Ethernet + IPv4 + TCP frame as a stack with GSO hands it to its device. */
export interface GsoFrameSpec {
  src?: number;
  dst?: number;
  /** IPv4 identification of the frame (the device numbers segments from it). */
  id?: number;
  seq?: number;
  /** TCP flags byte (default ACK | PSH). */
  flags?: number;
  /** TCP options, padded to a multiple of 4 (default none). */
  options?: Uint8Array;
  /** 802.1Q VLAN ids to tag the frame with, outermost first (0..2 tags). */
  vlans?: readonly number[];
  /** Leave only the folded pseudo-header sum in the TCP checksum field ('partial'), or the full checksum. */
  checksum?: 'partial' | 'full';
}

/** Offset of the IPv4 header in a frame with `tags` VLAN tags. */
export function l3Offset(tags = 0): number {
  return 14 + 4 * tags;
}

/**
 * Builds a (GSO) frame carrying `payload` in one TCP segment: DF set, TTL 64,
 * ports 40000 → 80, window 65535. The IP header checksum is valid; the TCP
 * checksum is partial or full as asked.
 */
export function gsoFrame(payload: Uint8Array, spec: GsoFrameSpec = {}): Uint8Array {
  const vlans = spec.vlans ?? [];
  const opts = spec.options ?? new Uint8Array(0);
  const l3 = l3Offset(vlans.length);
  const l4 = l3 + 20;
  const thl = 20 + opts.length;
  const f = new Uint8Array(l4 + thl + payload.length);
  writeU48(f, 0, 0x020000000002);
  writeU48(f, 6, 0x020000000001);
  let at = 12;
  for (const vid of vlans) {
    writeU16(f, at, 0x8100);
    writeU16(f, at + 2, vid);
    at += 4;
  }
  writeU16(f, at, 0x0800);
  const src = spec.src ?? 0x0a4d0001;
  const dst = spec.dst ?? 0x0a4d0002;
  f[l3] = 0x45;
  writeU16(f, l3 + 2, 20 + thl + payload.length);
  writeU16(f, l3 + 4, spec.id ?? 0x1234);
  writeU16(f, l3 + 6, 0x4000);
  f[l3 + 8] = 64;
  f[l3 + 9] = 6;
  writeU32(f, l3 + 12, src);
  writeU32(f, l3 + 16, dst);
  writeU16(f, l3 + 10, checksum(f, l3, l4));
  writeU16(f, l4, 40000);
  writeU16(f, l4 + 2, 80);
  writeU32(f, l4 + 4, spec.seq ?? 1000);
  writeU32(f, l4 + 8, 77);
  f[l4 + 12] = (thl / 4) << 4;
  f[l4 + 13] = spec.flags ?? 0x18;
  writeU16(f, l4 + 14, 65535);
  f.set(opts, l4 + 20);
  f.set(payload, l4 + thl);
  const pseudo = pseudoHeaderSum(src, dst, 6, thl + payload.length);
  writeU16(f, l4 + 16, spec.checksum === 'full' ? checksum(f, l4, f.length, pseudo) : fold(pseudo));
  return f;
}
