// Write a pcapng with two named interfaces, read it back in small chunks,
// and write the same frames as a classic pcap file tshark/Wireshark can open.
import { PcapReader, PcapWriter, PcapngWriter, fileSink, memorySink } from '@stack/pcap';

// An ARP request: who-has 10.77.0.2 tell 10.77.0.1 (42 bytes).
const arp = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06,
  0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 0, 1, 10, 77, 0, 1, 0, 0, 0, 0, 0, 0, 10, 77, 0, 2,
]);

const sink = memorySink();
const ng = new PcapngWriter(sink, { resolution: 'ns' });
const h1 = ng.interface('h1.eth0'); // one Interface Description Block per device
const h2 = ng.interface('h2.eth0');
h1.writePacket(0.25, arp, 'outbound'); // times are the caller's milliseconds (virtual time in a simulation)
h2.writePacket(0.26, arp, 'inbound');

const reader = new PcapReader();
const bytes = sink.bytes();
for (let at = 0; at < bytes.length; at += 7) {
  for (const rec of reader.push(bytes.subarray(at, at + 7))) {
    const name = reader.interfaces[rec.interfaceId]?.name;
    console.log(`${rec.timestamp} ms  ${name}  ${rec.direction}  ${rec.data.length} bytes`);
  }
}
console.log('end:', reader.end() ?? 'ok', `(${reader.format}, ${reader.recordCount} records)`);

const path = '/tmp/stack-pcap-basic.pcap';
const classic = new PcapWriter(fileSink(path));
classic.writePacket(0.25, arp);
classic.close();
console.log(`wrote ${path}: tshark -r ${path}`);
