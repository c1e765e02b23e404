import {
  StackError, type DeviceCapabilities, type EthernetConfig, type EthernetHandler, type EthernetLayer, type EthernetRxInfo,
  type Fill, type MacAddress, type NetDevice, type RxMeta, type Scheduler, type TxMeta,
} from '@stack/interfaces';
import { EtherType, MAC_BROADCAST, completePartialChecksum, readU16, readU48, writeU16, writeU48 } from '@stack/wire';
import { resolveEthernetConfig, type ResolvedEthernetConfig } from './config.js';
import {
  ETH_DST, ETH_HEADER_LEN, ETH_MIN_FRAME_LEN, ETH_SRC, ETH_TYPE, ETH_VLAN_HEADER_LEN, ETH_VLAN_MIN_FRAME_LEN, TCI_VID_MASK,
  VLAN_INNER_TYPE, VLAN_TCI,
} from './wire/fields.js';

/**
 * Counters of the Ethernet layer. `rx` counts every frame handed to `input`
 * (the drops below included), `tx` every frame the device accepted.
 */
export interface EthernetStats {
  rx: number;
  tx: number;
  dropped: {
    /** Shorter than the header (14 bytes, 18 when tagged). */
    truncated: number;
    /** Destination is neither our MAC, broadcast, nor a joined multicast MAC (and not promiscuous). */
    notForUs: number;
    /**
     * Not in our VLAN: with `config.vlan`, untagged or tagged with another
     * VLAN id; without, tagged with a VLAN id other than 0 (priority tag).
     */
    vlan: number;
    /** No handler registered for the EtherType. */
    unknownEthertype: number;
    /**
     * `write` asked for a payload larger than the MTU, or a GSO write
     * (`meta.gsoSize`) to a device without GSO or over its `gsoMaxSize`.
     */
    tooBig: number;
    /** The device refused the frame (closed, queue full). */
    deviceDown: number;
    [reason: string]: number;
  };
}

/** The Ethernet layer `createEthernet` returns: the contract plus its resolved config. */
export interface Ethernet extends EthernetLayer {
  readonly config: ResolvedEthernetConfig;
  readonly stats: EthernetStats;
}

/** What the Ethernet layer needs besides its device. It keeps no timers; the scheduler is for symmetry with the other layers. */
export interface EthernetDeps {
  readonly scheduler: Scheduler;
}

interface MutableRxInfo {
  src: MacAddress;
  dst: MacAddress;
  etherType: number;
  vlan: number;
  meta: RxMeta;
}

const MAX_MAC = 0xffff_ffff_ffff;

/**
 * Creates the Ethernet II layer over `device` (IEEE 802.3 §3.2, 802.1Q §9)
 * and installs itself as the device's receive handler.
 *
 * VLAN (access port model): with `config.vlan` the interface is in that one
 * 802.1Q VLAN: every frame is sent tagged with it (PCP 0, DEI 0) and only
 * frames tagged with it are accepted, their tag stripped; untagged frames
 * and other VLANs are dropped (`dropped.vlan`). Without it, frames are sent
 * untagged and only untagged or priority-tagged (VID 0) frames are accepted.
 *
 * Receive: frames pass the MAC filter (our unicast MAC, broadcast, a joined
 * multicast MAC, or anything when promiscuous), the VLAN filter above, and
 * go to the handler registered for their EtherType. The `EthernetRxInfo`
 * handed to a handler is one object reused for every frame: it, like the
 * payload, is valid only during the call.
 *
 * Transmit: one preallocated buffer, `14 + max(mtu, gsoMaxSize)` bytes (18 +
 * when tagged: the MTU stays the payload MTU); the upper layer fills the
 * payload in place, short frames are zero-padded to the Ethernet minimum (60
 * bytes, or 64 when tagged so that the frame is still 60 once a bridge strips
 * the tag, as Linux's VLAN_ETH_ZLEN), and the device consumes the frame
 * before `write` returns. `fill` must not call `write` again (it would
 * overwrite the frame being built): that throws ERR_INVALID_ARGUMENT.
 *
 * Offloads (`write`'s `meta`): a payload over the MTU goes out only as a GSO
 * frame (`meta.gsoSize` > 0) on a device with `gsoMaxSize`, up to that size.
 * `meta.checksumStart` is relative to the payload; the device gets it plus
 * the header length (14, or 18 when tagged). When the device does not
 * offload checksums, the layer completes the checksum itself before
 * transmit (as Linux's skb_checksum_help), so the device never sees a
 * partial checksum it cannot fill. The meta handed to the device is one
 * object reused for every frame (nothing allocated per frame).
 */
