import type { NetDevice, Scheduler, Stack } from '@stack/interfaces';
import { withPcap } from '@stack/netif';
import { fileSink, PcapWriter } from '@stack/pcap';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack } from '@stack/stack-direct';
import type { EchoOptions } from './cli.js';

/** The stack the server runs on, and what else to close after it. */
export interface BuiltStack {
  readonly stack: Stack;
  /** What the TAP negotiated, for the start-up log (direct only). */
  readonly device?: NetDevice;
  close(): Promise<void>;
}

/**
 * Builds the stack the options ask for: `direct` opens the TAP (optionally
 * recorded to a pcap file) and runs @stack's own stack on it; `socket` runs
 * on the kernel's stack through Node's sockets.
 */
export async function buildStack(o: EchoOptions): Promise<BuiltStack> {
  if (o.net === 'socket') {
    const { createSocketStack } = await import('@stack/stack-socket');
    const stack = createSocketStack({
      name: 'echo',
      address: o.ip?.address ?? '127.0.0.1',
      tcp: o.maxConnections === undefined ? {} : { maxConnections: o.maxConnections },
    });
    return { stack, close: () => stack.close() };
  }
  const { openTap } = await import('@stack/netif-tap');
  const scheduler = new NodeScheduler();
  const tap = await openTap({ name: o.tap!, mtu: o.mtu, offloads: o.offloads ? 'auto' : false });
  let device: NetDevice = tap;
  let pcap: PcapWriter | undefined;
  if (o.pcap !== undefined) {
    pcap = new PcapWriter(fileSink(o.pcap));
    device = withPcap(tap, pcap, { scheduler: wallClock(scheduler) });
  }
  const stack = createDirectStack(
    device,
    { scheduler, random: new CryptoRandom() },
    {
      name: 'echo',
      address: `${o.ip!.address}/${o.ip!.prefix}`,
      ...(o.gateway === undefined ? {} : { gateway: o.gateway }),
      tcp: {
        ...(o.maxConnections === undefined ? {} : { maxConnections: o.maxConnections }),
        ...(o.backlog === undefined ? {} : { backlog: o.backlog }),
      },
    },
  );
  return {
    stack,
    device: tap,
    async close() {
      await stack.close();
      pcap?.close();
      scheduler.close();
    },
  };
}

/** The scheduler with its clock moved to the Unix epoch, so a pcap's timestamps are wall-clock times. */
export function wallClock(scheduler: Scheduler): Scheduler {
  const epoch = Date.now() - scheduler.now();
  return { now: () => epoch + scheduler.now(), at: (t, fn) => scheduler.at(t - epoch, fn), pending: () => scheduler.pending() };
}
