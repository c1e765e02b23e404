// Two hosts on a simulated cable, in virtual time, each with the real
// Ethernet, ARP and IPv4 layers below ICMP: A pings B, a ping to nobody times
// out, and B answers a datagram of an unknown protocol with an ICMP error
// that reaches A's handler. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/icmp/examples/basic.ts
import { createIcmp, parseIcmp } from '@stack/icmp';
import { createIpv4 } from '@stack/ipv4';
import { createArp } from '@stack/arp';
import { createEthernet } from '@stack/ethif';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { formatIpv4, ipv4, parseCidr } from '@stack/wire';
import type { NetDevice } from '@stack/interfaces';

const scheduler = new SimScheduler();
const random = new SeededRandom(42);
const [devA, devB] = memoryLink({ scheduler, names: ['a', 'b'], latency: 3 /* ms each way */ });

function ipHost(device: NetDevice, cidr: string) {
  const { address, prefix } = parseCidr(cidr);
  const eth = createEthernet(device, { scheduler });
  const arp = createArp(eth, { scheduler, random }, { address });
  return { arp, ip: createIpv4(eth, arp, { scheduler, random }, { address: { address, prefix } }) };
}
const { arp: arpA, ip: ipA } = ipHost(devA, '10.0.0.1/24');
const { arp: arpB, ip: ipB } = ipHost(devB, '10.0.0.2/24');
const icmpA = createIcmp(ipA, { scheduler, random }, { pingTimeout: 500 });
const icmpB = createIcmp(ipB, { scheduler, random });

// Ping B three times with 100-byte payloads: RTT is virtual milliseconds (the first includes ARP).
for (let i = 0; i < 3; i++) {
  const result = await scheduler.runUntilSettled(icmpA.ping(ipv4('10.0.0.2'), { size: 100 }));
  if (result.ok) console.log(`${result.bytes} bytes from ${formatIpv4(result.from)}: icmp_seq=${result.seq} ttl=${result.ttl} time=${result.rtt} ms`);
  else console.log(`seq ${result.seq}: ${result.error}`);
}

// Nobody answers 10.0.0.9: ARP never resolves and the ping says so.
const lost = await scheduler.runUntilSettled(icmpA.ping(ipv4('10.0.0.9')));
console.log('ping 10.0.0.9:', lost);

// A sends protocol 253, which B has no handler for: B's IPv4 asks its ICMP
// for "protocol unreachable", and the error reaches A's protocol-253 handler.
ipA.register(253, { input() {}, error: (err) => console.log('A learns:', err.kind, 'code', err.code, 'from', formatIpv4(err.reporter)) });
ipA.write(ipv4('10.0.0.2'), 253, 8, (buf) => buf.fill(1));
await scheduler.runUntilSettled(new Promise((resolve) => scheduler.at(scheduler.now() + 50, () => resolve(undefined))));

// The codec on its own: parse an echo request from bytes.
const echo = Uint8Array.from([8, 0, 0xf7, 0xfc, 0, 1, 0, 2]);
console.log('parsed:', parseIcmp(echo));

const { rx, tx, echoReplies, errorsSent } = icmpB.stats;
console.log('B stats:', { rx, tx, echoReplies, errorsSent });
for (const layer of [icmpA, icmpB, ipA, ipB, arpA, arpB]) layer.close();
await devA.close();
console.log('timers left:', scheduler.pending());
