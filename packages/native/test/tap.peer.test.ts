import { release } from 'node:os';
import { expect, it } from 'vitest';
import { describePeer, withNetns, type Netns } from '@stack/testkit';
import { DEFAULT_OFFLOADS, TUN_F, VNET_HDR_V1_LEN, openTapHandle, type NativeError, type TapHandle } from '../src/index.js';

// Linux as the peer: a TAP opened from this (root-namespace) process inside a
// namespace of its own, the kernel side holding 10.77.0.1/24.
const OUR_MAC = [0x02, 0x77, 0x00, 0x00, 0x00, 0x02];
const OUR_IP = [10, 77, 0, 2];
const KERNEL_IP = [10, 77, 0, 1];

/** An ARP request (RFC 826) from us for the kernel's address, padded to 60 bytes. */
function arpRequest(): Uint8Array {
  const f = new Uint8Array(60);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  f.set(OUR_MAC, 6);
  f.set([0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], 12);
  f.set(OUR_MAC, 22);
  f.set(OUR_IP, 28);
  f.set(KERNEL_IP, 38);
  return f;
}

/** Reads frames until `match` accepts one (returns it, copied), or fails after `ms`. */
function readUntil(h: TapHandle, headerLen: number, match: (frame: Uint8Array) => boolean, ms = 5000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      poller.close();
      reject(new Error('no matching frame from the kernel'));
    }, ms);
    const poller = h.poll({
      slotSize: 2048,
      slots: 8,
      onFrames(count, errno) {
        if (errno !== 0) reject(new Error(`read failed: errno ${errno}`));
        for (let i = 0; i < count; i++) {
          const frame = poller.slab.subarray(i * 2048 + headerLen, i * 2048 + poller.lengths[i]!);
          if (match(frame)) {
            clearTimeout(timer);
            const copy = frame.slice();
            poller.close();
            resolve(copy);
            return;
          }
        }
      },
    });
    poller.start();
  });
}

const isArpReply = (f: Uint8Array): boolean =>
  f.length >= 42 && f[12] === 0x08 && f[13] === 0x06 && f[21] === 2 && f.subarray(28, 32).join('.') === KERNEL_IP.join('.');

async function kernelSide(ns: Netns, dev: string): Promise<string> {
  await ns.addr(dev, '10.77.0.1/24');
  await ns.up(dev);
  const link = await ns.ip('-br', 'link', 'show', dev);
  return link.stdout.trim().split(/\s+/)[2]!; // its MAC
}

function send(h: TapHandle, frame: Uint8Array): number {
  return h.write(frame, new Int32Array([0]), new Int32Array([frame.length]), 1);
}

describePeer('@stack/native: a TAP in a namespace, Linux as the peer', { commands: ['ip'], root: true, files: ['/dev/net/tun'] }, () => {
  it('opens a TAP inside a namespace and round-trips ARP with the kernel', async () => {
    await withNetns(async (ns) => {
      const h = openTapHandle({ name: 'tap0', netns: ns.name });
      try {
        expect(h.name).toBe('tap0');
        expect(h.fd).toBeGreaterThan(2);
        // the device is in the namespace, not here
        expect((await ns.ip('-d', 'link', 'show', 'tap0')).stdout).toMatch(/tun type tap/);
        const kernelMac = await kernelSide(ns, 'tap0');
        const reply = readUntil(h, 0, isArpReply);
        expect(send(h, arpRequest())).toBe(1);
        const f = await reply;
        expect([...f.subarray(0, 6)]).toEqual(OUR_MAC); // to us
        expect([...f.subarray(32, 38)]).toEqual(OUR_MAC); // target hardware address
        expect([...f.subarray(22, 28)].map((b) => b.toString(16).padStart(2, '0')).join(':')).toBe(kernelMac);
      } finally {
        h.close();
      }
      // closing our fd removed the (non-persistent) device
      expect((await ns.ip('link', 'show')).stdout).not.toContain('tap0');
    });
  });

  it('with a virtio-net header: sets its size, probes offloads and frames carry the 12 bytes', async () => {
    await withNetns(async (ns) => {
      const h = openTapHandle({ name: 'vtap0', netns: `/run/netns/${ns.name}`, vnetHdr: true });
      try {
        h.setVnetHeaderSize(VNET_HDR_V1_LEN);
        expect(h.setOffload(DEFAULT_OFFLOADS | 0x8000)).toBe(TUN_F.CSUM | TUN_F.TSO4 | TUN_F.TSO6); // an unknown bit is dropped
        // Probed bit by bit after the unknown one, USO4 and USO6 are kept as the pair the kernel takes (Linux 6.2+).
        const [major = 0, minor = 0] = release().split('.').map(Number);
        const uso = major > 6 || (major === 6 && minor >= 2) ? TUN_F.USO4 | TUN_F.USO6 : 0;
        expect(h.setOffload(DEFAULT_OFFLOADS | TUN_F.USO4 | TUN_F.USO6 | 0x8000)).toBe(DEFAULT_OFFLOADS | uso);
        expect(h.setOffload(0)).toBe(0);
        await kernelSide(ns, 'vtap0');
        const reply = readUntil(h, VNET_HDR_V1_LEN, isArpReply);
        const frame = new Uint8Array(VNET_HDR_V1_LEN + 60); // all-zero header: a plain frame
        frame.set(arpRequest(), VNET_HDR_V1_LEN);
        expect(send(h, frame)).toBe(1);
        expect(isArpReply(await reply)).toBe(true);
      } finally {
        h.close();
      }
    });
  });

  it('explains what is wrong: a busy device, a multi-queue device shared by two fds', async () => {
    await withNetns(async (ns) => {
      const a = openTapHandle({ name: 'tap0', netns: ns.name });
      try {
        let err: NativeError | undefined;
        try {
          openTapHandle({ name: 'tap0', netns: ns.name }).close();
        } catch (e) {
          err = e as NativeError;
        }
        expect(err?.errno).toBe('EBUSY');
        expect(err?.message).toMatch(/busy/);
      } finally {
        a.close();
      }
      const q1 = openTapHandle({ name: 'mq0', netns: ns.name, multiQueue: true });
      const q2 = openTapHandle({ name: 'mq0', netns: ns.name, multiQueue: true });
      q1.close();
      q2.close();
    });
  });
});
