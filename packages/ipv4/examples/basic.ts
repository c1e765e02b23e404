// Two hosts' IPv4 layers on one simulated wire: host A sends a 4000-byte
// datagram to B over a 1500-byte MTU; A fragments it, B reassembles it.
// Run: cd /work/main && node --conditions=@stack/source --import tsx packages/ipv4/examples/basic.ts
import { plainCapabilities, type ArpLayer, type EthernetHandler, type EthernetLayer, type Fill } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { formatIpv4, ipv4, parseCidr } from '@stack/wire';
import { createIpv4 } from '@stack/ipv4';

const scheduler = new SimScheduler();
const random = new SeededRandom(42);

/** A stand-in for @stack/ethif: frames reach the other end 1 ms later. */
class LinkEnd implements EthernetLayer {
  readonly mtu = 1500;
  readonly capabilities = plainCapabilities(1500);
  readonly stats = { rx: 0, tx: 0, dropped: {} };
  peer?: LinkEnd;
  private readonly handlers = new Map<number, EthernetHandler>();
  constructor(readonly mac: number) {}
  input(): void {}
  register(etherType: number, handler: EthernetHandler): void {
    this.handlers.set(etherType, handler);
  }
  joinMulticast(): void {}
  leaveMulticast(): void {}
  write(_dst: number, etherType: number, length: number, fill: Fill): boolean {
    const frame = new Uint8Array(length);
    fill(frame); // a lower layer calls fill during write
    scheduler.after(1, () => this.peer?.handlers.get(etherType)?.(frame, {
      src: this.mac, dst: this.peer.mac, etherType, vlan: -1, meta: { checksumVerified: false, checksumPartial: false },
    }));
    return true;
  }
}

/** A stand-in for @stack/arp: every neighbour is the other end. */
function arpOver(eth: LinkEnd): ArpLayer {
  return {
    write: (_nextHop, etherType, length, fill) => eth.write(0, etherType, length, fill),
    input: () => {}, lookup: () => undefined, addStatic: () => {}, remove: () => {}, announce: () => {},
    probe: () => Promise.resolve(true), entries: () => [], close: () => {}, stats: { rx: 0, tx: 0, dropped: {} },
  };
}

const ethA = new LinkEnd(0x02_00_00_00_00_01);
const ethB = new LinkEnd(0x02_00_00_00_00_02);
ethA.peer = ethB;
ethB.peer = ethA;

const ipA = createIpv4(ethA, arpOver(ethA), { scheduler, random }, { address: parseCidr('10.77.0.1/24') });
const ipB = createIpv4(ethB, arpOver(ethB), { scheduler, random }, { address: parseCidr('10.77.0.2/24') });

// Protocol 253 is set aside for experiments (RFC 3692).
ipB.register(253, {
  input(payload, info) {
    console.log(`B got ${payload.length} bytes from ${formatIpv4(info.src)} at t=${scheduler.now()} ms, starting ${[...payload.subarray(0, 4)]}`);
  },
});

const result = ipA.write(ipv4('10.77.0.2'), 253, 4000, (buf, src, dst) => {
  // Filled once, in place; src and dst are given for pseudo-header checksums.
  for (let i = 0; i < buf.length; i++) buf[i] = i & 0xff;
  console.log(`A fills ${buf.length} bytes for ${formatIpv4(src)} -> ${formatIpv4(dst)}`);
});
console.log('write:', result ?? 'sent', '| fragments out:', ipA.stats.fragmentsOut);
console.log('same with DF:', ipA.write(ipv4('10.77.0.2'), 253, 4000, () => {}, { dontFragment: true }));

scheduler.runUntilIdle();
console.log('B:', { fragmentsIn: ipB.stats.fragmentsIn, reassembled: ipB.stats.reassembled }, 'held:', ipB.reassembly());

ipA.close();
ipB.close();
console.log('timers left after close:', scheduler.pending());
