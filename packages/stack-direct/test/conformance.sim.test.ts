import { describe } from 'vitest';
import { memoryLink } from '@stack/netif';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { stackConformance } from '@stack/testkit/conformance';
import { createDirectStack } from '../src/index.js';

const hostYield = (): Promise<void> => new Promise((r) => setImmediate(r));

// The same contract suite that @stack/stack-socket passes on the kernel's loopback.
describe('Stack conformance: @stack/stack-direct on a simulated link, virtual time', () => {
  stackConformance(
    async () => {
      const scheduler = new SimScheduler();
      const [a, b] = memoryLink({ scheduler, names: ['srv', 'cli'], latency: 0.05, mtu: 1500 });
      const server = createDirectStack(a, { scheduler, random: new SeededRandom(21) }, { address: '10.0.0.2/24' });
      const client = createDirectStack(b, { scheduler, random: new SeededRandom(22) }, { address: '10.0.0.1/24' });
      let nextPort = 20_000;
      return {
        server,
        client,
        address: '10.0.0.2',
        port: () => nextPort++,
        settle: (p) => scheduler.runUntilSettled(p, Infinity, { hostYield }),
        until: async (cond) => {
          while (!cond()) {
            if (scheduler.nextTime() === undefined) throw new Error('the condition never held (nothing left to run)');
            scheduler.runFor(1);
            await hostYield();
          }
        },
        sleep: async (ms) => {
          for (let t = 0; t < ms; t++) {
            scheduler.runFor(1);
            await hostYield();
          }
        },
        async close() {
          await scheduler.runUntilSettled(Promise.all([client.close(), server.close()]), Infinity, { hostYield });
        },
      };
    },
    { ping: 'reply' },
  );
});
