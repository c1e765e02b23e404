// Two @stack stacks on a simulated cable: ARP, ping and a UDP echo, in
// virtual time. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/stack-direct/examples/basic.ts
import { createDirectStack } from '@stack/stack-direct';
import { SimScheduler, SeededRandom } from '@stack/sim';
import { memoryLink } from '@stack/netif';
import { formatIpv4 } from '@stack/wire';

const scheduler = new SimScheduler();
const [cableA, cableB] = memoryLink({ scheduler, names: ['a.eth0', 'b.eth0'], latency: 0.05 });

const a = createDirectStack(cableA, { scheduler, random: new SeededRandom(1) }, { address: '192.0.2.1/24' });
const b = createDirectStack(cableB, { scheduler, random: new SeededRandom(2) }, { address: '192.0.2.2/24' });

// b: an RFC 862 echo service on UDP port 7.
b.udp.bind(7, (d) => b.udp.send(d.src, d.srcPort, d.data, { srcPort: 7 }));

// a: ping b (ARP resolves b's MAC first), then send it a line.
const ping = await scheduler.runUntilSettled(a.icmp.ping('192.0.2.2'));
console.log(ping.ok ? `ping ${formatIpv4(ping.from)}: ${ping.rtt.toFixed(2)} ms, ttl ${ping.ttl}` : `ping failed: ${ping.error}`);

const reply = new Promise<string>((resolve) => {
  const socket = a.udp.bind(0, (d) => resolve(new TextDecoder().decode(d.data)));
  socket.send(b.address, 7, new TextEncoder().encode('hello, stack'));
});
console.log(`echo: ${await scheduler.runUntilSettled(reply)}`);

console.log('a knows:', a.inspect().arp.entries);
await a.close();
await b.close();
console.log(`timers left: ${scheduler.pending()}`);
