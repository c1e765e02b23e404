import { createHash } from 'node:crypto';
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';
import { createDirectStack, type DirectStack } from '@stack/stack-direct';
import { withNetns, type Netns } from '@stack/testkit';
import { openTap, type TapDevice, type TapOptions } from '../src/index.js';
import { KERNEL_IP, OUR_IP } from './python.js';

export { KERNEL_IP, OUR_IP, PY_SINK, PY_SOURCE, PY_UDP_SINK } from './python.js';

export interface TapWorld {
  ns: Netns;
  tap: TapDevice;
  stack: DirectStack;
  scheduler: NodeScheduler;
}

/**
 * A namespace with tap0 opened by this process (kernel side 10.77.0.1/24, MTU
 * to match ours) and a direct stack on it at 10.77.0.2/24; all closed and
 * deleted afterwards, also on failure.
 */
export async function withTapStack<T>(options: Partial<TapOptions>, fn: (w: TapWorld) => Promise<T>): Promise<T> {
  return withNetns(async (ns) => {
    const tap = await openTap({ name: 'tap0', netns: ns.name, ...options });
    const scheduler = new NodeScheduler();
    const stack = createDirectStack(tap, { scheduler, random: new CryptoRandom() }, { address: `${OUR_IP}/24` });
    try {
      await ns.ip('link', 'set', 'tap0', 'mtu', String(tap.mtu));
      await ns.addr('tap0', `${KERNEL_IP}/24`);
      await ns.up('tap0');
      return await fn({ ns, tap, stack, scheduler });
    } finally {
      await stack.close();
      scheduler.close();
    }
  });
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
