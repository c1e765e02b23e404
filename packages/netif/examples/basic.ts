// Two hosts on a learning bridge, one behind a lossy, jittery wire; every
// frame is traced and captured. Runs in virtual time: no root, no sockets.
import { PcapngWriter, memorySink, readPcap } from '@stack/pcap';
import { createBridge, withFaults, withPcap, withTrace } from '@stack/netif';
// In your project: import { SimScheduler, SeededRandom } from '@stack/sim';
import { SeededRandom, SimScheduler } from '../test/sim.js';

const scheduler = new SimScheduler();
const random = new SeededRandom(42); // same seed, same faults, same bytes

const bridge = createBridge({ scheduler, name: 'br0', defaults: { latency: 0.05 } });
const sink = memorySink();
const capture = new PcapngWriter(sink);
const log = (line: string): void => console.log(line);

// h1: bridge port → faults → trace → pcap. Decorators are devices too.
const faulty = withFaults(bridge.port({ name: 'h1.eth0', mac: 0x020000000001 }), { scheduler, random }, { loss: 0.2, delay: 1, jitter: 0.5 });
const h1 = withPcap(withTrace(faulty, log, { scheduler }), capture.interface('h1.eth0'), { scheduler });
const h2 = withTrace(bridge.port({ name: 'h2.eth0', mac: 0x020000000002 }), log, { scheduler });

// A UDP datagram 10.0.0.1:49152 → 10.0.0.2:7 carrying "hello", as raw bytes.
const frame = Uint8Array.from([
  0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
  0x45, 0, 0, 33, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
  0xc0, 0x00, 0, 7, 0, 13, 0, 0, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
]);
let received = 0;
h2.onReceive(() => received++);
for (let i = 0; i < 10; i++) scheduler.at(i, () => { h1.transmit(frame); });
scheduler.runUntilIdle();

console.log(`received ${received}/10, faults:`, faulty.faultStats);
console.log('bridge:', bridge.stats);
const pcap = readPcap(sink.bytes());
console.log(`capture: ${pcap.ok ? pcap.value.records.length : pcap.error.message} frames on h1.eth0`);
await bridge.close();
console.log('timers left after close:', scheduler.pending());
