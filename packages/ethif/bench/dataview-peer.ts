// The benchmark's peer: the "obvious" JavaScript Ethernet codec, on a
// DataView, with the same semantics as @stack/ethif's. In its own module so
// both sides are called across a module boundary alike.
import type { EthernetRepr } from '../src/index.js';

/** The peer: a DataView codec with the same semantics. */
export function dvParse(bytes: Uint8Array): EthernetRepr | undefined {
  if (bytes.length < 14) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dst = dv.getUint16(0) * 2 ** 32 + dv.getUint32(2);
  const src = dv.getUint16(6) * 2 ** 32 + dv.getUint32(8);
  const type = dv.getUint16(12);
  if (type !== 0x8100) return { dst, src, etherType: type };
  if (bytes.length < 18) return undefined;
  const tci = dv.getUint16(14);
  return { dst, src, etherType: dv.getUint16(16), vlan: { pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0xfff } };
}

export function dvEmit(repr: EthernetRepr, buf: Uint8Array, offset: number): number {
  const dv = new DataView(buf.buffer, buf.byteOffset + offset);
  dv.setUint16(0, Math.floor(repr.dst / 2 ** 32));
  dv.setUint32(2, repr.dst >>> 0);
  dv.setUint16(6, Math.floor(repr.src / 2 ** 32));
  dv.setUint32(8, repr.src >>> 0);
  if (!repr.vlan) {
    dv.setUint16(12, repr.etherType);
    return 14;
  }
  dv.setUint16(12, 0x8100);
  dv.setUint16(14, (repr.vlan.pcp << 13) | (repr.vlan.dei ? 0x1000 : 0) | repr.vlan.vid);
  dv.setUint16(16, repr.etherType);
  return 18;
}
