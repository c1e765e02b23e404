import { EtherType, IpProtocol, formatIpv4, formatMac, readU16, readU32, readU48 } from '@stack/wire';
import { Eth, TPID_8021AD, TPID_8021Q } from '../ethernet.js';
import { Arp, Icmp, Ipv4, Tcp, Udp } from './fields.js';

const UNREACHABLE_CODES = ['net', 'host', 'protocol', 'port', 'need-frag', 'source-route-failed'];

/**
 * One tcpdump-like line for an Ethernet frame: `src > dst` MACs, then ARP,
 * IPv4 with ICMP / UDP / TCP, fragments, VLAN tags; anything else by
 * EtherType. Never throws: what cannot be decoded prints `malformed`.
 */
export function summarizeFrame(frame: Uint8Array): string {
  if (frame.length < Eth.HEADER) return `malformed (${frame.length}-byte frame)`;
  let out = `${formatMac(readU48(frame, Eth.SRC))} > ${formatMac(readU48(frame, Eth.DST))} `;
  let type = readU16(frame, Eth.TYPE);
  let at = Eth.HEADER;
  for (let tags = 0; (type === TPID_8021Q || type === TPID_8021AD) && tags < 2; tags++) {
    if (frame.length < at + Eth.TAG) return `${out}vlan malformed`;
    out += `vlan ${readU16(frame, at) & 0x0fff} `;
    type = readU16(frame, at + 2);
    at += Eth.TAG;
  }
  const body = frame.subarray(at);
  switch (type) {
    case EtherType.ARP:
      return out + summarizeArp(body);
    case EtherType.IPv4:
      return out + summarizeIpv4(body);
    default:
      return `${out}ethertype 0x${type.toString(16).padStart(4, '0')} len ${body.length}`;
  }
}

function summarizeArp(b: Uint8Array): string {
  if (b.length < Arp.LENGTH) return 'ARP malformed';
  if (readU16(b, Arp.HTYPE) !== Arp.HTYPE_ETHERNET || readU16(b, Arp.PTYPE) !== EtherType.IPv4 || b[Arp.HLEN] !== 6 || b[Arp.PLEN] !== 4) {
    return `ARP htype ${readU16(b, Arp.HTYPE)} ptype 0x${readU16(b, Arp.PTYPE).toString(16)}`;
  }
  const op = readU16(b, Arp.OPER);
  const spa = formatIpv4(readU32(b, Arp.SPA));
  const tpa = formatIpv4(readU32(b, Arp.TPA));
  if (op === Arp.OP_REQUEST) return `ARP who-has ${tpa} tell ${spa}`;
  if (op === Arp.OP_REPLY) return `ARP reply ${spa} is-at ${formatMac(readU48(b, Arp.SHA))}`;
  return `ARP op ${op} ${spa} > ${tpa}`;
}

