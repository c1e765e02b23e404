// The contracts are types: here a NetDevice written by hand — one that
// answers every frame by sending it back — shows what a device owes a stack.
// Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/interfaces/examples/basic.ts
import { StackError, isStackError, plainCapabilities, type DeviceStats, type FrameHandler, type NetDevice, type RxMeta, type Scheduler } from '@stack/interfaces';

/** A loopback device: every transmitted frame comes back, later, through the scheduler. */
function loopbackDevice(scheduler: Scheduler, mac: number): NetDevice {
  let handler: FrameHandler | undefined;
  let closed = false;
  const stats: DeviceStats = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  const meta: RxMeta = { checksumVerified: false, checksumPartial: false };
  return {
    name: 'lo0',
    mac,
    mtu: 1500,
    capabilities: plainCapabilities(1500),
    stats,
    transmit(frame) {
      if (closed || frame.length > 1514) {
        stats.txDropped++;
        return false;
      }
      const copy = frame.slice(); // the caller may reuse its buffer once we return
      stats.txFrames++;
      stats.txBytes += copy.length;
      scheduler.at(scheduler.now(), () => {
        if (closed) return;
        stats.rxFrames++;
        stats.rxBytes += copy.length;
        handler?.(copy, meta); // never from inside transmit
      });
      return true;
    },
    onReceive(fn) {
      handler = fn;
    },
    async close() {
      closed = true;
    },
  };
}

// A tiny scheduler good enough for the example.
const queue: (() => void)[] = [];
const scheduler: Scheduler = { now: () => 0, at: (_t, fn) => (queue.push(fn), () => {}), pending: () => queue.length };

const dev = loopbackDevice(scheduler, 0x020000000001);
dev.onReceive((frame) => console.log(`received ${frame.length} bytes back`));
dev.transmit(new Uint8Array(60));
while (queue.length) queue.shift()!();
console.log(dev.stats);

try {
  throw new StackError('ERR_PORT_IN_USE', 'port 7 is bound already');
} catch (err) {
  if (isStackError(err, 'ERR_PORT_IN_USE')) console.log(`misuse is a StackError with a stable code: ${err.code}`);
}
await dev.close();
