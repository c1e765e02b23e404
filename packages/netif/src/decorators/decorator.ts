import type { DeviceCapabilities, DeviceStats, FrameHandler, MacAddress, NetDevice, RxMeta, TxMeta } from '@stack/interfaces';

/**
 * A device wrapping another (STYLE.md #6, "decorators are devices"): name,
 * MAC, MTU, capabilities and stats are the inner device's; subclasses
 * intercept `transmit` and `receive`. It owns the inner device: `close()`
 * closes it. The inner receive handler is hooked on the first `onReceive`.
 */
export abstract class DeviceDecorator implements NetDevice {
  protected handler: FrameHandler | null = null;
  private hooked = false;

  /** The inner device's, when it has one: a decorator passes frames on within `transmit` (one that holds a frame copies it). */
  readonly txBuffer?: (length: number) => Uint8Array;

  constructor(protected readonly inner: NetDevice) {
    if (inner.txBuffer !== undefined) this.txBuffer = (length) => inner.txBuffer!(length);
  }

  get name(): string {
    return this.inner.name;
  }

  get mac(): MacAddress {
    return this.inner.mac;
  }

  get mtu(): number {
    return this.inner.mtu;
  }

  get capabilities(): DeviceCapabilities {
    return this.inner.capabilities;
  }

  get stats(): DeviceStats {
    return this.inner.stats;
  }

  /** The device this one wraps. */
  get device(): NetDevice {
    return this.inner;
  }

  transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    return this.inner.transmit(frame, meta);
  }

  onReceive(handler: FrameHandler): void {
    this.handler = handler;
    this.hook();
  }

  /** Takes the inner device's receive handler now, before anyone calls `onReceive` (for taps that see every frame). */
  protected hook(): void {
    if (!this.hooked) {
      this.hooked = true;
      this.inner.onReceive((frame, meta) => this.receive(frame, meta));
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** A frame from the inner device; the default hands it up unchanged. */
  protected receive(frame: Uint8Array, meta: RxMeta): void {
    this.handler?.(frame, meta);
  }
}
