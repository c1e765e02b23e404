// Two hosts on a simulated cable, in virtual time, with the real Ethernet,
// ARP, IPv4 and ICMP layers under UDP: B runs an RFC 862 echo server on
// port 7, A sends from an ephemeral port, and a datagram to a closed port
// comes back to A's socket as an ICMP port unreachable. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/udp/examples/basic.ts
import { createUdp, parseUdp } from '@stack/udp';
import { createIcmp } from '@stack/icmp';
import { createIpv4 } from '@stack/ipv4';
import { createArp } from '@stack/arp';
import { createEthernet } from '@stack/ethif';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { formatIpv4, ipv4, parseCidr } from '@stack/wire';
import type { NetDevice } from '@stack/interfaces';

const scheduler = new SimScheduler();
const random = new SeededRandom(7);
const [devA, devB] = memoryLink({ scheduler, names: ['a', 'b'], latency: 2 /* ms each way */ });

function host(device: NetDevice, cidr: string) {
  const { address, prefix } = parseCidr(cidr);
  const eth = createEthernet(device, { scheduler });
  const arp = createArp(eth, { scheduler, random }, { address });
  const ip = createIpv4(eth, arp, { scheduler, random }, { address: { address, prefix } });
  const icmp = createIcmp(ip, { scheduler, random });
  const udp = createUdp(ip, { scheduler, random, icmp });
  return { udp, layers: [udp, icmp, ip, arp] };
}
const a = host(devA, '10.0.0.1/24');
const b = host(devB, '10.0.0.2/24');

// The echo server: send every datagram back where it came from (one copy into IP's buffer).
const server = b.udp.bind(7, (d) => server.send(d.src, d.srcPort, d.data));

// The client: port 0 picks a random ephemeral port (RFC 6056). ICMP errors
// about what it sent arrive through onError.
const client = a.udp.bind(0, (d) => {
  console.log(`A got "${new TextDecoder().decode(d.data)}" from ${formatIpv4(d.src)}:${d.srcPort} at t=${scheduler.now()} ms`);
}, { onError: (err) => console.log(`A's socket hears: ${err.kind} code ${err.code} from ${formatIpv4(err.reporter)}`) });
console.log('client port:', client.port);
console.log('send:', client.send(ipv4('10.0.0.2'), 7, new TextEncoder().encode('hello, echo')));

// Zero-copy: write the payload straight into the datagram.
client.write(ipv4('10.0.0.2'), 7, 5, (buf) => buf.set([0x68, 0x65, 0x6c, 0x6c, 0x6f]));

// Nothing is bound on port 9 at B.
client.send(ipv4('10.0.0.2'), 9, new Uint8Array([1, 2, 3]));
await scheduler.runUntilSettled(new Promise((resolve) => scheduler.at(scheduler.now() + 50, () => resolve(undefined))));

// The codec on its own: 40000 -> 7, "hi\n", checksum over the pseudo-header.
const bytes = Uint8Array.from([0x9c, 0x40, 0x00, 0x07, 0x00, 0x0b, 0xdc, 0x8a, 0x68, 0x69, 0x0a]);
console.log('parsed:', parseUdp(bytes, ipv4('10.77.0.1'), ipv4('10.77.0.2')));

console.log('B stats:', b.udp.stats);
console.log('too big:', client.send(ipv4('10.0.0.2'), 7, new Uint8Array(70_000)));
for (const layer of [...a.layers, ...b.layers]) layer.close();
await devA.close();
console.log('timers left:', scheduler.pending());
