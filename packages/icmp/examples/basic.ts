// Two hosts in virtual time: A pings B, then B reports a datagram it has no
// protocol for with an ICMP error, and A's IP layer hears about it.
import { createIcmp, parseIcmp } from '@stack/icmp';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { formatIpv4, ipv4 } from '@stack/wire';
import { wiredHosts } from './wire-ip.js';

const scheduler = new SimScheduler();
const random = new SeededRandom(42);
const [ipA, ipB] = wiredHosts(scheduler, ipv4('10.0.0.1'), ipv4('10.0.0.2'), 3 /* ms each way */);

const icmpA = createIcmp(ipA, { scheduler, random }, { pingTimeout: 500 });
const icmpB = createIcmp(ipB, { scheduler, random });

// Ping B three times with 100-byte payloads: RTT is virtual milliseconds.
for (let i = 0; i < 3; i++) {
  const result = await scheduler.runUntilSettled(icmpA.ping(ipv4('10.0.0.2'), { size: 100 }));
  if (result.ok) console.log(`${result.bytes} bytes from ${formatIpv4(result.from)}: icmp_seq=${result.seq} ttl=${result.ttl} time=${result.rtt} ms`);
  else console.log(`seq ${result.seq}: ${result.error}`);
}

// Nobody answers 10.0.0.9: the ping times out after pingTimeout.
const lost = await scheduler.runUntilSettled(icmpA.ping(ipv4('10.0.0.9')));
console.log('ping 10.0.0.9:', lost);

// B's IP layer got a datagram for protocol 253 from A: it asks ICMP to say so.
ipA.register(253, { input() {}, error: (err) => console.log('A learns:', err.kind, 'code', err.code, 'from', formatIpv4(err.reporter)) });
ipA.write(ipv4('10.0.0.2'), 253, 8, (buf) => buf.fill(1));
ipB.register(253, { input: (_payload, info) => icmpB.sendError('protocol-unreachable', info.packet) });
scheduler.runUntilIdle();

// The codec on its own: parse an echo request from bytes.
const echo = Uint8Array.from([8, 0, 0xf7, 0xfc, 0, 1, 0, 2]);
console.log('parsed:', parseIcmp(echo));

const { rx, tx, echoReplies, errorsSent } = icmpB.stats;
console.log('B stats:', { rx, tx, echoReplies, errorsSent });
icmpA.close();
icmpB.close();
console.log('timers left:', scheduler.pending());
