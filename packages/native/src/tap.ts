import { StackError } from '@stack/interfaces';
import { loadNative, type NativeBinding } from './binding.js';
import { IFF, IFNAME_MAX, TUN_F } from './constants.js';
import { fromAddonError } from './errors.js';
import { FramePoller, type FramePollerOptions } from './poller.js';

/** Options of `openTapHandle`. */
export interface OpenTapOptions {
  /** Interface name, 1..15 bytes, no '/', ':' or whitespace (e.g. 'tap0'). Created when it does not exist, attached to when it does. */
  name: string;
  /** IFF_VNET_HDR: every frame read or written carries a virtio-net header (default false). */
  vnetHdr?: boolean;
  /** IFF_MULTI_QUEUE: several fds (queues) may attach to the same device (default false). */
  multiQueue?: boolean;
  /**
   * Network namespace to create the device in: a name under /run/netns
   * (`ip netns add NAME`) or a path (/run/netns/NAME, /proc/PID/ns/net).
   * The calling thread enters it for the open and comes back. Default: ours.
   */
  netns?: string;
}

/**
 * An open TAP queue: the fd, what it was opened with, and the operations on
 * it. Owns the fd: `close()` stops its poller and closes it.
 */
export class TapHandle {
  /** The kernel's name of the device (it fills in `tap%d` patterns). */
  readonly name: string;
  readonly vnetHdr: boolean;
  readonly multiQueue: boolean;
  readonly netns: string | undefined;
  private fdNow: number;
  private poller: FramePoller | null = null;

  /** @internal Use `openTapHandle`. */
  constructor(private readonly native: NativeBinding, fd: number, name: string, options: OpenTapOptions) {
    this.fdNow = fd;
    this.name = name;
    this.vnetHdr = options.vnetHdr === true;
    this.multiQueue = options.multiQueue === true;
    this.netns = options.netns;
  }

  /** The fd; -1 once closed. */
  get fd(): number {
    return this.fdNow;
  }

  get closed(): boolean {
    return this.fdNow < 0;
  }

  /** TUNSETVNETHDRSZ: bytes of virtio-net header before each frame (12 for virtio_net_hdr_v1). Needs `vnetHdr`. */
  setVnetHeaderSize(size: number): void {
    const fd = this.open('setVnetHeaderSize');
    if (!(Number.isInteger(size) && size >= 10 && size <= 64)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `setVnetHeaderSize: size must be an integer in 10..64 bytes (12 for virtio_net_hdr_v1), got ${String(size)}`);
    }
    if (!this.vnetHdr) throw new StackError('ERR_INVALID_ARGUMENT', 'setVnetHeaderSize: the TAP was opened without vnetHdr');
    this.call('setVnetHeaderSize', () => this.native.setVnetHdrSize(fd, size));
  }

  /**
   * TUNSETOFFLOAD: asks for the `TUN_F` bits in `flags` (e.g. CSUM | TSO4 |
   * TSO6) and returns those the kernel accepted; bits it refuses are dropped
   * one at a time. 0 turns offloads off. Needs `vnetHdr`.
   */
  setOffload(flags: number): number {
    const fd = this.open('setOffload');
    if (!(Number.isInteger(flags) && flags >= 0 && flags <= 0xffff)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `setOffload: flags must be TUN_F bits (an integer 0..0xffff), got ${String(flags)}`);
    }
    if (!this.vnetHdr && flags !== 0) throw new StackError('ERR_INVALID_ARGUMENT', 'setOffload: offloads need a TAP opened with vnetHdr');
    return this.call('setOffload', () => this.native.setOffload(fd, flags));
  }

  /**
   * Starts batched reads: see `FramePoller`. One poller per handle (libuv
   * watches an fd once); it is created stopped: call `start()`.
   */
  poll(options: FramePollerOptions): FramePoller {
    const fd = this.open('poll');
    if (this.poller !== null) throw new StackError('ERR_INVALID_ARGUMENT', 'poll: this TAP already has a poller (close it first)');
    const poller = new FramePoller(this.native, fd, options, () => {
      if (this.poller === poller) this.poller = null;
    });
    this.poller = poller;
    return poller;
  }

  /**
   * Writes frames `buf[offsets[i], offsets[i] + lengths[i])` for i <
   * `count`, one write() each, in one native call. Returns how many were
   * consumed: fewer than `count` when the kernel said EAGAIN (retry the
   * rest after `FramePoller.wantWritable` reports). A frame the kernel
   * refused is skipped and its `lengths[i]` becomes -errno.
   */
  write(buf: Uint8Array, offsets: Int32Array, lengths: Int32Array, count: number): number {
    const fd = this.open('write');
    try {
      return this.native.writeFrames(fd, buf, offsets, lengths, count);
    } catch (err) {
      throw fromAddonError('TapHandle.write', err);
    }
  }

  /** Stops the poller and closes the fd (a TAP this fd created goes away with it). Idempotent. */
  close(): void {
    if (this.fdNow < 0) return;
    this.poller?.close();
    const fd = this.fdNow;
    this.fdNow = -1;
    this.call('close', () => this.native.closeFd(fd));
  }

  private open(op: string): number {
    if (this.fdNow < 0) throw new StackError('ERR_CLOSED', `TapHandle.${op}: the TAP ${this.name} is closed`);
    return this.fdNow;
  }

  private call<T>(op: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw fromAddonError(`TapHandle.${op} (${this.name})`, err);
    }
  }
}

