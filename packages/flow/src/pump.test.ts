import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { echo, pipeFlows } from './pump.js';
import { memoryFlowPair } from './memory.js';
import { MiB, cut, drain, pattern, sameBytes, settle, spy, transferPlan, writeAll } from '../test/helpers.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);

describe('echo (RFC 862)', () => {
  it('sends 1 MiB back as it came, then shuts down and closes at the FIN', async () => {
    await fc.assert(
      fc.asyncProperty(transferPlan, async ({ sizes, bufferSize, seed }) => {
        const [client, raw] = memoryFlowPair({ bufferSize });
        const { flow: server, calls } = spy(raw);
        const data = pattern(MiB, seed);
        const [result, , got] = await Promise.all([echo(server), writeAll(client, cut(data, sizes)), drain(client)]);
        expect(result).toEqual({ bytes: MiB, error: null });
        expect(got.end).toEqual({ eof: true });
        expect(sameBytes(got.data, data)).toBe('same');
        expect(calls).toMatchObject({ shutdown: 1, close: 1, abort: 0 });
      }),
      { numRuns: 3 },
    );
  });

  it('waits for the client to read: it never gets more than two buffers ahead', async () => {
    const [client, server] = memoryFlowPair({ bufferSize: 1000 });
    const done = echo(server);
    let accepted = 0;
    void (async () => {
      for (let i = 0; i < 100; i++) {
        if ((await client.write(pattern(100, i))) !== null) return; // aborted below
        accepted += 100;
      }
    })();
    await settle(20);
    // client → server buffer, server → client buffer, and what echo holds between read and write.
    expect(accepted).toBeLessThanOrEqual(3000);
    expect(client.unread).toBe(1000);
    client.abort();
    expect(await done).toMatchObject({ error: 'reset' });
  });

  it('reports a reset as a value', async () => {
    const [client, server] = memoryFlowPair();
    const done = echo(server);
    await client.write(bytes(1));
    expect(await client.read()).toEqual({ data: bytes(1) });
    client.abort();
    expect(await done).toEqual({ bytes: 1, error: 'reset' });
  });
});

describe('pipeFlows', () => {
  it('joins two flows both ways and passes the FINs on', async () => {
    const [client, p1] = memoryFlowPair({ bufferSize: 2000 });
    const [p2, server] = memoryFlowPair({ bufferSize: 3000 });
    const s1 = spy(p1);
    const s2 = spy(p2);
    const proxy = pipeFlows(s1.flow, s2.flow);
    const request = pattern(100_000, 1);
    const response = pattern(50_000, 2);
    const [, serverGot, , clientGot] = await Promise.all([
      writeAll(client, cut(request, [999])),
      drain(server),
      writeAll(server, cut(response, [4321])),
      drain(client),
    ]);
    expect(sameBytes(serverGot.data, request)).toBe('same');
    expect(sameBytes(clientGot.data, response)).toBe('same');
    expect([serverGot.end, clientGot.end]).toEqual([{ eof: true }, { eof: true }]);
    expect(await proxy).toEqual({ aToB: request.length, bToA: response.length, error: null });
    expect([s1.calls.close, s2.calls.close, s1.calls.abort + s2.calls.abort]).toEqual([1, 1, 0]);
  });

  it('passes a reset on as an RST to the other side', async () => {
    const [client, p1] = memoryFlowPair();
    const [p2, server] = memoryFlowPair();
    const proxy = pipeFlows(p1, p2);
    await client.write(bytes(1));
    expect(await server.read()).toEqual({ data: bytes(1) });
    server.abort();
    expect(await proxy).toMatchObject({ error: 'reset' });
    expect(await client.read()).toEqual({ error: 'reset' });
  });
});
