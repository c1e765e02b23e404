// UDP receive path micro-benchmarks (vitest bench; not a test).
// Run: cd /work/main && npx vitest bench --run --project unit packages/udp/bench
//
// What is measured: one 64-byte UDP datagram handed to the real IPv4 layer
// (as the Ethernet layer hands it over) and up through the real UDP layer to
// a bound socket's handler; and the UDP layer alone. The baseline in each
// group is the floor: the same checks and field reads with no layer around
// them (`validateIpv4Header` + `checkUdp` + reads). vitest prints how many
// times faster the fastest entry is than the others: the ratio of the
// layers to the floor is the overhead the layers add per datagram.
//
// Each bench iteration hands in BATCH datagrams, so tinybench's per-call
// timing overhead does not swamp a path that takes a fraction of a
// microsecond: datagrams/s = hz × BATCH.
//
// Absolute figures here are several times lower than in plain Node: vitest's
// module runner reaches every imported function through a getter on the
// module namespace, which costs more than this path itself. Compare entries
// within one run only; for datagrams/s use receive-loop.ts next to this file.
import { bench, describe } from 'vitest';
import {
  plainCapabilities,
  type ArpLayer,
  type EthernetHandler,
  type EthernetLayer,
  type EthernetRxInfo,
  type IpRxInfo,
} from '@stack/interfaces';
import { createIpv4, validateIpv4Header } from '@stack/ipv4';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { ipv4, parseCidr, readU16, readU32 } from '@stack/wire';
import { FakeIp, ipv4Datagram } from '@stack/testkit/fake-ip';
import { checkUdp, createUdp, emitUdp } from '../src/index.js';

const US = ipv4('10.77.0.2');
const PEER = ipv4('10.77.0.1');
const PAYLOAD = new Uint8Array(64).map((_, i) => i);

function datagram(): Uint8Array {
  const udp = new Uint8Array(8 + PAYLOAD.length);
  emitUdp({ srcPort: 40000, dstPort: 9, length: udp.length }, udp, 0, { src: PEER, dst: US, payload: PAYLOAD, checksum: true });
  return ipv4Datagram({ src: PEER, dst: US, protocol: 17, payload: udp });
}
const PACKET = datagram();

/** The least an Ethernet layer must be for IPv4 to run over it: nothing is sent here. */
const eth: EthernetLayer = {
  mac: 0x020000000001,
  mtu: 1500,
  capabilities: plainCapabilities(1500),
  input() {},
  register(_: number, __: EthernetHandler) {},
  write: () => true,
  joinMulticast() {},
  leaveMulticast() {},
  stats: { rx: 0, tx: 0, dropped: {} },
};
const arp = { write: () => true } as unknown as ArpLayer;

function ethInfo(checksumVerified: boolean): EthernetRxInfo {
  return { src: 0x020000000099, dst: eth.mac, etherType: 0x0800, vlan: -1, meta: { checksumVerified, checksumPartial: false } };
}

/** Datagrams per bench iteration. */
const BATCH = 100;
let sink = 0;
const deps = () => ({ scheduler: new SimScheduler(), random: new SeededRandom(1) });

// The whole host receive path above Ethernet: IPv4 → UDP → handler.
const ip = createIpv4(eth, arp, deps(), { address: parseCidr('10.77.0.2/24') });
const udp = createUdp(ip, deps());
udp.bind(9, (d) => {
  sink ^= d.srcPort ^ d.data.length;
});
const SW = ethInfo(false);
const OFFLOAD = ethInfo(true);

// The UDP layer alone, fed the info IPv4 would hand it.
const fakeIp = new FakeIp(US);
const udpAlone = createUdp(fakeIp, deps());
udpAlone.bind(9, (d) => {
  sink ^= d.srcPort ^ d.data.length;
});
const UDP_BYTES = PACKET.subarray(20);
const IP_INFO: IpRxInfo = {
  src: PEER, dst: US, protocol: 17, ttl: 64, tos: 0, broadcast: false, linkBroadcast: false, packet: PACKET, headerLength: 20, checksumVerified: false,
};

/** The floor: what any receive path must do, with no layer around it. */
function floor(verify: boolean): void {
  if (validateIpv4Header(PACKET, !verify) !== null) return;
  const src = readU32(PACKET, 12);
  const dst = readU32(PACKET, 16);
  const u = PACKET.subarray(20);
  if (checkUdp(u, src, dst, verify) !== null) return;
  sink ^= readU16(u, 0) ^ (readU16(u, 4) - 8) ^ dst;
}

describe('UDP receive, 64-byte payload, UDP checksum verified in software', () => {
  bench(`IPv4 layer → UDP layer → handler (×${BATCH})`, () => {
    for (let i = 0; i < BATCH; i++) ip.input(PACKET, SW);
  });
  bench(`UDP layer → handler, IpRxInfo prebuilt (×${BATCH})`, () => {
    for (let i = 0; i < BATCH; i++) udpAlone.input(UDP_BYTES, IP_INFO);
  });
  bench(`floor: header checks and field reads, no layers (baseline, ×${BATCH})`, () => {
    for (let i = 0; i < BATCH; i++) floor(true);
  });
});

describe('UDP receive, 64-byte payload, checksums offloaded to the device', () => {
  bench(`IPv4 layer → UDP layer → handler (×${BATCH})`, () => {
    for (let i = 0; i < BATCH; i++) ip.input(PACKET, OFFLOAD);
  });
  bench(`floor: header checks and field reads, no layers (baseline, ×${BATCH})`, () => {
    for (let i = 0; i < BATCH; i++) floor(false);
  });
});

export { sink };
