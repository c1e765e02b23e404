// Two Ethernet layers on a tiny in-memory wire, in virtual time.
// Run: cd /work/main && node --conditions=@stack/source --import tsx packages/ethif/examples/basic.ts
import { plainCapabilities, type FrameHandler, type NetDevice } from '@stack/interfaces';
import { SimScheduler } from '@stack/sim';
import { formatMac, mac, toHex } from '@stack/wire';
import { createEthernet, EtherType } from '@stack/ethif';

const scheduler = new SimScheduler();

// A minimal NetDevice: transmit copies the frame and delivers it to the peer
// 1 ms later (never synchronously). @stack/netif has real memory links.
function wirePair(macA: number, macB: number): [NetDevice, NetDevice] {
  const handlers: (FrameHandler | undefined)[] = [undefined, undefined];
  const make = (self: 0 | 1, address: number): NetDevice => ({
    name: `eth${self}`,
    mac: address,
    mtu: 1500,
    capabilities: plainCapabilities(1500),
    stats: { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 },
    transmit(frame) {
      this.stats.txFrames++;
      this.stats.txBytes += frame.length;
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
// Both in 802.1Q VLAN 100: every frame goes out tagged, only VLAN 100 comes in.
const a = createEthernet(devA, { scheduler }, { vlan: 100 });
const b = createEthernet(devB, { scheduler }, { vlan: 100 });

// B handles one EtherType; the payload and info are views valid during the call.
// A short frame arrives padded (to 64 bytes when tagged): the upper layer trims by its own length field.
b.register(EtherType.IPv4, (payload, info) => {
  console.log(`B got ${payload.length} bytes from ${formatMac(info.src)} on VLAN ${info.vlan}: ${toHex(payload.subarray(0, 15))} + padding`);
});

// Zero-copy write: A's layer owns the frame buffer, we fill the payload in place.
const text = new TextEncoder().encode('hello, ethernet');
a.write(b.mac, EtherType.IPv4, text.length, (buf) => buf.set(text));
a.write(b.mac, 0x88b5, 4, (buf) => buf.fill(1)); // an EtherType B does not handle
a.write(mac('02:00:00:00:00:99'), EtherType.IPv4, 4, (buf) => buf.fill(2)); // not for B

scheduler.runUntilIdle();
console.log('A stats', JSON.stringify(a.stats));
console.log('B stats', JSON.stringify(b.stats));
console.log(`A's device sent ${devA.stats.txFrames} frames, ${devA.stats.txBytes} bytes (each tagged and padded to 64)`);