export function createEthernet(device: NetDevice, _deps: EthernetDeps, config?: EthernetConfig): Ethernet {
  const resolved = resolveEthernetConfig(config);
  const ourMac = device.mac;
  const capabilities: DeviceCapabilities = device.capabilities;
  const mtu = device.mtu;
  const gso = capabilities.gsoMaxSize > 0;
  /** Largest payload `write` accepts: the MTU, or the GSO limit when the device cuts segments. */
  const maxPayload = gso ? Math.max(mtu, capabilities.gsoMaxSize) : mtu;
  /** Our VLAN, or null: untagged. */
  const vlan = resolved.vlan;
  /** The VLAN id a tagged frame must carry to be accepted: ours, or 0 (a priority tag) when untagged. */
  const rxVid = vlan ?? 0;
  const txHeaderLen = vlan === null ? ETH_HEADER_LEN : ETH_VLAN_HEADER_LEN;
  const txMinFrame = vlan === null ? ETH_MIN_FRAME_LEN : ETH_VLAN_MIN_FRAME_LEN;
  const txBuf = new Uint8Array(Math.max(txHeaderLen + maxPayload, txMinFrame));
  /** The device's frame memory (`NetDevice.txBuffer`), when it offers it. */
  const txBuffer = device.txBuffer === undefined ? null : (n: number): Uint8Array => device.txBuffer!(n);
  let writing = false;
  const csumOffload = capabilities.txChecksumOffload;
  /** The meta handed to the device when checksumStart must be shifted by our header: reused for every frame. */
  const devMeta: { checksumStart: number; checksumOffset: number; gsoSize: number } = { checksumStart: 0, checksumOffset: 0, gsoSize: 0 };
  /** The meta of a GSO frame whose checksum we completed ourselves. */
  const gsoMeta: { gsoSize: number } = { gsoSize: 0 };

  const promiscuous = resolved.promiscuous;
  /** Joined multicast MACs with a join count (several IPv4 groups share one MAC, RFC 1112 §6.4). */
  const multicast = new Map<MacAddress, number>();
  for (const m of resolved.multicast) multicast.set(m, (multicast.get(m) ?? 0) + 1);
  const handlers = new Map<number, EthernetHandler>();

  const stats: EthernetStats = {
    rx: 0,
    tx: 0,
    dropped: { truncated: 0, notForUs: 0, vlan: 0, unknownEthertype: 0, tooBig: 0, deviceDown: 0 },
  };
  const dropped = stats.dropped;
  const info: MutableRxInfo = { src: 0, dst: 0, etherType: 0, vlan: -1, meta: { checksumVerified: false, checksumPartial: false } };

  const input = (frame: Uint8Array, meta: RxMeta): void => {
    stats.rx++;
    if (frame.length < ETH_HEADER_LEN) {
      dropped.truncated++;
      return;
    }
    const dst = readU48(frame, ETH_DST);
    if (dst !== ourMac && !promiscuous && !((frame[ETH_DST]! & 1) === 1 && (dst === MAC_BROADCAST || multicast.has(dst)))) {
      dropped.notForUs++;
      return;
    }
    let etherType = readU16(frame, ETH_TYPE);
    let headerLen = ETH_HEADER_LEN;
    let vid = -1;
    if (etherType === EtherType.VLAN) {
      if (frame.length < ETH_VLAN_HEADER_LEN) {
        dropped.truncated++;
        return;
      }
      vid = readU16(frame, VLAN_TCI) & TCI_VID_MASK;
      if (vid !== rxVid) {
        dropped.vlan++;
        return;
      }
      etherType = readU16(frame, VLAN_INNER_TYPE);
      headerLen = ETH_VLAN_HEADER_LEN;
    } else if (vlan !== null) {
      dropped.vlan++; // untagged, but we are in a VLAN
      return;
    }
    const handler = handlers.get(etherType);
    if (handler === undefined) {
      dropped.unknownEthertype++;
      return;
    }
    info.src = readU48(frame, ETH_SRC);
    info.dst = dst;
    info.etherType = etherType;
    info.vlan = vid;
    info.meta = meta;
    handler(frame.subarray(headerLen), info as EthernetRxInfo);
  };

  const layer: Ethernet = {
    mac: ourMac,
    mtu,
    capabilities,
    config: resolved,
    stats,
    input,

    register(etherType: number, handler: EthernetHandler): void {
      if (!(Number.isInteger(etherType) && etherType >= 0 && etherType <= 0xffff)) {
        throw new StackError('ERR_INVALID_ARGUMENT', `EtherType must be an integer 0..0xffff, got ${etherType}`);
      }
      if (typeof handler !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'an EtherType handler must be a function');
      handlers.set(etherType, handler); // the last registration wins (a layer re-created over the same device)
    },

    write(dst: MacAddress, etherType: number, length: number, fill: Fill, meta?: TxMeta): boolean {
      if (!(Number.isInteger(length) && length >= 0)) {
        throw new StackError('ERR_INVALID_ARGUMENT', `payload length must be a non-negative integer, got ${length}`);
      }
      if (!(Number.isInteger(dst) && dst >= 0 && dst <= MAX_MAC)) {
        throw new StackError('ERR_INVALID_ARGUMENT', `destination MAC must be an integer 0..2^48-1, got ${dst}`);
      }
      if (!(Number.isInteger(etherType) && etherType >= 0 && etherType <= 0xffff)) {
        throw new StackError('ERR_INVALID_ARGUMENT', `EtherType must be an integer 0..0xffff, got ${etherType}`);
      }
      let csumStart = -1;
      let csumField = 0;
      let gsoSize = 0;
      if (meta !== undefined) {
        if (meta.gsoSize !== undefined) {
          gsoSize = meta.gsoSize;
          if (!(Number.isInteger(gsoSize) && gsoSize >= 0 && gsoSize <= 0xffff)) {
            throw new StackError('ERR_INVALID_ARGUMENT', `meta.gsoSize must be an integer 0..65535 (0: no GSO), got ${gsoSize}`);
          }
        }
        if (meta.checksumStart !== undefined) {
          csumStart = meta.checksumStart;
          csumField = csumStart + (meta.checksumOffset ?? 0);
          if (!(Number.isInteger(csumStart) && csumStart >= 0 && Number.isInteger(csumField) && csumField >= csumStart && csumField + 2 <= length)) {
            throw new StackError(
              'ERR_INVALID_ARGUMENT',
              `meta.checksumStart ${csumStart} + checksumOffset ${String(meta.checksumOffset)} must put the 2-byte checksum field inside the ${length}-byte payload`,
            );
          }
        }
      }
      if (length > (gsoSize > 0 ? maxPayload : mtu) || (gsoSize > 0 && !gso)) {
        dropped.tooBig++;
        return false;
      }
      if (writing) {
        throw new StackError('ERR_INVALID_ARGUMENT', 'EthernetLayer.write called from inside a fill callback (the frame buffer is in use)');
      }
      // Device memory when it offers some (a memory link keeps the frame without a copy), else our buffer.
      let frameLen = txHeaderLen + length;
      const size = frameLen < txMinFrame ? txMinFrame : frameLen;
      const buf = txBuffer === null ? txBuf : txBuffer(size);
      writeU48(buf, ETH_DST, dst);
      writeU48(buf, ETH_SRC, ourMac);
      if (vlan === null) {
        writeU16(buf, ETH_TYPE, etherType);
      } else {
        writeU16(buf, ETH_TYPE, EtherType.VLAN);
        writeU16(buf, VLAN_TCI, vlan); // PCP 0, DEI 0
        writeU16(buf, VLAN_INNER_TYPE, etherType);
      }
      writing = true;
      try {
        fill(buf.subarray(txHeaderLen, frameLen));
      } finally {
        writing = false;
      }
      if (frameLen < txMinFrame) {
        // Real NICs pad runt frames to the 60-byte minimum (IEEE 802.3 §4.2.3.3); a tagged
        // frame to 64, so it stays 60 untagged (802.1Q). Zero the pad: the buffer still holds
        // the previous frame's bytes.
        buf.fill(0, frameLen, txMinFrame);
        frameLen = txMinFrame;
      }
      let out: TxMeta | undefined = meta;
      if (csumStart >= 0) {
        if (csumOffload) {
          devMeta.checksumStart = txHeaderLen + csumStart;
          devMeta.checksumOffset = csumField - csumStart;
          devMeta.gsoSize = gsoSize;
          out = devMeta;
        } else {
          // The device cannot: complete the checksum here (RFC 1071 over the L4 bytes, the
          // pseudo-header sum already in the field). Padding is zeros and adds nothing.
          completePartialChecksum(buf, txHeaderLen + csumStart, txHeaderLen + length, txHeaderLen + csumField);
          gsoMeta.gsoSize = gsoSize;
          out = gsoSize > 0 ? gsoMeta : undefined;
        }
      }
      if (!device.transmit(buf === txBuf ? txBuf.subarray(0, frameLen) : buf, out)) {
        dropped.deviceDown++;
        return false;
      }
      stats.tx++;
      return true;
    },

    joinMulticast(mac: MacAddress): void {
      if (!(Number.isInteger(mac) && mac >= 0 && mac <= MAX_MAC) || (Math.floor(mac / 0x100_0000_0000) & 1) !== 1) {
        throw new StackError('ERR_INVALID_ARGUMENT', `joinMulticast needs a group MAC (I/G bit set, e.g. 01:00:5e:00:00:fb), got ${mac}`);
      }
      multicast.set(mac, (multicast.get(mac) ?? 0) + 1);
    },

    leaveMulticast(mac: MacAddress): void {
      const n = multicast.get(mac);
      if (n === undefined) return;
      if (n <= 1) multicast.delete(mac);
      else multicast.set(mac, n - 1);
    },
  };

  device.onReceive(input);
  return layer;
}
