import { describe, expect, it } from 'vitest';
import { isStackError, type Ipv4Config } from '@stack/interfaces';
import { parseCidr } from '@stack/wire';
import { IPV4_DEFAULTS, resolveIpv4Config } from './config.js';

const address = parseCidr('10.77.0.2/24');

describe('resolveIpv4Config', () => {
  it('fills in the documented defaults', () => {
    expect(resolveIpv4Config({ address })).toEqual({ address, ...IPV4_DEFAULTS });
    expect(IPV4_DEFAULTS).toMatchObject({ ttl: 64, reassemblyMaxDatagrams: 64, reassemblyMaxBytes: 1048576, reassemblyTimeout: 30_000 });
    expect(IPV4_DEFAULTS).toMatchObject({ maxDatagramSize: 65_535, acceptBroadcast: true, minPathMtu: 552, pathMtuTimeout: 600_000, gateway: null });
    expect(IPV4_DEFAULTS).toMatchObject({ pathMtuCacheSize: 1024, loopbackQueue: 64 });
  });

  it('refuses an unknown option, naming it and listing the allowed ones', () => {
    let err: unknown;
    try {
      resolveIpv4Config({ address, reassemblyTimout: 1 } as Ipv4Config);
    } catch (e) {
      err = e;
    }
    expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
    const message = (err as Error).message;
    expect(message).toMatch(/reassemblyTimout/);
    for (const key of ['address', 'gateway', 'reassemblyTimeout', 'pathMtuCacheSize', 'loopbackQueue']) expect(message).toContain(key);
    // an option given as undefined is still an option
    expect(resolveIpv4Config({ address, ttl: undefined } as unknown as Ipv4Config).ttl).toBe(64);
  });

  it('IPV4_DEFAULTS is frozen: no caller can change the defaults of another stack', () => {
    expect(Object.isFrozen(IPV4_DEFAULTS)).toBe(true);
    expect(() => {
      (IPV4_DEFAULTS as { reassemblyTimeout: number }).reassemblyTimeout = 1;
    }).toThrow(TypeError);
    expect(resolveIpv4Config({ address }).reassemblyTimeout).toBe(30_000);
  });

  it('keeps given values', () => {
    const c = resolveIpv4Config({ address, gateway: 0x0a4d0001, ttl: 1, acceptBroadcast: false, pathMtuTimeout: Infinity });
    expect(c).toMatchObject({ gateway: 0x0a4d0001, ttl: 1, acceptBroadcast: false, pathMtuTimeout: Infinity });
  });

  const bad: [string, Partial<Ipv4Config> & Record<string, unknown>, RegExp][] = [
    ['prefix 33', { address: { address: 1, prefix: 33 } }, /address\.prefix is 33; allowed: an integer 0\.\.32/],
    ['prefix -1', { address: { address: 1, prefix: -1 } }, /prefix/],
    ['address not a number', { address: { address: '10.0.0.1' as unknown as number, prefix: 24 } }, /address\.address/],
    ['multicast address', { address: { address: 0xe0000001, prefix: 24 } }, /unicast/],
    ['no address', { address: undefined as unknown as Ipv4Config['address'] }, /address is missing/],
    ['ttl 0', { ttl: 0 }, /ttl is 0; allowed: an integer 1\.\.255/],
    ['ttl 256', { ttl: 256 }, /ttl is 256/],
    ['ttl 1.5', { ttl: 1.5 }, /ttl/],
    ['gateway broadcast', { gateway: 0xffffffff }, /gateway/],
    ['reassemblyMaxDatagrams 0', { reassemblyMaxDatagrams: 0 }, /reassemblyMaxDatagrams is 0/],
    ['reassemblyMaxBytes -1', { reassemblyMaxBytes: -1 }, /reassemblyMaxBytes/],
    ['reassemblyTimeout 0', { reassemblyTimeout: 0 }, /reassemblyTimeout is 0; allowed: a finite number of ms > 0/],
    ['reassemblyTimeout Infinity', { reassemblyTimeout: Infinity }, /reassemblyTimeout/],
    ['maxDatagramSize 70000', { maxDatagramSize: 70_000 }, /maxDatagramSize is 70000; allowed: an integer 576\.\.65535/],
    ['minPathMtu 67', { minPathMtu: 67 }, /minPathMtu is 67; allowed: an integer 68\.\.65535/],
    ['pathMtuTimeout NaN', { pathMtuTimeout: NaN }, /pathMtuTimeout/],
    ['acceptBroadcast "yes"', { acceptBroadcast: 'yes' as unknown as boolean }, /acceptBroadcast/],
    ['pathMtuCacheSize 0', { pathMtuCacheSize: 0 }, /pathMtuCacheSize is 0; allowed: an integer 1\.\.1000000/],
    ['pathMtuCacheSize 1.5', { pathMtuCacheSize: 1.5 }, /pathMtuCacheSize/],
    ['loopbackQueue 0', { loopbackQueue: 0 }, /loopbackQueue is 0; allowed: an integer 1\.\.1000000/],
    ['loopbackQueue "64"', { loopbackQueue: '64' as unknown as number }, /loopbackQueue/],
    ['a typo', { ttll: 3 }, /ttll is not an option; allowed: the options address, gateway, ttl/],
  ];
  for (const [name, patch, message] of bad) {
    it(`rejects ${name} with ERR_INVALID_CONFIG`, () => {
      let err: unknown;
      try {
        resolveIpv4Config({ address, ...patch } as Ipv4Config);
      } catch (e) {
        err = e;
      }
      expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
      expect((err as Error).message).toMatch(message);
    });
  }
});
