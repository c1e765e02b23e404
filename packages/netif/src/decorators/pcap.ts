import type { NetDevice, RxMeta, Scheduler, TxMeta } from '@stack/interfaces';
import type { PacketRecorder } from '@stack/pcap';
import { DeviceDecorator } from './decorator.js';

/** What `withPcap` needs: the clock that stamps each frame. */
export interface PcapDeps {
  scheduler: Scheduler;
}

class PcapDevice extends DeviceDecorator {
  constructor(
    inner: NetDevice,
    private readonly recorder: PacketRecorder,
    private readonly scheduler: Scheduler,
  ) {
    super(inner);
    this.hook(); // see every frame, even before the host sets a handler
  }

  override transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    const sent = this.inner.transmit(frame, meta);
    if (sent) this.recorder.writePacket(this.scheduler.now(), frame, 'outbound');
    return sent;
  }

  protected override receive(frame: Uint8Array, meta: RxMeta): void {
    this.recorder.writePacket(this.scheduler.now(), frame, 'inbound');
    this.handler?.(frame, meta);
  }
}

/**
 * Wraps `device` so every frame it sends (that the device accepted) and
 * every frame it receives is recorded, stamped with `scheduler.now()`:
 * virtual time in a simulation, so captures are byte-identical per seed.
 * `recorder` is a `PcapWriter`, a `PcapngWriter`, `pcapngWriter.interface(name)`
 * (one capture, one interface per device), or anything with `writePacket`.
 * Closing it closes `device`, not the recorder.
 */
export function withPcap(device: NetDevice, recorder: PacketRecorder, deps: PcapDeps): NetDevice {
  return new PcapDevice(device, recorder, deps.scheduler);
}
