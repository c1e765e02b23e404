// The TCP segment codec on its own: parse the SYN Linux sent (bytes from
// src/fixtures/linux-tcp.hex), look at its options, and answer with a
// SYN-ACK written into a buffer with headroom for the Ethernet and IPv4
// headers, as the engine will. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/tcp/examples/basic.ts
import {
  TcpFlags, TcpSegmentView, emitTcp, formatTcpSegment, parseTcp, readTimestamps, seqAdd, tcpBufferLen, type TcpRepr,
} from '@stack/tcp';
import { isDeepStrictEqual } from 'node:util';
import { formatIpv4, fromHex, ipv4, toHex } from '@stack/wire';

const client = ipv4('10.77.60.1');
const server = ipv4('10.77.60.2');

// Linux's SYN from 10.77.60.1:40000 to 10.77.60.2:5555 (the TCP part of the IPv4 packet).
const synBytes = fromHex(`
  9c40 15b3 1f5d 0e45 0000 0000 a002 faf0 735e 0000
  0204 05b4 0402 080a d032 9d48 0000 0000 0103 030a`);

const parsed = parseTcp(synBytes, client, server); // checks the checksum with the pseudo-header
if (!parsed.ok) throw new Error(`${parsed.error.kind} at ${parsed.error.offset}: ${parsed.error.message}`);
const syn = parsed.value;
console.log(`${formatIpv4(client)} -> ${formatIpv4(server)}: ${formatTcpSegment(syn)}`);
console.log('options:', syn.options);

// The same from the zero-copy view, as the engine reads every segment: no objects built.
const view = TcpSegmentView.checked(synBytes, client, server);
const ts = { value: 0, echo: 0 };
if (view.ok && view.value.has(TcpFlags.SYN) && readTimestamps(synBytes, ts)) console.log('view: seq', view.value.seq, 'TSval', ts.value);

// The answer. Options go out in Linux's layout (MSS, SACK-permitted + timestamps, NOP + window scale).
const synAck: TcpRepr = {
  srcPort: syn.dstPort,
  dstPort: syn.srcPort,
  seq: 0x2b8f_10a7, // the engine will pick this per RFC 6528
  ack: seqAdd(syn.seq, 1),
  flags: TcpFlags.SYN | TcpFlags.ACK,
  window: 65160,
  urgentPointer: 0,
  options: {
    mss: 1460,
    ...(syn.options.sackPermitted ? { sackPermitted: true } : {}),
    ...(syn.options.timestamps ? { timestamps: { value: 1000, echo: syn.options.timestamps.value } } : {}),
    ...(syn.options.windowScale !== undefined ? { windowScale: 7 } : {}),
  },
  payloadLength: 0,
};
const headroom = 14 + 20; // Ethernet + IPv4, filled in by the layers below
const frame = new Uint8Array(headroom + tcpBufferLen(synAck));
const n = emitTcp(synAck, frame, headroom, { src: server, dst: client });
const segment = frame.subarray(headroom, headroom + n);
console.log(`${formatIpv4(server)} -> ${formatIpv4(client)}: ${formatTcpSegment(synAck)}`);
console.log('bytes:', toHex(segment));
console.log('parses back equal:', isDeepStrictEqual(parseTcp(segment, server, client), { ok: true, value: synAck }));

// With checksum offload the device finishes the checksum: we write only the pseudo-header sum.
emitTcp(synAck, frame, headroom, { src: server, dst: client, checksum: 'partial' });
console.log('partial checksum field:', toHex(segment.subarray(16, 18)), '→', parseTcp(segment, server, client).ok ? 'verifies' : 'left for the device');
