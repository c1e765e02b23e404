import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { Flow } from '@stack/interfaces';
import { TcpState } from '../engine/state.js';
import { LOCAL, pairRig } from './layer.test-helper.js';

function bytes(n: number, salt = 0): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt) & 0xff);
}

async function connected(rig: ReturnType<typeof pairRig>, port = 7): Promise<{ client: Flow; server: Flow }> {
  let server: Flow | undefined;
  rig.b.listen(port, (f) => (server = f));
  const r = await rig.sched.runUntilSettled(rig.a.connect(LOCAL, port));
  if (!r.flow) throw new Error(`connect: ${r.error}`);
  rig.sched.runFor(5);
  return { client: r.flow, server: server! };
}

describe('TcpFlow', () => {
  it('write resolves only when the send buffer took the bytes: backpressure from a reader that does not read', async () => {
    const rig = pairRig({ sendBufferSize: 4096, recvBufferSize: 4096 });
    const { client } = await connected(rig);
    let resolved = false;
    const w = client.write(bytes(64 * 1024)).then((r) => {
      resolved = true;
      return r;
    });
    rig.sched.runFor(10_000);
    await Promise.resolve();
    // The server never reads: at most its receive buffer plus our send buffer can be taken.
    expect(resolved).toBe(false);
    const pending = rig.a.connections().find((c) => c.state === TcpState.ESTABLISHED)!;
    expect(pending.sendBuffered).toBe(4096);
    expect(pending.pending).toMatchObject({ writes: 1, writeBytes: 64 * 1024 - 8192 });
    client.abort();
    await expect(w).resolves.toBe('aborted');
  });

  it('moves 1 MiB intact through small buffers, reading in chunks, and sees EOF after shutdown', async () => {
    const rig = pairRig({ sendBufferSize: 8192, recvBufferSize: 8192 });
    const { client, server } = await connected(rig);
    const data = bytes(1 << 20, 7);
    const run = async () => {
      const hash = createHash('sha256');
      let total = 0;
      const reading = (async () => {
        for (;;) {
          const r = await server.read();
          if (!r.data) return r;
          hash.update(r.data);
          total += r.data.length;
        }
      })();
      expect(await client.write(data)).toBeNull();
      await client.shutdown();
      const end = await reading;
      return { end, total, digest: hash.digest('hex') };
    };
    const { end, total, digest } = await rig.sched.runUntilSettled(run());
    expect(end).toEqual({ eof: true });
    expect(total).toBe(data.length);
    expect(digest).toBe(createHash('sha256').update(data).digest('hex'));
    // Half close: the server can still write to the client after our FIN.
    const back = rig.sched.runUntilSettled((async () => {
      expect(await server.write(bytes(10, 3))).toBeNull();
      await server.close();
      const r1 = await client.read();
      const r2 = await client.read();
      return [r1, r2];
    })());
    const [r1, r2] = await back;
    expect(r1!.data).toEqual(bytes(10, 3));
    expect(r2).toEqual({ eof: true });
  });

  it('write after shutdown or close throws ERR_CLOSED; read after close gives closed', async () => {
    const rig = pairRig();
    const { client } = await connected(rig);
    void client.shutdown();
    expect(() => client.write(bytes(1))).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }));
    void client.close();
    await expect(client.read()).resolves.toEqual({ error: 'closed' });
  });

  it('abort sends RST: the peer reads reset, its writes resolve reset', async () => {
    const rig = pairRig();
    const { client, server } = await connected(rig);
    const reading = server.read();
    client.abort();
    rig.sched.runFor(5);
    await expect(reading).resolves.toEqual({ error: 'reset' });
    await expect(server.write(bytes(5))).resolves.toBe('reset');
    expect(rig.b.stats.estabResets).toBe(1);
  });

  it('closing with unread data resets the connection (RFC 1122 §4.2.2.13)', async () => {
    const rig = pairRig();
    const { client, server } = await connected(rig);
    await rig.sched.runUntilSettled(client.write(bytes(100)));
    rig.sched.runFor(5);
    const peerRead = client.read();
    void server.close(); // 100 bytes unread
    rig.sched.runFor(5);
    await expect(peerRead).resolves.toEqual({ error: 'reset' });
  });

  it('close resolves once our FIN is acknowledged; asyncDispose closes', async () => {
    const rig = pairRig();
    const { client, server } = await connected(rig);
    let closed = false;
    const done = client.close().then(() => (closed = true));
    expect(closed).toBe(false);
    await rig.sched.runUntilSettled(done);
    expect(rig.a.connections()[0]!.state).toBe(TcpState.FIN_WAIT_2);
    await rig.sched.runUntilSettled(Promise.resolve(server[Symbol.asyncDispose]()));
    rig.sched.runFor(1);
    expect(rig.a.connections()[0]!.state).toBe(TcpState.TIME_WAIT);
    rig.sched.runFor(60_000);
    expect(rig.a.connections()).toEqual([]);
    expect(rig.sched.pending()).toBe(0);
  });

  it('shutdown and close on a flow the peer already reset resolve (the connection is gone; nothing to wait for)', async () => {
    const rig = pairRig();
    const { client, server } = await connected(rig);
    server.abort();
    rig.sched.runFor(5);
    expect(await rig.sched.runUntilSettled(client.read())).toEqual({ error: 'reset' });
    await expect(rig.sched.runUntilSettled(client.shutdown())).resolves.toBeUndefined();
    await expect(rig.sched.runUntilSettled(client.close())).resolves.toBeUndefined();
  });

  it('a connection that dies of retries fails reads and writes with timeout', async () => {
    const rig = pairRig({ retries: 2, rtoInitial: 200, rtoMin: 200 });
    const { client } = await connected(rig);
    rig.cut(true);
    const w = client.write(bytes(10));
    const r = client.read();
    rig.sched.runFor(10_000);
    await expect(r).resolves.toEqual({ error: 'timeout' });
    await expect(w).resolves.toBeNull(); // it had been taken by the send buffer
    await expect(client.write(bytes(1))).resolves.toBe('timeout');
    expect(rig.a.connections()).toEqual([]);
  });
});

describe('connect timeout', () => {
  it('ends with the handshake: a connection that outlives its connect timeout keeps working (and virtual time keeps moving)', async () => {
    const rig = pairRig();
    rig.b.listen(7, (f) => void f.read().then(() => f.write(new Uint8Array(3))));
    const r = await rig.sched.runUntilSettled(rig.a.connect(LOCAL, 7, { timeout: 100 }));
    if (!r.flow) throw new Error(r.error);
    rig.sched.runFor(500, { maxSteps: 10_000 }); // past the timeout: a stale deadline would spin here
    expect(rig.sched.now()).toBeGreaterThanOrEqual(500);
    const got = rig.sched.runUntilSettled((async () => {
      await r.flow.write(new Uint8Array(5));
      return r.flow.read();
    })());
    await expect(got).resolves.toMatchObject({ data: new Uint8Array(3) });
  });

});
