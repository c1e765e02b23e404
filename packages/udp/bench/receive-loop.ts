// UDP receive throughput in a plain loop, outside vitest (whose module
// runner slows this sub-microsecond path several times over). Not a test.
// Run: cd /work/main && node --conditions=@stack/source --import tsx packages/udp/bench/receive-loop.ts [--offload]
//
// One 64-byte UDP datagram (92-byte IPv4 datagram) is handed to the real
// IPv4 layer as the Ethernet layer would, and goes up through the real UDP
// layer to a bound socket's handler. The figure is the best of 8 rounds of
// 2,000,000 datagrams, in datagrams per second of this process's CPU time
// (user + system: other load on the machine moves it less than wall time).
// `--offload`: the device verified the checksums (the UDP checksum is not
// recomputed). A floor runs in the same process for comparison: the header
// checks and field reads alone, no layers.
import { plainCapabilities, type ArpLayer, type EthernetLayer, type EthernetRxInfo } from '@stack/interfaces';
import { createIpv4, validateIpv4Header } from '@stack/ipv4';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { ipv4, parseCidr, readU16, readU32 } from '@stack/wire';
import { ipv4Datagram } from '@stack/testkit/fake-ip';
import { checkUdp, createUdp, emitUdp } from '../src/index.js';

const offload = process.argv.includes('--offload');
const US = ipv4('10.77.0.2');
const PEER = ipv4('10.77.0.1');
const udpBytes = new Uint8Array(8 + 64);
emitUdp({ srcPort: 40000, dstPort: 9, length: udpBytes.length }, udpBytes, 0, { src: PEER, dst: US, payload: new Uint8Array(64).map((_, i) => i), checksum: true });
const PACKET = ipv4Datagram({ src: PEER, dst: US, protocol: 17, payload: udpBytes });

const eth: EthernetLayer = {
  mac: 0x020000000001,
  mtu: 1500,
  capabilities: plainCapabilities(1500),
  input() {},
  register() {},
  write: () => true,
  joinMulticast() {},
  leaveMulticast() {},
  stats: { rx: 0, tx: 0, dropped: {} },
};
const arp = { write: () => true } as unknown as ArpLayer;
const ip = createIpv4(eth, arp, { scheduler: new SimScheduler(), random: new SeededRandom(1) }, { address: parseCidr('10.77.0.2/24') });
const udp = createUdp(ip, { scheduler: new SimScheduler(), random: new SeededRandom(1) });
let sink = 0;
udp.bind(9, (d) => {
  sink ^= d.srcPort ^ d.data.length;
});
const info: EthernetRxInfo = { src: 0x020000000099, dst: eth.mac, etherType: 0x0800, vlan: -1, meta: { checksumVerified: offload, checksumPartial: false } };

function floor(): void {
  if (validateIpv4Header(PACKET, !offload) !== null) return;
  const src = readU32(PACKET, 12);
  const dst = readU32(PACKET, 16);
  const u = PACKET.subarray(20);
  if (checkUdp(u, src, dst, !offload) !== null) return;
  sink ^= readU16(u, 0) ^ (readU16(u, 4) - 8) ^ dst;
}

function best(run: () => void): number {
  const n = 2_000_000;
  let top = 0;
  for (let round = 0; round < 8; round++) {
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) run();
    const d = process.cpuUsage(t);
    top = Math.max(top, (n / (d.user + d.system)) * 1e6);
  }
  return top;
}

const layers = best(() => ip.input(PACKET, info));
const base = best(floor);
if (ip.stats.delivered === 0 || udp.stats.rx === 0) throw new Error('nothing was delivered');
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(`UDP receive, 64-byte payload, checksums ${offload ? 'offloaded' : 'verified in software'}`);
console.log(`  IPv4 → UDP → handler: ${fmt(layers)} datagrams/s`);
console.log(`  floor (checks only):  ${fmt(base)} datagrams/s   layers/floor = ${(layers / base).toFixed(2)}  (${sink & 1})`);
