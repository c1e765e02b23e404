import { expect, it } from 'vitest';
import { describePeer, isAlive, run, withNetns, type Netns } from '../src/index.js';

async function namespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(/\s+/)[0]!).filter(Boolean);
}

describePeer('withNetns', { commands: ['ip', 'ping', 'sleep', 'sh'], root: true }, () => {
  it('creates a uniquely named namespace with loopback up, and deletes it afterwards', async () => {
    let name = '';
    const out = await withNetns(async (ns) => {
      name = ns.name;
      expect(name).toMatch(new RegExp(`^stk-${process.pid}-\\d+$`));
      expect(await namespaces()).toContain(name);
      const lo = await ns.ip('-br', 'link', 'show', 'lo');
      expect(lo.stdout).toMatch(/UNKNOWN|UP/);
      await ns.exec('ping', ['-c1', '-W2', '127.0.0.1']);
      return 42;
    });
    expect(out).toBe(42);
    expect(await namespaces()).not.toContain(name);
  });

  it('joins two namespaces with a veth pair; Linux answers ping across it', async () => {
    await withNetns(async (a) =>
      withNetns(async (b) => {
        expect(a.name).not.toBe(b.name);
        await a.addVethPair('va', 'vb', { peer: b, macA: '02:77:00:00:09:01', macB: '02:77:00:00:09:02' });
        await a.addr('va', '10.77.9.1/24');
        await b.addr('vb', '10.77.9.2/24');
        const r = await a.exec('ping', ['-c1', '-W2', '10.77.9.2']);
        expect(r.stdout).toContain('1 received');
        expect((await b.ip('link', 'show', 'vb')).stdout).toContain('02:77:00:00:09:02');
      }),
    );
  });

  it('adds a TAP device', async () => {
    await withNetns(async (ns) => {
      await ns.addTap('tap0', { multiQueue: true, mtu: 9000 });
      const r = await ns.ip('-d', 'link', 'show', 'tap0');
      expect(r.stdout).toMatch(/tun type tap/);
      expect(r.stdout).toMatch(/multi_queue/);
      expect(r.stdout).toMatch(/mtu 9000/);
    });
  });

  it('kills spawned processes, their leftovers and deletes the namespace even when the test throws', async () => {
    let name = '';
    let pid = 0;
    let orphanPids: number[] = [];
    await expect(
      withNetns(async (ns) => {
        name = ns.name;
        const p = ns.spawn('sh', ['-c', 'echo ready; exec sleep 1000']);
        await p.waitForOutput('ready');
        pid = p.pid;
        // a grandchild the harness never saw: only `ip netns pids` finds it
        await ns.sh('sleep 1000 >/dev/null 2>&1 &');
        orphanPids = (await ns.pids()).filter((x) => x !== pid);
        expect(orphanPids.length).toBeGreaterThan(0);
        throw new Error('the test failed');
      }, { killGraceMs: 500 }),
    ).rejects.toThrowError('the test failed');
    expect(isAlive(pid)).toBe(false);
    for (const o of orphanPids) expect(isAlive(o)).toBe(false);
    expect(await namespaces()).not.toContain(name);
  });

  it('exec captures output, rejects on failure and on timeout', async () => {
    await withNetns(async (ns: Netns) => {
      const ok = await ns.sh('echo out; echo err >&2');
      expect(ok).toMatchObject({ code: 0, stdout: 'out\n', stderr: 'err\n' });
      await expect(ns.sh('echo nope >&2; exit 3')).rejects.toThrowError(/exit 3[\s\S]*nope/);
      expect((await ns.sh('exit 3', { allowFailure: true })).code).toBe(3);
      await expect(ns.exec('sleep', ['5'], { timeoutMs: 200 })).rejects.toThrowError(/timed out after 200 ms/);
      const echoed = await ns.exec('cat', [], { input: 'piped' });
      expect(echoed.stdout).toBe('piped');
    });
  });

  it('waitForOutput fails fast when the process exits first', async () => {
    await withNetns(async (ns) => {
      const p = ns.spawn('sh', ['-c', 'echo bye']);
      await expect(p.waitForOutput('never printed', 5000)).rejects.toThrowError(/exited before/);
      expect((await p.exited).code).toBe(0);
    });
  });

  it('a process that exits while a namespace is still open (a timed-out test) kills what it spawned and deletes it', async () => {
    const netns = new URL('../src/netns.ts', import.meta.url).pathname;
    const script = `
      import { withNetns } from ${JSON.stringify(netns)};
      void withNetns(async (ns) => {
        const p = ns.spawn('sleep', ['300']);
        console.log(JSON.stringify({ ns: ns.name, pid: p.pid }));
        // Never settles, as a test that timed out: the process exits (as vitest's worker does) with it open.
        setImmediate(() => process.exit(0));
        await new Promise(() => {});
      });
    `;
    const r = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeoutMs: 30_000 });
    const { ns, pid } = JSON.parse(r.stdout.trim().split('\n')[0]!) as { ns: string; pid: number };
    expect(isAlive(pid)).toBe(false);
    expect(await namespaces()).not.toContain(ns);
  });
});
