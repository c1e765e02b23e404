import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { ipv4 } from '@stack/wire';
import { ARP_DEFAULTS, resolveArpConfig, type ArpOptions } from './config.js';
import { createArp } from './layer.js';
import { FakeSegment } from './fixtures/fake-ethernet.js';

const ME = ipv4('192.0.2.1');

function configError(config: unknown): Error {
  try {
    resolveArpConfig(config as ArpOptions);
  } catch (e) {
    expect(isStackError(e, 'ERR_INVALID_CONFIG')).toBe(true);
    return e as Error;
  }
  throw new Error(`accepted ${JSON.stringify(config)}`);
}

describe('ARP config', () => {
  it('refuses an unknown option (a typo), naming it and listing the known ones', () => {
    const e = configError({ address: ME, retrys: 9 });
    expect(e.message).toMatch(/^arp\.retrys is not an option \(known: address, cacheSize, .*\)$/);
    for (const known of ['address', 'retries', 'retryInterval', 'probeWait', 'announceWait', 'static']) expect(e.message).toContain(known);
    expect(configError({ address: ME, cachesize: 10 }).message).toContain('arp.cachesize');
    // the valid value of a known option does not excuse the typo next to it
    expect(configError({ address: ME, retries: 2, reachabletime: 5 }).message).toContain('reachabletime');
  });

  it('refuses a config that is not an object', () => {
    for (const bad of [null, 5, 'x', [ME]]) expect(configError(bad).message).toMatch(/arp config must be an object/);
  });

  it('accepts every documented option, and undefined for any of them', () => {
    const all: Required<ArpOptions> = {
      address: ME, cacheSize: 4, reachableTime: 5, failureTime: 6, retries: 2, retryInterval: 7, queuePerAddress: 1, queueTotal: 2,
      requestsPerSecond: 3, probeCount: 1, announceCount: 0, probeMin: 1, probeMax: 2, announceInterval: 3, probeWait: 0,
      announceWait: 0, static: [{ ip: ipv4('192.0.2.9'), mac: 0x020000000009 }],
    };
    expect(resolveArpConfig(all)).toEqual(all);
    expect(resolveArpConfig({ address: ME, retries: undefined } as unknown as ArpOptions).retries).toBe(3);
  });

  it('freezes its defaults and every resolved config (strict mode: writes throw, nothing changes)', () => {
    const before = JSON.stringify(ARP_DEFAULTS);
    expect(() => { (ARP_DEFAULTS as { retries: number }).retries = 99; }).toThrow(TypeError);
    expect(() => { (ARP_DEFAULTS.static as { ip: number; mac: number }[]).push({ ip: 1, mac: 2 }); }).toThrow(TypeError);
    expect(JSON.stringify(ARP_DEFAULTS)).toBe(before);

    const scheduler = new SimScheduler();
    const arp = createArp(new FakeSegment(scheduler).attach(0x02000000000a), { scheduler, random: new SeededRandom(1) }, {
      address: ME,
      static: [{ ip: ipv4('192.0.2.9'), mac: 0x020000000009 }],
    });
    expect(() => { (arp.config as { retries: number }).retries = 99; }).toThrow(TypeError);
    expect(() => { (arp.config.static[0] as { mac: number }).mac = 1; }).toThrow(TypeError);
    expect(() => { (arp.config.static as unknown[]).length = 0; }).toThrow(TypeError);
    expect(arp.config.retries).toBe(3);
    // a second layer still gets the real defaults
    expect(resolveArpConfig({ address: ME })).toEqual({ address: ME, ...ARP_DEFAULTS });
  });
});
