// Parse and emit of Ethernet + IPv4 + UDP headers, per second.
// Peer: binary-parser (the registry's "blazing-fast binary parser builder",
// which compiles a parser to JS), parsing the same three headers into an
// object. No maintained JS packet codec exists in the registry to compare
// with; binary-parser is what a JS developer would reach for.
import { createRequire } from 'node:module';
import type { Parser as ParserType } from 'binary-parser';
import { parseEthernet, emitEthernet } from '@stack/ethif';
import { parseIpv4Header, validateIpv4Header, writeIpv4Header, Ipv4HeaderView } from '@stack/ipv4';
import { parseUdp, checkUdp, emitUdp } from '@stack/udp';
import { fromHex, readU16, readU32 } from '@stack/wire';
import { opsPerSecond, type Row } from './table.js';

// A UDP datagram "hello\n" from 10.77.0.1:40000 to 10.77.0.2:7, as Linux sent
// it (Ethernet header hand-made around packages/udp/src/fixtures/linux-udp.hex).
const FRAME = fromHex(`
  0277 0000 0002 0277 0000 0001 0800
  4500 0022 1234 4000 4011 0000 0a4d 0001 0a4d 0002
  9c40 0007 000e 0000 6865 6c6c 6f0a`);
// Fill in real checksums so every parser sees a valid packet.
{
  const ip = FRAME.subarray(14);
  writeIpv4Header(ip, 0, 20, 0, 34, 0x1234, 0x4000, 64, 17, 0x0a4d0001, 0x0a4d0002);
  const udp = ip.subarray(20);
  emitUdp({ srcPort: 40000, dstPort: 7, length: 14 }, udp, 0, { src: 0x0a4d0001, dst: 0x0a4d0002 });
}

// binary-parser 2.3's ESM build exports nothing; load its CommonJS build.
const { Parser } = createRequire(import.meta.url)('binary-parser/dist/binary_parser.js') as { Parser: typeof ParserType };

const peerParser = new Parser()
  .buffer('dst', { length: 6 })
  .buffer('src', { length: 6 })
  .uint16be('etherType')
  .bit4('version')
  .bit4('ihl')
  .uint8('tos')
  .uint16be('totalLength')
  .uint16be('identification')
  .uint16be('flagsFragment')
  .uint8('ttl')
  .uint8('protocol')
  .uint16be('checksum')
  .uint32be('srcIp')
  .uint32be('dstIp')
  .uint16be('srcPort')
  .uint16be('dstPort')
  .uint16be('udpLength')
  .uint16be('udpChecksum');

let sink = 0;

export async function headersSuite(): Promise<Row[]> {
  const frameBuf = Buffer.from(FRAME);
  const out = new Uint8Array(64);
  const r = await opsPerSecond({
    // The path the layers take: checks without allocating, then field reads.
    'stack hot path': () => {
      const f = FRAME;
      if (f.length < 14 || readU16(f, 12) !== 0x0800) throw new Error('bad frame');
      const ip = f.subarray(14);
      if (validateIpv4Header(ip, true) !== null) throw new Error('bad ip');
      const hl = (ip[0]! & 0x0f) * 4;
      const src = readU32(ip, 12);
      const dst = readU32(ip, 16);
      const udp = ip.subarray(hl, readU16(ip, 2));
      if (checkUdp(udp, src, dst, false) !== null) throw new Error('bad udp');
      sink ^= readU16(udp, 0) ^ readU16(udp, 2);
    },
    // Full reprs: one plain object per header.
    'stack reprs': () => {
      const e = parseEthernet(FRAME);
      if (!e.ok) throw new Error('bad frame');
      const ip = FRAME.subarray(14);
      const h = parseIpv4Header(ip);
      if (!h.ok) throw new Error('bad ip');
      const u = parseUdp(ip.subarray(20, h.value.payloadLength + 20), h.value.src, h.value.dst, { verifyChecksum: false });
      if (!u.ok) throw new Error('bad udp');
      sink ^= u.value.dstPort;
    },
    'binary-parser': () => {
      const p = peerParser.parse(frameBuf) as { dstPort: number };
      sink ^= p.dstPort;
    },
    'stack emit': () => {
      emitEthernet({ dst: 0x027700000002, src: 0x027700000001, etherType: 0x0800 }, out, 0);
      writeIpv4Header(out, 14, 20, 0, 34, 0x1234, 0x4000, 64, 17, 0x0a4d0001, 0x0a4d0002);
      out[34] = 0x9c; out[35] = 0x40; out[36] = 0; out[37] = 7; out[38] = 0; out[39] = 14; out[40] = 0; out[41] = 0;
      sink ^= out[24]!;
    },
  }, 100);
  void Ipv4HeaderView;
  return [
    { suite: 'headers', what: 'parse Ethernet+IPv4+UDP (checks, no allocation)', ours: r['stack hot path']!, peer: r['binary-parser']!, peerName: 'binary-parser 2.3', unit: 'headers/s', goal: '≥ 10,000,000/s' },
    { suite: 'headers', what: 'parse Ethernet+IPv4+UDP into reprs', ours: r['stack reprs']!, peer: r['binary-parser']!, peerName: 'binary-parser 2.3', unit: 'headers/s' },
    { suite: 'headers', what: 'emit Ethernet+IPv4+UDP (IPv4 checksum included)', ours: r['stack emit']!, peer: null, peerName: '—', unit: 'headers/s' },
  ];
}

export function keepAlive(): number {
  return sink;
}
