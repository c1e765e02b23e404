import type { NetDevice, RxMeta, Scheduler, TxMeta } from '@stack/interfaces';
import { formatTraceLine } from '../trace/summary.js';
import { DeviceDecorator } from './decorator.js';

/** What `withTrace` needs. */
export interface TraceDeps {
  scheduler: Scheduler;
  /** Name shown in the lines (default the device's name). */
  name?: string;
}

class TraceDevice extends DeviceDecorator {
  private readonly label: string;

  constructor(
    inner: NetDevice,
    private readonly log: (line: string) => void,
    private readonly scheduler: Scheduler,
    label: string | undefined,
  ) {
    super(inner);
    this.label = label ?? inner.name;
    this.hook(); // see every frame, even before the host sets a handler
  }

  override transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    const sent = this.inner.transmit(frame, meta);
    this.log(formatTraceLine(this.scheduler.now(), this.label, 'tx', frame) + (sent ? '' : ' (dropped)'));
    return sent;
  }

  protected override receive(frame: Uint8Array, meta: RxMeta): void {
    this.log(formatTraceLine(this.scheduler.now(), this.label, 'rx', frame));
    this.handler?.(frame, meta);
  }
}

/**
 * Wraps `device` so every frame sent and received is logged as one decoded,
 * tcpdump-like line, e.g.
 * `0.000010 h1.eth0 > 02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff ARP who-has 10.0.0.2 tell 10.0.0.1`.
 * Closing it closes `device`.
 */
export function withTrace(device: NetDevice, log: (line: string) => void, deps: TraceDeps): NetDevice {
  return new TraceDevice(device, log, deps.scheduler, deps.name);
}
