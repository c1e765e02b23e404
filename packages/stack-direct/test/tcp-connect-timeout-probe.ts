// Run as a child process by tcp-findings.sim.test.ts (a livelock cannot be
// caught in-process: it never returns). An established connection opened
// with `connect(..., { timeout: 1000 })` stays open past that second; prints
// "ok" if virtual time gets past it.
//   node --conditions=@stack/source --import tsx packages/stack-direct/test/tcp-connect-timeout-probe.ts
import { tcpPair } from './tcp-harness.js';

const p = tcpPair({ seed: 7, latency: 1 });
p.server.tcp.listen(80, () => {});
const r = await p.net.scheduler.runUntilSettled(p.client.tcp.connect(p.server.address, 80, { timeout: 1000 }));
if (r.flow === undefined) throw new Error(`connect failed: ${r.error}`);
p.net.runFor(5000); // the connect timeout (t = 1000) passes while the connection is idle and ESTABLISHED
const states = p.client.inspect().tcp.connections.map((c) => c.state);
r.flow.abort();
console.log(`ok ${JSON.stringify(states)} pending after close ${await p.close()}`);
