import type { NetDevice, RxMeta, Scheduler, TxMeta } from '@stack/interfaces';
import { DeviceDecorator, formatTraceLine, type PacketRecorder } from '@stack/netif';

/**
 * The device a host gets from a SimNetwork: the link (and faults) below, and
 * taps the network can add at any time (capture, trace). Frames are tapped
 * where the host sees them: sent frames the device accepted, received frames
 * that survived the faults.
 */
export class SimPort extends DeviceDecorator {
  readonly recorders: PacketRecorder[] = [];
  readonly tracers: ((line: string) => void)[] = [];

  constructor(
    inner: NetDevice,
    /** The host this interface belongs to. */
    readonly host: string,
    /** Where it is plugged: a segment name, or the peer interface of a point-to-point link. */
    readonly attachedTo: string,
    private readonly scheduler: Scheduler,
  ) {
    super(inner);
    this.hook(); // tap what arrives even before the host sets a handler
  }

  override transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    const sent = this.inner.transmit(frame, meta);
    if (sent) this.tap(frame, 'tx');
    return sent;
  }

  protected override receive(frame: Uint8Array, meta: RxMeta): void {
    this.tap(frame, 'rx');
    this.handler?.(frame, meta);
  }

  private tap(frame: Uint8Array, dir: 'tx' | 'rx'): void {
    if (this.recorders.length === 0 && this.tracers.length === 0) return;
    const now = this.scheduler.now();
    for (const r of this.recorders) r.writePacket(now, frame, dir === 'tx' ? 'outbound' : 'inbound');
    if (this.tracers.length > 0) {
      const line = formatTraceLine(now, this.name, dir, frame);
      for (const t of this.tracers) t(line);
    }
  }
}
