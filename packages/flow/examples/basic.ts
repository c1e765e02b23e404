// A connection in memory: B runs an RFC 862 echo, A talks to it through a
// Node Duplex in stream.pipeline; then the async iterator, a reset as an
// error code, and Web Streams. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/flow/examples/basic.ts
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { echo, isFlowStreamError, iterate, memoryFlowPair, toWebStreams } from '@stack/flow';
import { toDuplex } from '@stack/flow/node';

const text = new TextEncoder();
const decoder = new TextDecoder();

// 1. A Duplex over a flow, in a pipeline: source → connection → sink.
const [client, server] = memoryFlowPair({ bufferSize: 16 * 1024 });
const served = echo(server); // any Flow works: a @stack/tcp connection, for one
let echoed = '';
await pipeline(Readable.from(['hello, ', 'echo\n']), toDuplex(client), async (source: AsyncIterable<Uint8Array>) => {
  for await (const chunk of source) echoed += decoder.decode(chunk, { stream: true });
});
console.log('echoed:', JSON.stringify(echoed));
console.log('server:', await served); // { bytes: 12, error: null }: it saw our FIN, shut down and closed

// 2. The async iterator: chunks until the peer's FIN.
const [a, b] = memoryFlowPair();
await a.write(text.encode('one '));
await a.write(text.encode('two'));
await a.shutdown();
for await (const chunk of iterate(b)) console.log('iterate got:', JSON.stringify(decoder.decode(chunk)));

// 3. A reset is a value from read(), and an error with a stable code from the adapters.
const [c, d] = memoryFlowPair();
c.abort();
console.log('read():', await d.read());
try {
  for await (const _ of iterate(d)) break;
} catch (err) {
  if (isFlowStreamError(err)) console.log('iterate threw:', err.code);
}

// 4. Web Streams, shaped like WebTransport's bidirectional stream.
const [e, f] = memoryFlowPair();
void echo(f);
const { readable, writable, closed } = toWebStreams(e);
const writer = writable.getWriter();
await writer.write(text.encode('over web streams'));
await writer.close(); // flow.shutdown(): a FIN after the bytes
for await (const chunk of readable) console.log('web got:', JSON.stringify(decoder.decode(chunk)));
await closed; // both halves done: the adapter closed the flow
console.log('web: flow closed');