function summarizeIpv4(b: Uint8Array): string {
  if (b.length < Ipv4.MIN_HEADER) return 'IP malformed';
  const vihl = b[Ipv4.VERSION_IHL]!;
  const ihl = (vihl & 0x0f) * 4;
  const total = readU16(b, Ipv4.TOTAL_LENGTH);
  if (vihl >>> 4 !== 4 || ihl < Ipv4.MIN_HEADER || total < ihl || total > b.length) return 'IP malformed';
  const src = formatIpv4(readU32(b, Ipv4.SRC));
  const dst = formatIpv4(readU32(b, Ipv4.DST));
  const proto = b[Ipv4.PROTOCOL]!;
  const ff = readU16(b, Ipv4.FLAGS_FRAGMENT);
  const offset = (ff & Ipv4.FRAGMENT_MASK) * 8;
  const more = (ff & Ipv4.FLAG_MF) !== 0;
  const frag = offset > 0 || more ? ` frag id ${readU16(b, Ipv4.IDENT)} off ${offset}${more ? '+' : ''}` : '';
  const payload = b.subarray(ihl, total);
  if (offset > 0) return `IP ${src} > ${dst}: ${protoName(proto)}${frag}`;
  switch (proto) {
    case IpProtocol.ICMP:
      return `IP ${src} > ${dst}: ${summarizeIcmp(payload)}${frag}`;
    case IpProtocol.UDP: {
      if (payload.length < Udp.HEADER) return `IP ${src} > ${dst}: UDP malformed${frag}`;
      const len = readU16(payload, Udp.LENGTH);
      const ports = `${src}.${readU16(payload, Udp.SRC_PORT)} > ${dst}.${readU16(payload, Udp.DST_PORT)}`;
      return `IP ${ports}: ${len < Udp.HEADER ? 'UDP malformed' : `UDP len ${len - Udp.HEADER}`}${frag}`;
    }
    case IpProtocol.TCP: {
      if (payload.length < Tcp.MIN_HEADER) return `IP ${src} > ${dst}: TCP malformed${frag}`;
      const ports = `${src}.${readU16(payload, Tcp.SRC_PORT)} > ${dst}.${readU16(payload, Tcp.DST_PORT)}`;
      const doff = (payload[Tcp.DATA_OFFSET]! >>> 4) * 4;
      if (doff < Tcp.MIN_HEADER || doff > payload.length) return `IP ${ports}: TCP malformed${frag}`;
      const flags = payload[Tcp.FLAGS]!;
      const ack = (flags & Tcp.ACK_FLAG) !== 0 ? ` ack ${readU32(payload, Tcp.ACK)}` : '';
      return `IP ${ports}: TCP [${tcpFlags(flags)}] seq ${readU32(payload, Tcp.SEQ)}${ack} win ${readU16(payload, Tcp.WINDOW)} len ${payload.length - doff}${frag}`;
    }
    default:
      return `IP ${src} > ${dst}: proto ${proto} len ${payload.length}${frag}`;
  }
}

function summarizeIcmp(p: Uint8Array): string {
  if (p.length < Icmp.HEADER) return 'ICMP malformed';
  const type = p[Icmp.TYPE]!;
  const code = p[Icmp.CODE]!;
  switch (type) {
    case Icmp.ECHO_REQUEST:
    case Icmp.ECHO_REPLY:
      return `ICMP echo ${type === Icmp.ECHO_REQUEST ? 'request' : 'reply'} id ${readU16(p, Icmp.IDENT)} seq ${readU16(p, Icmp.SEQ)} len ${p.length}`;
    case Icmp.UNREACHABLE: {
      const what = UNREACHABLE_CODES[code] ?? `code ${code}`;
      const mtu = code === 4 ? ` mtu ${readU16(p, Icmp.NEXT_HOP_MTU)}` : '';
      return `ICMP ${what} unreachable${mtu} len ${p.length}`;
    }
    case Icmp.TIME_EXCEEDED:
      return `ICMP time exceeded ${code === 1 ? 'in reassembly' : 'in-transit'} len ${p.length}`;
    default:
      return `ICMP type ${type} code ${code} len ${p.length}`;
  }
}

function protoName(proto: number): string {
  return proto === IpProtocol.ICMP ? 'ICMP' : proto === IpProtocol.UDP ? 'UDP' : proto === IpProtocol.TCP ? 'TCP' : `proto ${proto}`;
}

/** tcpdump's flag letters: S F R P U E W, and "." for ACK. */
function tcpFlags(flags: number): string {
  let s = '';
  if (flags & Tcp.SYN) s += 'S';
  if (flags & Tcp.FIN) s += 'F';
  if (flags & Tcp.RST) s += 'R';
  if (flags & Tcp.PSH) s += 'P';
  if (flags & Tcp.URG) s += 'U';
  if (flags & Tcp.ECE) s += 'E';
  if (flags & Tcp.CWR) s += 'W';
  if (flags & Tcp.ACK_FLAG) s += '.';
  return s === '' ? 'none' : s;
}

/**
 * A whole trace line: time in seconds with microseconds, the device name,
 * `>` for a frame sent and `<` for one received, then the summary.
 */
export function formatTraceLine(timeMs: number, device: string, direction: 'tx' | 'rx', frame: Uint8Array): string {
  return `${(timeMs / 1000).toFixed(6)} ${device} ${direction === 'tx' ? '>' : '<'} ${summarizeFrame(frame)}`;
}
