import { StackError } from '@stack/interfaces';
import { DEFAULT_OFFLOADS, TUN_F, VNET_HDR_V1_LEN, openTapHandle } from '@stack/native';
import { resolveTapOptions, type TapOptions } from './config.js';
import { TapDeviceImpl, type TapDevice, type TapNegotiated } from './device.js';

/**
 * Opens (creating if needed) the Linux TAP `options.name` as a NetDevice
 * (DESIGN.md, "Contracts"), with a 12-byte virtio_net_hdr_v1 per frame and
 * the offloads the kernel accepts (TUN_F_CSUM | TSO4 | TSO6): it then hands
 * up coalesced TCP segments of up to 64 KiB with partial checksums and cuts
 * our 64 KiB segments itself, and `capabilities` say so. With `netns` the
 * device is made inside that network namespace while this process keeps
 * the fd.
 *
 * Reading starts at once; give the device to a stack (which sets its
 * receive handler) in the same tick. Needs root (CAP_NET_ADMIN): otherwise
 * it rejects with a NativeError (ERR_DEVICE) saying so; without the built
 * addon with ERR_NATIVE_UNAVAILABLE; with a bad option with
 * ERR_INVALID_CONFIG; with `offloads: true` on a kernel that refuses them
 * with ERR_UNSUPPORTED.
 *
 * ```ts
 * const tap = await openTap({ name: 'tap0', netns: 'stk' });
 * const stack = createDirectStack(tap, { scheduler, random }, { address: '10.77.0.2/24' });
 * ```
 */
export async function openTap(options: TapOptions): Promise<TapDevice> {
  const config = resolveTapOptions(options);
  const handle = openTapHandle({
    name: config.name,
    vnetHdr: config.vnetHdr,
    multiQueue: config.multiQueue,
    ...(config.netns === undefined ? {} : { netns: config.netns }),
  });
  try {
    let flags = 0;
    let uso = false;
    if (config.vnetHdr) {
      handle.setVnetHeaderSize(VNET_HDR_V1_LEN);
      if (config.offloads !== false && config.coalesceUdp) {
        // Probe USO (TUN_F_USO4, Linux ≥ 6.2): a kernel that takes the bit also takes GSO_UDP_L4
        // frames from us. It is not left on: it would let the kernel hand us USO frames, and the
        // stack above wants datagrams one by one.
        uso = (handle.setOffload(DEFAULT_OFFLOADS | TUN_F.USO4 | TUN_F.USO6) & TUN_F.USO4) !== 0;
      }
      flags = handle.setOffload(config.offloads === false ? 0 : DEFAULT_OFFLOADS);
      const needed = TUN_F.CSUM | TUN_F.TSO4;
      if (config.offloads === true && (flags & needed) !== needed) {
        throw new StackError(
          'ERR_UNSUPPORTED',
          `openTap: the kernel accepted offloads 0x${flags.toString(16)} on ${handle.name}, not checksum + TSO4 (0x${needed.toString(16)}); use offloads: 'auto' or false`,
        );
      }
    }
    const negotiated: TapNegotiated = Object.freeze({
      vnetHdr: config.vnetHdr,
      csum: (flags & TUN_F.CSUM) !== 0,
      tso4: (flags & TUN_F.TSO4) !== 0,
      tso6: (flags & TUN_F.TSO6) !== 0,
      flags,
      uso: uso && (flags & TUN_F.CSUM) !== 0,
    });
    const device = new TapDeviceImpl(handle.name, config, negotiated, {
      write: (buf, offsets, lengths, count) => handle.write(buf, offsets, lengths, count),
      // `p` exists before anything can be written: the device is not handed out until it does.
      wantWritable: () => p.wantWritable(),
      close: () => handle.close(),
    });
    const p = handle.poll({
      slotSize: device.rxSlotSize,
      slots: config.batchFrames,
      onFrames: (count, errno) => device.receiveBatch(p.slab, p.lengths, count, errno),
      onWritable: () => device.writable(),
    });
    p.start();
    return device;
  } catch (err) {
    handle.close();
    throw err;
  }
}
