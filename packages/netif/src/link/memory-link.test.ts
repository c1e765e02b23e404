import { describe, expect, it } from 'vitest';
import { isStackError, type NetDevice } from '@stack/interfaces';
import { SimScheduler } from '../../test/sim.js';
import { checksumValid, readU32, writeU16 } from '@stack/wire';
import { BROADCAST, ethernet, numbered } from '../../test/frames.js';
import { memoryLink } from './memory-link.js';

function collect(dev: NetDevice, s: SimScheduler): { n: number; t: number }[] {
  const got: { n: number; t: number }[] = [];
  dev.onReceive((f) => got.push({ n: readU32(f, 14), t: s.now() }));
  return got;
}

describe('memoryLink', () => {
  it('delivers in order after the latency, never inside transmit', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, latency: 2 });
    const got = collect(b, s);
    for (let i = 0; i < 5; i++) expect(a.transmit(numbered(BROADCAST, a.mac, i))).toBe(true);
    expect(got).toEqual([]);
    expect(a.inFlight).toBe(5);
    s.runUntilIdle();
    expect(got).toEqual([0, 1, 2, 3, 4].map((n) => ({ n, t: 2 })));
    expect(a.stats).toMatchObject({ txFrames: 5, txBytes: 320 });
    expect(b.stats).toMatchObject({ rxFrames: 5, rxBytes: 320 });
  });

  it('uses the default latency of 10 µs and the MTU of 1500', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const got = collect(b, s);
    a.transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    expect(got[0]!.t).toBeCloseTo(0.01, 12);
    expect(a.mtu).toBe(1500);
    expect(a.capabilities).toEqual({ mtu: 1500, rxChecksumVerified: false, txChecksumOffload: false, gsoMaxSize: 0, gro: false });
  });

  it('copies the frame: the sender may reuse its buffer at once', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    const got = collect(b, s);
    const buf = numbered(BROADCAST, a.mac, 7);
    a.transmit(buf);
    buf.fill(0);
    s.runUntilIdle();
    expect(got[0]!.n).toBe(7);
  });

  it('serializes at the bandwidth, FIFO per direction, each direction independent', () => {
    const s = new SimScheduler();
    // 1 Mbit/s: a 125-byte frame takes exactly 1 ms on the wire
    const [a, b] = memoryLink({ scheduler: s, latency: 0.5, bandwidth: 1_000_000 });
    const atB = collect(b, s);
    const atA = collect(a, s);
    for (let i = 0; i < 3; i++) a.transmit(numbered(BROADCAST, a.mac, i, 125));
    b.transmit(numbered(BROADCAST, b.mac, 9, 250));
    s.runFor(1); // one more frame from a, 1 ms later, queues behind the first three
    a.transmit(numbered(BROADCAST, a.mac, 3, 125));
    s.runUntilIdle();
    expect(atB.map((x) => x.t)).toEqual([1.5, 2.5, 3.5, 4.5]);
    expect(atA).toEqual([{ n: 9, t: 2.5 }]);
  });

  it('drops frames beyond the serialization queue limit', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, bandwidth: 8000, queueLimit: 300 }); // 1 byte per ms
    const got = collect(b, s);
    const results = [0, 1, 2, 3, 4].map((i) => a.transmit(numbered(BROADCAST, a.mac, i, 100)));
    // unserialized bytes, the frame on the wire included: 100, 200, 300, then 400 > 300
    expect(results).toEqual([true, true, true, false, false]);
    expect(a.stats.dropped.queueFull).toBe(2);
    expect(a.stats.txDropped).toBe(2);
    s.runFor(150); // frame 0 is out, frame 1 half: 150 bytes left, room for one more
    expect(a.transmit(numbered(BROADCAST, a.mac, 5, 100))).toBe(true);
    expect(a.transmit(numbered(BROADCAST, a.mac, 6, 100))).toBe(false);
    s.runUntilIdle();
    expect(got.map((x) => x.n)).toEqual([0, 1, 2, 5]);
  });

  it('drops and counts oversize frames, allowing 4 more bytes for a VLAN tag, and runts', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, mtu: 100 });
    const got = collect(b, s);
    expect(a.transmit(ethernet(BROADCAST, a.mac, 0x0800, 100))).toBe(true);
    expect(a.transmit(ethernet(BROADCAST, a.mac, 0x0800, 101))).toBe(false);
    const tagged = ethernet(BROADCAST, a.mac, 0x8100, 104);
    writeU16(tagged, 16, 0x0800);
    expect(a.transmit(tagged)).toBe(true);
    expect(a.transmit(ethernet(BROADCAST, a.mac, 0x8100, 105))).toBe(false);
    expect(a.transmit(new Uint8Array(13))).toBe(false);
    expect(a.stats.dropped).toMatchObject({ oversize: 2, runt: 1 });
    expect(a.stats.txDropped).toBe(3);
    s.runUntilIdle();
    expect(got.length).toBe(2);
  });

  it('counts frames that arrive with no handler', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    a.transmit(numbered(BROADCAST, a.mac, 1));
    s.runUntilIdle();
    expect(b.stats).toMatchObject({ rxFrames: 0, rxDropped: 1 });
    expect(b.stats.dropped.noHandler).toBe(1);
  });

  it('after close nothing is delivered and no timer remains', async () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, latency: 5, bandwidth: 1e6 });
    const got = collect(b, s);
    const back = collect(a, s);
    for (let i = 0; i < 10; i++) a.transmit(numbered(BROADCAST, a.mac, i));
    b.transmit(numbered(BROADCAST, b.mac, 99));
    expect(s.pending()).toBe(2);
    await b.close();
    expect(s.pending()).toBe(0);
    expect(a.up).toBe(false);
    expect(a.transmit(numbered(BROADCAST, a.mac, 11))).toBe(false);
    expect(a.stats.dropped.linkDown).toBe(1);
    s.runUntilIdle();
    expect(got).toEqual([]);
    expect(back).toEqual([]);
    await b.close();
    await a.close();
  });

  it('a handler may close the link while frames are being delivered', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s });
    let seen = 0;
    b.onReceive(() => {
      seen++;
      void b.close();
    });
    for (let i = 0; i < 3; i++) a.transmit(numbered(BROADCAST, a.mac, i));
    s.runUntilIdle();
    expect(seen).toBe(1);
    expect(s.pending()).toBe(0);
  });

  it('fills checksums on transmit when it offers offload', () => {
    const s = new SimScheduler();
    const [a, b] = memoryLink({ scheduler: s, capabilities: { txChecksumOffload: true, rxChecksumVerified: true } });
    let frame: Uint8Array | undefined;
    let verified: boolean | undefined;
    b.onReceive((f, m) => {
      frame = f.slice();
      verified = m.checksumVerified;
    });
    const f = ethernet(BROADCAST, a.mac, 0x88b5, 40).map((x, i) => (i >= 14 ? i * 7 : x));
    writeU16(f, 20, 0); // "pseudo-header sum" 0 at offset 6 of the payload
    a.transmit(f, { checksumStart: 14, checksumOffset: 6 });
    s.runUntilIdle();
    expect(checksumValid(frame!, 14, frame!.length)).toBe(true);
    expect(verified).toBe(true);
    expect(() => a.transmit(f, { checksumStart: 14, checksumOffset: 100 })).toThrowError(/outside/);
  });

  it('rejects bad options, saying what is allowed', () => {
    const s = new SimScheduler();
    const cases: [object, RegExp][] = [
      [{ scheduler: s, mtu: 10 }, /mtu must be an integer in 68..65535/],
      [{ scheduler: s, latency: -1 }, /latency \(ms\) must be a finite number >= 0/],
      [{ scheduler: s, bandwidth: 0 }, /bandwidth/],
      [{ scheduler: s, names: ['x'] }, /names must be two strings/],
      [{ scheduler: s, lantency: 1 }, /option "lantency" must be one of/],
      [{ scheduler: s, capabilities: { gro: true } }, /capabilities/],
      [{}, /scheduler must be a Scheduler/],
    ];
    for (const [opts, re] of cases) {
      let err: unknown;
      try { memoryLink(opts as never); } catch (e) { err = e; }
      expect(isStackError(err, 'ERR_INVALID_CONFIG')).toBe(true);
      expect((err as Error).message).toMatch(re);
    }
  });
});
