// Two hosts resolve each other with ARP over Ethernet, in virtual time.
// Run: cd /work/main && node --conditions=@stack/source --import tsx packages/arp/examples/basic.ts
import { plainCapabilities, type FrameHandler, type NetDevice } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { formatIpv4, formatMac, ipv4, mac } from '@stack/wire';
import { createEthernet, EtherType } from '@stack/ethif';
import { createArp } from '@stack/arp';

const scheduler = new SimScheduler();
const random = new SeededRandom(2026);

// A minimal two-port wire: frames arrive 1 ms later (@stack/netif has real memory links).
function wirePair(macA: number, macB: number): [NetDevice, NetDevice] {
  const handlers: (FrameHandler | undefined)[] = [undefined, undefined];
  const make = (self: 0 | 1, address: number): NetDevice => ({
    name: `eth${self}`,
    mac: address,
    mtu: 1500,
    capabilities: plainCapabilities(1500),
    stats: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 },
    transmit(frame) {
      const copy = frame.slice();
      scheduler.at(scheduler.now() + 1, () => handlers[1 - self]?.(copy, { checksumVerified: false, checksumPartial: false }));
      return true;
    },
    onReceive(handler) {
      handlers[self] = handler;
    },
    async close() {},
  });
  return [make(0, macA), make(1, macB)];
}

const [devA, devB] = wirePair(mac('02:00:00:00:00:0a'), mac('02:00:00:00:00:0b'));
const ethA = createEthernet(devA, { scheduler });
const ethB = createEthernet(devB, { scheduler });
const arpA = createArp(ethA, { scheduler, random }, { address: ipv4('10.77.0.1') });
const arpB = createArp(ethB, { scheduler, random: random.fork() }, { address: ipv4('10.77.0.2'), reachableTime: 30_000 });

ethB.register(EtherType.IPv4, (payload, info) => {
  console.log(`t=${scheduler.now()} ms: B got an IPv4 packet from ${formatMac(info.src)}: "${new TextDecoder().decode(payload.subarray(0, 5))}"`);
});

// A does not know B's MAC yet: the packet is copied into the queue and a request goes out.
const hello = new TextEncoder().encode('hello');
console.log('queued:', arpA.write(ipv4('10.77.0.2'), EtherType.IPv4, hello.length, (buf) => buf.set(hello)));
scheduler.runFor(10);

for (const e of arpA.entries()) console.log(`A's cache: ${formatIpv4(e.ip)} is-at ${e.mac === null ? '?' : formatMac(e.mac)} (${e.state})`);
console.log('A', JSON.stringify({ requestsSent: arpA.stats.requestsSent, flushed: arpA.stats.flushed }));
console.log('B', JSON.stringify({ repliesSent: arpB.stats.repliesSent }));

// RFC 5227: is 10.77.0.2 free? B owns it and answers the probe.
console.log('10.77.0.2 free?', await scheduler.runUntilSettled(arpA.probe(ipv4('10.77.0.2'))));
console.log('10.77.0.9 free?', await scheduler.runUntilSettled(arpA.probe(ipv4('10.77.0.9'))), `(t=${scheduler.now()} ms)`);

arpA.close();
arpB.close();
console.log('timers left after close:', scheduler.pending());
