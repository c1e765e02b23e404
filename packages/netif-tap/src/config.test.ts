import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { SeededRandom } from '@stack/sim';
import { TAP_DEFAULTS, randomMac, resolveTapOptions, type TapOptions } from './config.js';

describe('resolveTapOptions', () => {
  it('fills in the documented defaults', () => {
    const c = resolveTapOptions({ name: 'tap0', mac: 0x02_00_00_00_00_01 });
    expect(c).toEqual({
      name: 'tap0', mtu: 1500, vnetHdr: true, offloads: 'auto', netns: undefined, mac: 0x02_00_00_00_00_01,
      batchFrames: 64, txQueueFrames: 1024, txQueueBytes: 4 * 1024 * 1024, multiQueue: false, coalesceUdp: true,
    });
    expect(c.mtu).toBe(TAP_DEFAULTS.mtu);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('takes a MAC as text, and a random one is locally administered unicast', () => {
    expect(resolveTapOptions({ name: 'tap0', mac: '02:aa:bb:cc:dd:ee' }).mac).toBe(0x02_aa_bb_cc_dd_ee);
    for (let i = 0; i < 50; i++) {
      const first = Math.floor(resolveTapOptions({ name: 'tap0' }).mac / 2 ** 40);
      expect(first & 0x03).toBe(0x02);
    }
  });

  it('draws the MAC from `random` when given: the same seed, the same MAC', () => {
    const a = resolveTapOptions({ name: 'tap0', random: new SeededRandom(7) }).mac;
    const b = resolveTapOptions({ name: 'tap0', random: new SeededRandom(7) }).mac;
    expect(a).toBe(b);
    expect(randomMac(new SeededRandom(8))).not.toBe(a);
  });

  it.each<[Partial<TapOptions> & Record<string, unknown>, RegExp]>([
    [{ name: '' }, /name must be an interface name of 1\.\.15 bytes/],
    [{ name: 'x'.repeat(16) }, /name must be/],
    [{ name: 'a b' }, /without '\/', ':' or whitespace/],
    [{ mtu: 67 }, /mtu must be an integer in 68\.\.65535, got 67/],
    [{ mtu: 1500.5 }, /mtu must be an integer/],
    [{ vnetHdr: 'yes' as never }, /vnetHdr must be true or false/],
    [{ offloads: 'on' as never }, /offloads must be true, false or 'auto', got "on"/],
    [{ vnetHdr: false, offloads: true }, /offloads must be false or 'auto' when vnetHdr is false/],
    [{ netns: '' }, /netns must be a namespace name/],
    [{ mac: 'zz' }, /mac must be a MAC address/],
    [{ mac: '01:00:5e:00:00:01' }, /mac must be a unicast MAC/],
    [{ random: {} as never }, /random must be a Random/],
    [{ batchFrames: 0 }, /batchFrames must be an integer in 1\.\.1024/],
    [{ txQueueFrames: 0 }, /txQueueFrames must be an integer in 1\.\.65536/],
    [{ txQueueBytes: 1000 }, /txQueueBytes must be an integer in 65565\.\./],
    [{ multiQueue: 1 as never }, /multiQueue must be true or false/],
    [{ mtus: 1500 }, /option "mtus" must be one of name, mtu,/],
  ])('rejects %j with ERR_INVALID_CONFIG', (bad, message) => {
    let err: unknown;
    try {
      resolveTapOptions({ name: 'tap0', ...bad } as TapOptions);
    } catch (e) {
      err = e;
    }
    expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/^openTap: /);
  });

  it('rejects a missing options object', () => {
    expect(() => resolveTapOptions(undefined as never)).toThrowError(/options must be an object/);
  });
});
