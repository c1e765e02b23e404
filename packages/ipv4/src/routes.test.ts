import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { ipv4, parseCidr } from '@stack/wire';
import { RouteTable } from './routes.js';

describe('RouteTable', () => {
  function table(): RouteTable {
    const t = new RouteTable();
    t.add({ destination: parseCidr('10.77.0.2/24'), gateway: null, metric: 0 });
    t.add({ destination: parseCidr('0.0.0.0/0'), gateway: ipv4('10.77.0.1'), metric: 0 });
    t.add({ destination: parseCidr('10.99.0.0/16'), gateway: ipv4('10.77.0.5'), metric: 0 });
    t.add({ destination: parseCidr('10.99.1.0/24'), gateway: ipv4('10.77.0.6'), metric: 0 });
    return t;
  }

  it('longest prefix wins', () => {
    const t = table();
    expect(t.lookup(ipv4('10.99.1.7'))?.gateway).toBe(ipv4('10.77.0.6'));
    expect(t.lookup(ipv4('10.99.2.7'))?.gateway).toBe(ipv4('10.77.0.5'));
    expect(t.lookup(ipv4('10.77.0.9'))?.gateway).toBeNull();
    expect(t.lookup(ipv4('8.8.8.8'))?.gateway).toBe(ipv4('10.77.0.1'));
  });

  it('a host route beats the network', () => {
    const t = table();
    t.add({ destination: parseCidr('10.99.1.7/32'), gateway: ipv4('10.77.0.7'), metric: 0 });
    expect(t.lookup(ipv4('10.99.1.7'))?.gateway).toBe(ipv4('10.77.0.7'));
    expect(t.lookup(ipv4('10.99.1.8'))?.gateway).toBe(ipv4('10.77.0.6'));
  });

  it('no route without a default', () => {
    const t = new RouteTable();
    t.add({ destination: parseCidr('10.77.0.2/24'), gateway: null, metric: 0 });
    expect(t.lookup(ipv4('192.0.2.1'))).toBeUndefined();
  });

  it('the lowest metric wins among equal prefixes; same metric replaces', () => {
    const t = new RouteTable();
    t.add({ destination: parseCidr('0.0.0.0/0'), gateway: ipv4('10.0.0.1'), metric: 10 });
    t.add({ destination: parseCidr('0.0.0.0/0'), gateway: ipv4('10.0.0.2'), metric: 5 });
    expect(t.lookup(1)?.gateway).toBe(ipv4('10.0.0.2'));
    t.add({ destination: parseCidr('0.0.0.0/0'), gateway: ipv4('10.0.0.3'), metric: 5 });
    expect(t.list()).toHaveLength(2);
    expect(t.lookup(1)?.gateway).toBe(ipv4('10.0.0.3'));
    expect(t.remove(0, 0, 5)).toBe(true);
    expect(t.lookup(1)?.gateway).toBe(ipv4('10.0.0.1'));
  });

  it('masks destinations to their network and lists best first', () => {
    const t = table();
    expect(t.list().map((r) => RouteTable.format(r))).toEqual([
      '10.77.0.0/24 dev link metric 0',
      '10.99.1.0/24 via 10.77.0.6 metric 0',
      '10.99.0.0/16 via 10.77.0.5 metric 0',
      'default via 10.77.0.1 metric 0',
    ]);
  });

  it('rejects routes that cannot exist', () => {
    const t = new RouteTable();
    const bad = [
      { destination: { address: 0, prefix: 33 }, gateway: null, metric: 0 },
      { destination: { address: -1, prefix: 8 }, gateway: null, metric: 0 },
      { destination: { address: 0, prefix: 0 }, gateway: 0xffffffff, metric: 0 },
      { destination: { address: 0, prefix: 0 }, gateway: null, metric: -1 },
    ];
    for (const r of bad) {
      let err: unknown;
      try {
        t.add(r);
      } catch (e) {
        err = e;
      }
      expect(isStackError(err, 'ERR_INVALID_ARGUMENT')).toBe(true);
    }
  });
});
