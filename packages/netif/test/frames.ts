// Frame builders for tests: hand-laid headers (RFC 826, 791, 792, 768, 9293).
import { checksum, writeU16, writeU32, writeU48 } from '@stack/wire';

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
