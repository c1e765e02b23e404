// An RFC 862 echo service (TCP and UDP) and a client on the kernel's
// loopback, through the same Stack API that @stack/stack-direct offers over
// @stack's own stack. Run from the repository root:
//   node --conditions=@stack/source --import tsx packages/stack-socket/examples/basic.ts
import { createSocketStack } from '@stack/stack-socket';
import { echo } from '@stack/flow';

const port = Number(process.env['PORT'] ?? 7007);
const server = createSocketStack({ name: 'server', address: '127.0.0.1' });
const client = createSocketStack({ name: 'client', address: '127.0.0.1' });

// server: echo every TCP connection and every datagram on `port`.
const listener = server.tcp.listen(port, (flow) => void echo(flow));
await listener.ready; // the kernel bound the port (another process holding it would reject here)
server.udp.bind(port, (d) => server.udp.send(d.src, d.srcPort, d.data, { srcPort: port }));

// client: a line over TCP, half close, read the echo to the end.
const c = await client.tcp.connect(server.address, port);
if (c.error) throw new Error(`connect failed: ${c.error}`);
await c.flow.write(new TextEncoder().encode('hello over the kernel'));
await c.flow.shutdown();
let text = '';
for (let r = await c.flow.read(); r.data; r = await c.flow.read()) text += new TextDecoder().decode(r.data);
const conn = client.inspect().tcp.connections[0]!;
console.log(`tcp echo: ${text} (${conn.local} -> ${conn.remote}, ${conn.bytesOut} bytes out, ${conn.bytesIn} in)`);
await c.flow.close();

// ...and a datagram.
const reply = await new Promise<string>((resolve) => {
  const socket = client.udp.bind(0, (d) => {
    resolve(new TextDecoder().decode(d.data));
    socket.close();
  });
  socket.send(server.address, port, new TextEncoder().encode('hello, udp'));
});
console.log(`udp echo: ${reply}`);

// ICMP needs raw sockets, which Node does not have: a typed value, not an exception.
console.log('ping:', await client.icmp.ping(server.address));

await client.close();
await server.close();
console.log('handles left:', process.getActiveResourcesInfo().filter((r) => /TCP|UDP|Timeout/.test(r)));
