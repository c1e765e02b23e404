// Two hosts in virtual time: B runs a UDP echo server (RFC 862) on port 7,
// A sends from an ephemeral port and prints the answer. A datagram to a
// closed port makes B's UDP ask ICMP for a port unreachable.
import type { IcmpErrorSender } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { createUdp, parseUdp } from '@stack/udp';
import { formatIpv4, ipv4 } from '@stack/wire';
import { wiredHosts } from './wire-ip.js';

const scheduler = new SimScheduler();
const random = new SeededRandom(7);
const [ipA, ipB] = wiredHosts(scheduler, ipv4('10.0.0.1'), ipv4('10.0.0.2'), 2 /* ms each way */);

// In a real stack this is @stack/icmp's layer; here we only log the request.
const icmpB: IcmpErrorSender = {
  sendError: (kind, original) => (console.log(`B's ICMP asked for ${kind}, quoting ${original.length} bytes`), true),
};

const udpA = createUdp(ipA, { scheduler, random });
const udpB = createUdp(ipB, { scheduler, random, icmp: icmpB });

// The echo server: send every datagram back where it came from (one copy into IP's buffer).
const server = udpB.bind(7, (d) => server.send(d.src, d.srcPort, d.data));

// The client: port 0 picks a random ephemeral port (RFC 6056).
const client = udpA.bind(0, (d) => {
  console.log(`A got "${new TextDecoder().decode(d.data)}" from ${formatIpv4(d.src)}:${d.srcPort} at t=${scheduler.now()} ms`);
});
console.log('client port:', client.port);
console.log('send:', client.send(ipv4('10.0.0.2'), 7, new TextEncoder().encode('hello, echo')));

// Zero-copy: write the payload straight into the datagram.
client.write(ipv4('10.0.0.2'), 7, 5, (buf) => buf.set([0x68, 0x65, 0x6c, 0x6c, 0x6f]));

// Nothing is bound on port 9 at B.
client.send(ipv4('10.0.0.2'), 9, new Uint8Array([1, 2, 3]));
scheduler.runUntilIdle();

// The codec on its own: 40000 -> 7, "hi\n", checksum over the pseudo-header.
const bytes = Uint8Array.from([0x9c, 0x40, 0x00, 0x07, 0x00, 0x0b, 0xdc, 0x8a, 0x68, 0x69, 0x0a]);
console.log('parsed:', parseUdp(bytes, ipv4('10.77.0.1'), ipv4('10.77.0.2')));

console.log('B stats:', udpB.stats);
console.log('too big:', client.send(ipv4('10.0.0.2'), 7, new Uint8Array(70_000)));
udpA.close();
udpB.close();
console.log('sockets after close:', udpA.sockets(), udpB.sockets());
