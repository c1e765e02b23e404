// Real time and randomness for a stack running in Node.
//   cd /work/main && node --conditions=@stack/source --import tsx packages/platform-node/examples/basic.ts
import { CryptoRandom, NodeScheduler } from '@stack/platform-node';

const scheduler = new NodeScheduler({ unref: false });
const random = new CryptoRandom();

const start = scheduler.now();
const order: string[] = [];
scheduler.at(start + 20, () => order.push('b (20 ms)'));
scheduler.at(start + 10, () => order.push('a (10 ms)'));
scheduler.at(start + 20, () => order.push('c (20 ms, scheduled after b)'));
const cancel = scheduler.at(start + 15, () => order.push('never'));
cancel();
console.log('pending:', scheduler.pending()); // 3

await new Promise<void>((resolve) => scheduler.at(start + 30, resolve));
console.log('ran in order:', order.join(', '));
console.log('wheel:', scheduler.inspect());

const isn = random.u32(); // e.g. a TCP initial sequence number
const id = new Uint8Array(2);
random.fill(id); // e.g. a DNS id
console.log('u32:', isn, 'two bytes:', Array.from(id));

scheduler.close(); // cancels whatever is left and clears the one Node timer
