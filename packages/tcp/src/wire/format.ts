import { TcpFlags } from './fields.js';
import type { TcpOptions } from './options.js';
import type { TcpRepr } from './segment.js';

const FLAG_NAMES: readonly (readonly [number, string])[] = [
  [TcpFlags.FIN, 'FIN'], [TcpFlags.SYN, 'SYN'], [TcpFlags.RST, 'RST'], [TcpFlags.PSH, 'PSH'], [TcpFlags.ACK, 'ACK'],
  [TcpFlags.URG, 'URG'], [TcpFlags.ECE, 'ECE'], [TcpFlags.CWR, 'CWR'], [TcpFlags.AE, 'AE'],
];

/** Control bits by name for logs (RFC 9293 §3.1): `SYN|ACK`; reserved bits as `0x…`; `-` for none. */
export function formatTcpFlags(flags: number): string {
  const parts: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) parts.push(name);
  const reserved = flags & 0xe00;
  if (reserved !== 0) parts.push(`0x${reserved.toString(16)}`);
  return parts.length > 0 ? parts.join('|') : '-';
}

/** Options in tcpdump's words: `mss 1460,sackOK,TS val 1 ecr 0,wscale 7,sack 1 {a:b},kind 30 len 5`. */
export function formatTcpOptions(options: TcpOptions): string {
  const parts: string[] = [];
  if (options.mss !== undefined) parts.push(`mss ${options.mss}`);
  if (options.sackPermitted === true) parts.push('sackOK');
  if (options.timestamps !== undefined) parts.push(`TS val ${options.timestamps.value} ecr ${options.timestamps.echo}`);
  if (options.windowScale !== undefined) parts.push(`wscale ${options.windowScale}`);
  if (options.sack !== undefined) parts.push(`sack ${options.sack.length} ${options.sack.map((b) => `{${b.left}:${b.right}}`).join('')}`);
  for (const u of options.unknown ?? []) parts.push(`kind ${u.kind} len ${u.data.length + 2}`);
  return parts.join(',');
}

/** A one-line summary of a segment for logs and traces: `40000 > 5555 [SYN] seq 1 ack 0 win 64240 [mss 1460] len 0`. */
export function formatTcpSegment(repr: TcpRepr): string {
  const opts = formatTcpOptions(repr.options);
  return (
    `${repr.srcPort} > ${repr.dstPort} [${formatTcpFlags(repr.flags)}] seq ${repr.seq} ack ${repr.ack} win ${repr.window}` +
    (repr.urgentPointer !== 0 ? ` urg ${repr.urgentPointer}` : '') +
    (opts !== '' ? ` [${opts}]` : '') +
    ` len ${repr.payloadLength}`
  );
}