const NAME_RE = /^[^\s/:]+$/;

/** Checks `OpenTapOptions`; throws StackError('ERR_INVALID_ARGUMENT') saying what is allowed. */
export function checkOpenTapOptions(options: OpenTapOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new StackError('ERR_INVALID_ARGUMENT', 'openTapHandle: options must be an object { name, vnetHdr?, multiQueue?, netns? }');
  }
  const { name, vnetHdr, multiQueue, netns } = options;
  if (typeof name !== 'string' || Buffer.byteLength(name) < 1 || Buffer.byteLength(name) > IFNAME_MAX || !NAME_RE.test(name) || name === '.' || name === '..') {
    throw new StackError('ERR_INVALID_ARGUMENT', `openTapHandle: name must be 1..${IFNAME_MAX} bytes without '/', ':' or whitespace (e.g. "tap0"), got ${JSON.stringify(name)}`);
  }
  for (const [key, value] of [['vnetHdr', vnetHdr], ['multiQueue', multiQueue]] as const) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new StackError('ERR_INVALID_ARGUMENT', `openTapHandle: ${key} must be a boolean, got ${JSON.stringify(value)}`);
    }
  }
  if (netns !== undefined && (typeof netns !== 'string' || netns === '' || netns.includes('\0'))) {
    throw new StackError('ERR_INVALID_ARGUMENT', `openTapHandle: netns must be a namespace name (under /run/netns) or a path, got ${JSON.stringify(netns)}`);
  }
}

/**
 * Opens (creating if needed) the TAP device `name`, always IFF_TAP |
 * IFF_NO_PI, non-blocking: the fd and the operations on it. With `netns`,
 * the device is made inside that network namespace while this process keeps
 * the fd. Needs CAP_NET_ADMIN (root): without it the error says so
 * (NativeError, errno EPERM). Throws ERR_NATIVE_UNAVAILABLE when the addon is
 * not built.
 */
export function openTapHandle(options: OpenTapOptions): TapHandle {
  checkOpenTapOptions(options);
  const native = loadNative();
  const flags = (options.vnetHdr === true ? IFF.VNET_HDR : 0) | (options.multiQueue === true ? IFF.MULTI_QUEUE : 0);
  let opened: { fd: number; name: string };
  try {
    opened = native.openTap(options.name, flags, options.netns ?? null);
  } catch (err) {
    throw fromAddonError('openTapHandle', err);
  }
  return new TapHandle(native, opened.fd, opened.name, options);
}

/** The offloads netif-tap asks for: partial checksums and TCP segmentation both ways. */
export const DEFAULT_OFFLOADS = TUN_F.CSUM | TUN_F.TSO4 | TUN_F.TSO6;
