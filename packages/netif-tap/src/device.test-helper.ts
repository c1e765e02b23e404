// Shared by the device tests: a fake fd and a device over it.
import { resolveTapOptions, type TapOptions } from './config.js';
import { TapDeviceImpl, type TapIo, type TapNegotiated } from './device.js';

export const ALL: TapNegotiated = { vnetHdr: true, csum: true, tso4: true, tso6: true, flags: 7, uso: false };
export const NONE: TapNegotiated = { vnetHdr: true, csum: false, tso4: false, tso6: false, flags: 0, uso: false };
export const RAW: TapNegotiated = { vnetHdr: false, csum: false, tso4: false, tso6: false, flags: 0, uso: false };

/** A fake fd: records each write batch; `accept` limits how many frames a write takes (EAGAIN after). */
export class FakeIo implements TapIo {
  batches: Uint8Array[][] = [];
  accept = Infinity;
  refuse = new Set<number>(); // frame indexes (within a batch) the kernel refuses with EIO
  wantWritableCalls = 0;
  closed = 0;
  write(buf: Uint8Array, offsets: Int32Array, lengths: Int32Array, count: number): number {
    const n = Math.min(count, this.accept);
    const batch: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      if (this.refuse.has(i)) {
        lengths[i] = -5;
        continue;
      }
      batch.push(buf.slice(offsets[i]!, offsets[i]! + lengths[i]!));
    }
    this.batches.push(batch);
    return n;
  }
  wantWritable(): void {
    this.wantWritableCalls++;
  }
  close(): void {
    this.closed++;
  }
}

export function device(negotiated = ALL, options: Partial<TapOptions> = {}, reportError?: (e: unknown) => void) {
  const io = new FakeIo();
  const config = resolveTapOptions({ name: 'tap0', mac: '02:00:00:00:00:01', ...options });
  return { io, dev: new TapDeviceImpl('tap0', config, negotiated, io, reportError) };
}

export const tick = (): Promise<void> => new Promise((r) => queueMicrotask(r));
