import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describePeer, run, withNetns } from '@stack/testkit';
import { openTap } from '../src/index.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `openTap(options)` in a child node as nobody (uid/gid 65534, no groups); returns what it threw. */
async function openAsNobody(options: object): Promise<{ code: string; errno: string; message: string }> {
  const script = `
    import { openTap } from '@stack/netif-tap';
    try { await openTap(${JSON.stringify(options)}); console.log(JSON.stringify({ opened: true })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, message: e.message })); }`;
  const r = await run('sh', ['-c', `cd ${JSON.stringify(pkgDir)} && exec setpriv --reuid=65534 --regid=65534 --clear-groups ${JSON.stringify(process.execPath)} --conditions=@stack/source --import tsx --input-type=module -e "$0"`, script], { timeoutMs: 60_000 });
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { code: string; errno: string; message: string };
}

describePeer('@stack/netif-tap: errors a user sees', { commands: ['ip', 'setpriv'], root: true, files: ['/dev/net/tun'] }, () => {
  it('without root, openTap says it needs root (CAP_NET_ADMIN)', async () => {
    const r = await openAsNobody({ name: 'tapnobody0' });
    expect(r.code).toBe('ERR_DEVICE');
    // /dev/net/tun is 0600 here (EACCES at open) or 0666 elsewhere (EPERM at TUNSETIFF): the advice is the same
    expect(['EACCES', 'EPERM']).toContain(r.errno);
    expect(r.message).toMatch(/needs root \(CAP_NET_ADMIN\) to open a TAP/);
  });

  it('without root, entering a namespace says it needs root', async () => {
    await withNetns(async (ns) => {
      const r = await openAsNobody({ name: 'tap0', netns: ns.name });
      expect(r.code).toBe('ERR_DEVICE');
      expect(r.errno).toBe('EPERM');
      expect(r.message).toMatch(/needs root \(CAP_SYS_ADMIN\) to enter network namespace/);
    });
  });

  it('a namespace that does not exist, and a busy device, are named', async () => {
    await expect(openTap({ name: 'tap0', netns: 'stk-no-such-namespace' })).rejects.toThrowError(/no network namespace at \/run\/netns\/stk-no-such-namespace/);
    await withNetns(async (ns) => {
      const tap = await openTap({ name: 'tap0', netns: ns.name });
      try {
        await expect(openTap({ name: 'tap0', netns: ns.name })).rejects.toMatchObject({ code: 'ERR_DEVICE', errno: 'EBUSY' });
      } finally {
        await tap.close();
      }
    });
  });

  it('a write to a TAP that is down is refused (EIO) and counted; close writes what is queued, then nothing', async () => {
    await withNetns(async (ns) => {
      const tap = await openTap({ name: 'tap0', netns: ns.name });
      expect((await ns.ip('link', 'show')).stdout).toContain('tap0');
      const frame = new Uint8Array(60).fill(0xff);
      expect(tap.transmit(frame)).toBe(true);
      await new Promise((r) => setImmediate(r));
      expect(tap.stats.dropped.writeError).toBe(1);
      expect(tap.lastWriteError).toBe('EIO');
      await ns.up('tap0');
      expect(tap.transmit(frame)).toBe(true);
      await tap.close();
      await tap.close();
      expect(tap.stats.txFrames).toBe(1); // the queued frame was written by close
      expect(tap.transmit(frame)).toBe(false);
      expect(tap.stats.dropped.closed).toBe(1);
      expect((await ns.ip('link', 'show')).stdout).not.toContain('tap0');
    });
  });
});
