// IPv4 header codec and checksum micro-benchmarks (vitest bench; not a test).
// Run: cd /work/main && npx vitest bench --run packages/ipv4/bench
// vitest prints, per group, how many times faster the fastest entry is than
// the others: that ratio against the plain baseline is the number to watch.
import { bench, describe } from 'vitest';
import { checksum, fromHex } from '@stack/wire';
import { Ipv4HeaderView, emitIpv4Header, parseIpv4Header, validateIpv4Header, writeIpv4Header, type Ipv4Repr } from '../src/index.js';

const PACKET = new Uint8Array(1500);
PACKET.set(fromHex('4500 05dc 1c46 4000 4006 0000 0a4d 0001 0a4d 0002'));
emitIpv4Header(
  { src: 0x0a4d0001, dst: 0x0a4d0002, protocol: 6, ttl: 64, tos: 0, identification: 0x1c46, dontFragment: true, moreFragments: false, fragmentOffset: 0, payloadLength: 1480, headerLength: 20 },
  PACKET,
);
const REPR: Ipv4Repr = (() => {
  const r = parseIpv4Header(PACKET);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
})();
const OUT = new Uint8Array(1500);
let sink = 0;

describe('parse an IPv4 header (checksum verified)', () => {
  bench('parseIpv4Header → repr', () => {
    const r = parseIpv4Header(PACKET);
    if (r.ok) sink ^= r.value.dst;
  });
  bench('validateIpv4Header + view (what the layer does)', () => {
    if (validateIpv4Header(PACKET) === null) sink ^= new Ipv4HeaderView(PACKET).dst;
  });
});

describe('emit an IPv4 header (checksum computed)', () => {
  bench('emitIpv4Header(repr)', () => {
    emitIpv4Header(REPR, OUT, 0);
  });
  bench('writeIpv4Header (no repr, what the layer does)', () => {
    writeIpv4Header(OUT, 0, 20, 0, 1500, 0x1c46, 0x4000, 64, 6, 0x0a4d0001, 0x0a4d0002);
  });
});

/** The baseline: RFC 1071 as most people first write it, one byte at a time. */
function byteLoopChecksum(buf: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i++) sum += i % 2 === 0 ? buf[i]! << 8 : buf[i]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const BUFFERS = Array.from({ length: 16 }, (_, k) => {
  const b = new Uint8Array(1500);
  for (let i = 0; i < b.length; i++) b[i] = (i * 31 + k * 7) & 0xff;
  return b;
});
for (const b of BUFFERS) if (checksum(b) !== byteLoopChecksum(b)) throw new Error('checksum implementations disagree');

describe('internet checksum over 1500-byte buffers', () => {
  let k = 0;
  bench('@stack/wire checksum (8 bytes a turn, 32-bit accumulation)', () => {
    sink ^= checksum(BUFFERS[k++ & 15]!);
  });
  bench('plain byte loop (baseline)', () => {
    sink ^= byteLoopChecksum(BUFFERS[k++ & 15]!);
  });
});

export { sink };
