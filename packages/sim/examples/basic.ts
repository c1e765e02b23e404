// A simulated network from one seed: a bridge with three hosts (one behind a
// lossy wire), a point-to-point link with a small MTU, one pcapng capture with
// an interface per device, and a decoded trace. Put stacks on the devices in
// real use; here the hosts exchange raw frames.
import { PcapngWriter, fileSink } from '@stack/pcap';
import { SimNetwork } from '@stack/sim';
import { readU48 } from '@stack/wire';

const net = new SimNetwork({ seed: 7 });
const br = net.bridge('br0');
const h1 = net.attach('h1', br, { faults: { loss: 0.3 } }); // h1.eth0, MAC derived from the name
const h2 = net.attach('h2', br, { latency: 0.05 });
const h3 = net.attach('h3', br, { bandwidth: 10e6 });
const [h4, h5] = net.link('h4', 'h5', { mtu: 576 });

const path = '/tmp/stack-sim-basic.pcapng';
const capture = new PcapngWriter(fileSink(path));
net.capture(capture);
net.trace((line) => console.log(line));

// Each host answers a request frame with a reply to its sender (an "echo").
for (const dev of [h1, h2, h3, h4, h5]) {
  dev.onReceive((frame) => {
    if (frame[14] !== 0x01 || readU48(frame, 0) !== dev.mac) return; // only requests to us
    const reply = frame.slice();
    reply.set(frame.subarray(6, 12), 0); // back to the sender
    reply.set(macBytes(dev.mac), 6);
    reply[14] = 0x02; // "reply"
    dev.transmit(reply);
  });
}

function macBytes(mac: number): Uint8Array {
  const b = new Uint8Array(6);
  for (let i = 5; i >= 0; i--, mac = Math.floor(mac / 256)) b[i] = mac % 256;
  return b;
}

function request(from: typeof h1, to: typeof h1, size: number): Uint8Array {
  const f = new Uint8Array(size);
  f.set(macBytes(to.mac), 0);
  f.set(macBytes(from.mac), 6);
  f.set([0x88, 0xb5, 0x01], 12); // local experimental EtherType, "request"
  return f;
}

// Each host's own random stream decides when it talks: adding a host never shifts the others.
const rnd = net.randomFor('h1');
for (let i = 0; i < 5; i++) net.scheduler.at(rnd.float() * 10, () => { h1.transmit(request(h1, h2, 100)); });
net.scheduler.at(1, () => { h3.transmit(request(h3, h1, 1000)); });
net.scheduler.at(2, () => { h4.transmit(request(h4, h5, 500)); });
net.scheduler.at(3, () => { console.log('h4 sends 1000 bytes over MTU 576:', h4.transmit(request(h4, h5, 1000))); });

net.runUntilIdle();
const snap = net.inspect();
console.log(snap.interfaces.map((i) => `${i.name} ${i.mac} rx ${i.stats['rxFrames']} tx ${i.stats['txFrames']}${i.faultStats ? ` lost ${i.faultStats.lost}` : ''}`).join('\n'));
await net.close();
capture.close();
console.log(`timers left: ${net.scheduler.pending()}; capture in ${path} (tshark -r ${path})`);
