// Bugs the TCP matrix found, one minimal test each. All three were fixed in
// @stack/tcp while these tests were written (they failed, now they pass):
// they stay as regression tests. A bug still open would be an `it.fails`.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conns, tcpPair, transfer } from './tcp-harness.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('TCP findings', () => {
  // Found by the matrix while it was written, and fixed in layer.ts since
  // ("the connect timeout is over once the connect is"): `connect(..., { timeout })`
  // left `connectDeadline` set after the handshake, so once virtual time
  // reached it, service() re-armed the connection's deadline at `now` and
  // DeadlineQueue.onTimer looped for ever inside one scheduler step (seed 1,
  // 10 MiB at 30 % loss hung at t = 600 000 ms). A livelock never returns, so
  // the scenario runs in a child process that is killed if it hangs.
  it('a connection outlives its connect timeout without a livelock (child process)', () => {
    const probe = join(import.meta.dirname, 'tcp-connect-timeout-probe.ts');
    const r = spawnSync(process.execPath, ['--conditions=@stack/source', '--import', 'tsx', probe], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, `seed 7: the probe hung (killed) — stderr: ${r.stderr}`).toBeNull();
    expect(r.status, `seed 7: probe exit status — stderr: ${r.stderr}`).toBe(0);
    expect(r.stdout.trim(), 'seed 7').toBe('ok ["ESTABLISHED"] pending after close 0');
  }, 90_000);

  // Was: `synCookies: 'auto'` (the documented default) was not implemented
  // in the layer: onSyn dropped every SYN beyond `synBacklog` as
  // dropped.synQueueFull. Simultaneous connects retry in lock step, so each
  // SYN round admitted synBacklog of them: with synBacklog 16, 200 connects
  // gave 7 rounds × 16 = 112 ok and 88 'timeout'; 10 000 connects with the
  // default 1024 gave 7 168 ok, 2 832 'timeout'.
  it('with the SYN queue full, SYN cookies (auto) let every connect through', async () => {
    const p = tcpPair({ seed: 5, latency: 1, tcp: { synBacklog: 16 } });
    p.server.tcp.listen(80, (flow) => void flow.close());
    const results = await p.net.scheduler.runUntilSettled(
      Promise.all(Array.from({ length: 200 }, async () => {
        const r = await p.client.tcp.connect(p.server.address, 80);
        if (r.flow === undefined) return r.error;
        await r.flow.close();
        return 'ok';
      })),
    );
    const tally: Record<string, number> = {};
    for (const r of results) tally[r] = (tally[r] ?? 0) + 1;
    expect(tally, 'seed 5: connect outcomes').toEqual({ ok: 200 });
    expect(p.server.inspect().tcp.stats.dropped['synQueueFull'], 'seed 5: SYNs dropped for a full SYN queue').toBe(0);
    p.net.runFor(200_000);
    expect(conns(p.client), 'seed 5: client connections left').toEqual([]);
    expect(conns(p.server), 'seed 5: server connections left').toEqual([]);
    expect(await p.close(), 'seed 5: timers after close').toBe(0);
  });

  // Was: the MSS did not follow the interface MTU. At MTU 576 with the
  // default config both SYNs announced 1460, IPv4 refused every full data
  // segment (DF: ipv4 dropped.tooBig, tcp txErrors), the engine never
  // lowered its MSS (mtuReductions 0) and only backed off: seed 1, 100 000 B,
  // nothing delivered in 10 min of virtual time. Now the layer hands the
  // engine IpLayer.mtu(dst) and announces min(mss, MTU − 40).
  it('at MTU 576 the default MSS follows the MTU and the transfer completes', async () => {
    const p = tcpPair({ seed: 1, mtu: 576, latency: 1 });
    const r = await transfer(p, 'c2s', 100_000, 1, 600_000);
    expect(r.established.client?.mss, 'seed 1: client MSS').toBe(536 - 12);
    expect(r.streams[0]?.got, 'seed 1: SHA-256').toBe(r.streams[0]?.sent);
    expect(p.client.inspect().ipv4.stats.dropped['tooBig'], 'seed 1: segments refused as too big').toBe(0);
    p.net.runFor(61_000);
    expect(conns(p.client), 'seed 1').toEqual([]);
    expect(await p.close(), 'seed 1').toBe(0);
  });
});
