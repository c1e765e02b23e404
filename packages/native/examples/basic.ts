// Opens a TAP inside a network namespace it creates, with a virtio-net
// header and offloads, asks the kernel for its MAC with an ARP request
// written through the batched writer, reads the reply through the poller,
// and deletes the namespace. Needs root.
//   cd /work/main && node --conditions=@stack/source --import tsx packages/native/examples/basic.ts
import { execFileSync } from 'node:child_process';
import { DEFAULT_OFFLOADS, VNET_HDR_V1_LEN, openTapHandle } from '@stack/native';

const ns = `nativedemo-${process.pid}`;
execFileSync('ip', ['netns', 'add', ns]);
try {
  const tap = openTapHandle({ name: 'tap0', vnetHdr: true, netns: ns });
  tap.setVnetHeaderSize(VNET_HDR_V1_LEN);
  console.log(`opened ${tap.name} (fd ${tap.fd}), offloads accepted: 0x${tap.setOffload(DEFAULT_OFFLOADS).toString(16)}`);
  execFileSync('ip', ['-n', ns, 'addr', 'add', '10.77.0.1/24', 'dev', 'tap0']);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'tap0', 'up']);

  const reply = new Promise<string>((resolve) => {
    const poller = tap.poll({
      slotSize: 65_600,
      slots: 64,
      onFrames(count) {
        for (let i = 0; i < count; i++) {
          const frame = poller.slab.subarray(i * 65_600 + VNET_HDR_V1_LEN, i * 65_600 + poller.lengths[i]!);
          if (frame[12] === 0x08 && frame[13] === 0x06 && frame[21] === 2) {
            resolve([...frame.subarray(22, 28)].map((b) => b.toString(16).padStart(2, '0')).join(':'));
          }
        }
      },
    });
    poller.start();
  });

  // virtio header (all zero: a plain frame), then an ARP request from 02:77:00:00:00:02 / 10.77.0.2 for 10.77.0.1
  const out = new Uint8Array(VNET_HDR_V1_LEN + 60);
  out.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x77, 0, 0, 0, 2, 0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1,
    0x02, 0x77, 0, 0, 0, 2, 10, 77, 0, 2, 0, 0, 0, 0, 0, 0, 10, 77, 0, 1], VNET_HDR_V1_LEN);
  const sent = tap.write(out, new Int32Array([0]), new Int32Array([out.length]), 1);
  console.log(`wrote ${sent} frame; the kernel (10.77.0.1) is at ${await reply}`);
  tap.close(); // stops the poller, closes the fd: the device goes away and the process can exit
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
}
