// TCP between two @stack stacks on a simulated cable, in virtual time: an
// RFC 862 echo server, a client that sends a line and reads it back, and a
// look at the connection the way `ss -ti` shows one. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/stack-direct/examples/tcp.ts
import { createDirectStack } from '@stack/stack-direct';
import { SimScheduler, SeededRandom } from '@stack/sim';
import { memoryLink } from '@stack/netif';

const scheduler = new SimScheduler();
const [cableA, cableB] = memoryLink({ scheduler, names: ['a.eth0', 'b.eth0'], latency: 5 });
const tcp = { timeWait: 2_000 }; // TIME-WAIT of 2 s instead of 60, so the example ends quickly
const a = createDirectStack(cableA, { scheduler, random: new SeededRandom(1) }, { address: '192.0.2.1/24', tcp });
const b = createDirectStack(cableB, { scheduler, random: new SeededRandom(2) }, { address: '192.0.2.2/24', tcp });

// b: echo every byte back; when the client is done sending, close.
b.tcp.listen(7, async (flow) => {
  for (let r = await flow.read(); r.data; r = await flow.read()) await flow.write(r.data);
  await flow.close();
});

// a: connect, send a line, half close, read the echo to the end.
async function client(): Promise<string> {
  const r = await a.tcp.connect('192.0.2.2', 7, { timeout: 5_000 });
  if (r.error) return `connect failed: ${r.error}`;
  const flow = r.flow;
  await flow.write(new TextEncoder().encode('hello over tcp'));
  await flow.shutdown();
  let text = '';
  for (let m = await flow.read(); m.data; m = await flow.read()) text += new TextDecoder().decode(m.data);
  const c = a.inspect().tcp.connections[0]!;
  console.log(`${c.local} -> ${c.remote} ${c.state} cwnd ${String(c.cwnd)} srtt ${String(c.srtt)} ms rto ${String(c.rto)} ms`);
  await flow.close();
  return text;
}

console.log(`echo: ${await scheduler.runUntilSettled(client())}`);
scheduler.runFor(2_000); // TIME-WAIT ends
console.log('connections left:', a.inspect().tcp.connections.length, b.inspect().tcp.connections.map((c) => c.state));
await a.close();
await b.close();
console.log(`timers left: ${scheduler.pending()}`);
