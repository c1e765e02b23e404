import { StackError, type Ipv4Address, type Ipv4Cidr, type Ipv4Like, type MacAddress } from '@stack/interfaces';

// Addresses are plain numbers (see @stack/interfaces): IPv4 as u32, MAC as
// u48. These helpers turn them to and from text, for configs, logs and tests.

/** The IPv4 limited broadcast address 255.255.255.255. */
export const IPV4_BROADCAST: Ipv4Address = 0xffffffff;
/** 0.0.0.0, the unspecified address. */
export const IPV4_ANY: Ipv4Address = 0;
/** ff:ff:ff:ff:ff:ff */
export const MAC_BROADCAST: MacAddress = 0xffff_ffff_ffff;

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses a dotted quad ("10.0.0.1"); undefined if it is not one. Never throws. */
export function parseIpv4(text: string): Ipv4Address | undefined {
  const m = IPV4_RE.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i]!;
    if (part.length > 1 && part[0] === '0') return undefined; // no octal-looking "010"
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Parses a dotted quad or passes a number through; throws ERR_INVALID_ARGUMENT if neither is valid. */
export function ipv4(value: Ipv4Like): Ipv4Address {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return value;
    throw new StackError('ERR_INVALID_ARGUMENT', `not an IPv4 address: ${value} (want an integer 0..2^32-1 or a dotted quad)`);
  }
  const n = parseIpv4(value);
  if (n === undefined) throw new StackError('ERR_INVALID_ARGUMENT', `not an IPv4 address: "${value}" (want a dotted quad like 10.0.0.1)`);
  return n;
}

/** Formats an IPv4 address as a dotted quad. */
export function formatIpv4(addr: Ipv4Address): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** Parses "10.0.0.2/24"; throws ERR_INVALID_ARGUMENT with what is allowed. */
export function parseCidr(text: string): Ipv4Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new StackError('ERR_INVALID_ARGUMENT', `not an address/prefix: "${text}" (want e.g. 10.0.0.2/24)`);
  const address = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  const prefix = /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (address === undefined || !(prefix >= 0 && prefix <= 32)) {
    throw new StackError('ERR_INVALID_ARGUMENT', `not an address/prefix: "${text}" (want a dotted quad and a prefix 0..32, e.g. 10.0.0.2/24)`);
  }
  return { address, prefix };
}

/** Formats a CIDR as "10.0.0.2/24". */
export function formatCidr(cidr: Ipv4Cidr): string {
  return `${formatIpv4(cidr.address)}/${cidr.prefix}`;
}

/** The netmask of a prefix length (24 → 0xffffff00). */
export function prefixMask(prefix: number): number {
  return prefix <= 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** True when `addr` lies in the network of `cidr`. */
export function inNetwork(addr: Ipv4Address, cidr: Ipv4Cidr): boolean {
  const mask = prefixMask(cidr.prefix);
  return ((addr & mask) >>> 0) === ((cidr.address & mask) >>> 0);
}

/** The network's directed broadcast address (10.0.0.255 for 10.0.0.2/24). */
export function broadcastOf(cidr: Ipv4Cidr): Ipv4Address {
  return (cidr.address | ~prefixMask(cidr.prefix)) >>> 0;
}

/** The network address (10.0.0.0 for 10.0.0.2/24). */
export function networkOf(cidr: Ipv4Cidr): Ipv4Address {
  return (cidr.address & prefixMask(cidr.prefix)) >>> 0;
}

/** 224.0.0.0/4. */
export function isIpv4Multicast(addr: Ipv4Address): boolean {
  return addr >>> 28 === 0xe;
}

/** The Ethernet multicast MAC of an IPv4 group (RFC 1112 §6.4): 01:00:5e + low 23 bits. */
export function multicastMac(group: Ipv4Address): MacAddress {
  return 0x01005e000000 + (group & 0x7fffff);
}

const MAC_RE = /^([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})[:-]([0-9a-f]{2})$/i;

/** Parses "02:00:00:00:00:01" (or with dashes); undefined if it is not one. */
export function parseMac(text: string): MacAddress | undefined {
  const m = MAC_RE.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 6; i++) n = n * 256 + parseInt(m[i]!, 16);
  return n;
}

/** Parses a MAC or passes a number through; throws ERR_INVALID_ARGUMENT otherwise. */
export function mac(value: MacAddress | string): MacAddress {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= MAC_BROADCAST) return value;
    throw new StackError('ERR_INVALID_ARGUMENT', `not a MAC address: ${value} (want an integer 0..2^48-1)`);
  }
  const n = parseMac(value);
  if (n === undefined) throw new StackError('ERR_INVALID_ARGUMENT', `not a MAC address: "${value}" (want six hex bytes like 02:00:00:00:00:01)`);
  return n;
}

/** Formats a MAC address as lower-case colon-separated hex. */
export function formatMac(addr: MacAddress): string {
  let out = '';
  for (let shift = 40; shift >= 0; shift -= 8) {
    const byte = Math.floor(addr / 2 ** shift) & 0xff;
    out += (shift === 40 ? '' : ':') + (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return out;
}

/** True for group (multicast or broadcast) MACs: the I/G bit of the first byte. */
export function isMacMulticast(addr: MacAddress): boolean {
  return (Math.floor(addr / 0x100_0000_0000) & 1) === 1;
}

/** A locally administered unicast MAC (02:xx:...) made from 32 random bits: for simulated hosts. */
export function localMac(bits32: number): MacAddress {
  return 0x02_00_0000_0000 + (bits32 >>> 0);
}
