// Two NICs without hardware offloads on a cable, driven as Linux drives them:
// the sender hands down one 64 KB TCP segment (GSO), its end cuts it into
// 1500-byte frames with full checksums, and the receiving end verifies each
// and coalesces them again (GRO), so the stack above sees one segment.
import { checksum, fold, pseudoHeaderSum, writeU16, writeU32 } from '@stack/wire';
import { memoryLink } from '@stack/netif';
// In your project: import { SimScheduler } from '@stack/sim';
import { SimScheduler } from '../test/sim.js';

const scheduler = new SimScheduler();
const offloads = { txChecksumOffload: true, gsoMaxSize: 65_535, gro: true };
const [a, b] = memoryLink({ scheduler, capabilities: offloads, wire: 'cable' });

// Ethernet + IPv4 10.0.0.1 → 10.0.0.2 + TCP 49152 → 80, ACK|PSH, 40,000 bytes of payload.
const payload = new Uint8Array(40_000).map((_, i) => i % 251);
const frame = new Uint8Array(14 + 20 + 20 + payload.length);
frame.set([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
frame.set([0x45, 0, 0, 0, 0, 1, 0x40, 0, 64, 6], 14);
writeU16(frame, 16, 40 + payload.length);
writeU32(frame, 26, 0x0a000001);
writeU32(frame, 30, 0x0a000002);
writeU16(frame, 24, checksum(frame, 14, 34));
writeU16(frame, 34, 49152);
writeU16(frame, 36, 80);
writeU32(frame, 38, 1000); // sequence number
writeU32(frame, 42, 1); // acknowledgment number
frame.set([0x50, 0x18, 0xff, 0xff], 46); // data offset 5, ACK|PSH, window
frame.set(payload, 54);
// Checksum offload: the field holds the pseudo-header sum, the device finishes it.
writeU16(frame, 50, fold(pseudoHeaderSum(0x0a000001, 0x0a000002, 6, 20 + payload.length)));

b.onReceive((f, meta) => {
  console.log(`up: ${f.length}-byte frame, checksums verified: ${meta.checksumVerified}`);
});
a.transmit(frame, { gsoSize: 1460, checksumStart: 34, checksumOffset: 16 });
scheduler.runUntilIdle();

console.log(`wire: ${a.stats.txFrames} frames, ${a.stats.txBytes} bytes; GRO:`, b.stats.gro);
await a.close();
