import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError, type IcmpConfig, type PingResult } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { checksumValid, fromHex, ipv4, readU16, writeU16 } from '@stack/wire';
import { FakeIp, LOCAL, PEER, ipv4Datagram } from '@stack/testkit/fake-ip';
import { createIcmp } from './layer.js';
import { emitIcmp, icmpBufferLen, parseIcmp, type IcmpRepr } from './wire/icmp.js';
import { ICMP_DEFAULTS } from './config.js';
import { MTU_PLATEAUS } from './engine/path-mtu.js';
import { IcmpType, TimeExceededCode, UnreachableCode } from './wire/types.js';

const ROUTER = ipv4('10.77.0.254');
const FAR = ipv4('192.0.2.1');

function setup(config: IcmpConfig = {}, seed = 1) {
  const ip = new FakeIp();
  const scheduler = new SimScheduler(1_000);
  const random = new SeededRandom(seed);
  const icmp = createIcmp(ip, { scheduler, random }, config);
  return { ip, scheduler, random, icmp };
}

/** An ICMP message inside an IPv4 datagram. */
function icmpDatagram(repr: IcmpRepr, src: number, dst: number, extra: { ttl?: number; tos?: number } = {}): Uint8Array {
  const msg = new Uint8Array(icmpBufferLen(repr));
  emitIcmp(repr, msg);
  return ipv4Datagram({ src, dst, protocol: 1, payload: msg, ...extra });
}

/** RFC 1071 byte loop, independent of the code under test. */
function verifies(buf: Uint8Array): boolean {
  let s = 0;
  for (let i = 0; i < buf.length; i += 2) s += (buf[i]! << 8) | (buf[i + 1] ?? 0);
  while (s >> 16) s = (s & 0xffff) + (s >>> 16);
  return s === 0xffff;
}

describe('wiring', () => {
  it('registers for protocol 1 and as IP\'s error sender', () => {
    const { ip, icmp } = setup();
    expect(ip.handlers.get(1)).toBe(icmp);
    expect(ip.errorSender).toBe(icmp);
  });

  it('validates its config', () => {
    const ip = new FakeIp();
    const deps = { scheduler: new SimScheduler(), random: new SeededRandom(1) };
    for (const bad of [{ errorBurst: -1 }, { errorsPerSecond: NaN }, { pingTimeout: 0 }, { maxOutstandingPings: 70_000 }, { replyToEcho: 'yes' }, { nope: 1 }]) {
      try {
        createIcmp(ip, deps, bad as IcmpConfig);
        expect.unreachable(JSON.stringify(bad));
      } catch (e) {
        expect(isStackError(e, 'ERR_INVALID_CONFIG')).toBe(true);
      }
    }
  });
});

describe('echo (RFC 792, RFC 1122 §3.2.2.6)', () => {
  const data = fromHex('00112233445566778899aabbccddeeff01');

  it('answers an echo request with the same id, seq and data, from the address asked', () => {
    const { ip, icmp } = setup();
    ip.deliver(icmpDatagram({ kind: 'echo-request', id: 0x4242, seq: 7, data }, PEER, LOCAL, { tos: 0x10 }));
    expect(ip.written).toHaveLength(1);
    const w = ip.written[0]!;
    expect([w.dst, w.protocol, w.options?.src, w.options?.tos]).toEqual([PEER, 1, LOCAL, 0x10]);
    expect(w.bytes[0]).toBe(0); // echo reply
    expect(w.bytes[1]).toBe(0);
    expect(verifies(w.bytes)).toBe(true);
    expect(parseIcmp(w.bytes)).toEqual({ ok: true, value: { kind: 'echo-reply', id: 0x4242, seq: 7, data } });
    expect(icmp.stats).toMatchObject({ rx: 1, tx: 1, echoReplies: 1 });
  });

  it('the incrementally updated reply checksum verifies for any request (RFC 1624)', () => {
    const { ip } = setup();
    fc.assert(
      fc.property(fc.nat(0xffff), fc.nat(0xffff), fc.uint8Array({ maxLength: 300 }), (id, seq, d) => {
        ip.written.length = 0;
        ip.deliver(icmpDatagram({ kind: 'echo-request', id, seq, data: d }, PEER, LOCAL));
        expect(verifies(ip.written[0]!.bytes)).toBe(true);
      }),
    );
  });

  it('does not answer broadcasts unless replyToBroadcastEcho; then IP picks the source', () => {
    const a = setup();
    a.ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data }, PEER, 0xffffffff));
    a.ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 2, data }, PEER, ipv4('10.77.0.255')));
    expect(a.ip.written).toHaveLength(0);
    expect(a.icmp.stats.dropped['broadcastEcho']).toBe(2);
    const b = setup({ replyToBroadcastEcho: true });
    b.ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data }, PEER, 0xffffffff));
    expect(b.ip.written).toHaveLength(1);
    expect(b.ip.written[0]!.options?.src).toBeUndefined();
  });

  it('replies to unicast and broadcast requests in turn each carry the right source (no option left over)', () => {
    const { ip } = setup({ replyToBroadcastEcho: true });
    ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data }, PEER, LOCAL, { tos: 4 }));
    ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 2, data }, PEER, 0xffffffff, { tos: 8 }));
    ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 3, data }, PEER, LOCAL, { tos: 12 }));
    expect(ip.written.map((w) => w.options)).toEqual([{ src: LOCAL, tos: 4 }, { tos: 8 }, { src: LOCAL, tos: 12 }]);
  });

  it('does not answer when replyToEcho is false, nor a request from a non-host source', () => {
    const a = setup({ replyToEcho: false });
    a.ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data }, PEER, LOCAL));
    expect(a.ip.written).toHaveLength(0);
    expect(a.icmp.stats.dropped['echoIgnored']).toBe(1);
    const b = setup();
    b.ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data }, 0, LOCAL));
    expect(b.ip.written).toHaveLength(0);
    expect(b.icmp.stats.dropped['badSource']).toBe(1);
  });

  it('drops and counts a bad checksum, truncated messages and unknown types', () => {
    const { ip, icmp } = setup();
    const dg = icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data }, PEER, LOCAL);
    dg[30] = dg[30]! ^ 1;
    ip.deliver(dg);
    ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 1, payload: fromHex('0800 f7ff') }));
    ip.deliver(icmpDatagram({ kind: 'other', type: 13, code: 0, rest: 0, data: new Uint8Array(12) }, PEER, LOCAL));
    expect(ip.written).toHaveLength(0);
    expect(icmp.stats.dropped).toMatchObject({ checksum: 1, truncated: 1, unknownType: 1 });
    expect(icmp.stats.rx).toBe(3);
    // a device that verified checksums for us: the (corrupt) message is answered unchecked
    ip.deliver(dg, { checksumVerified: true });
    expect(ip.written).toHaveLength(1);
  });
});

/** The echo request the layer wrote, parsed. */
function lastEcho(ip: FakeIp): { id: number; seq: number; data: Uint8Array; bytes: Uint8Array } {
  const w = ip.written.at(-1)!;
  const r = parseIcmp(w.bytes);
  if (!r.ok || r.value.kind !== 'echo-request') throw new Error('no echo request written');
  return { ...r.value, bytes: w.bytes };
}

describe('ping', () => {
  it('measures RTT in virtual time and cancels its timer on the reply', async () => {
    const { ip, scheduler, icmp } = setup();
    const p = icmp.ping(PEER, { size: 56 });
    const req = lastEcho(ip);
    expect(req.data.length).toBe(56);
    expect(ip.written[0]!.dst).toBe(PEER);
    expect(scheduler.pending()).toBe(1);
    scheduler.runFor(37);
    ip.deliver(icmpDatagram({ kind: 'echo-reply', id: req.id, seq: req.seq, data: req.data }, PEER, LOCAL, { ttl: 61 }));
    await expect(p).resolves.toEqual({ ok: true, rtt: 37, ttl: 61, bytes: 64, seq: req.seq, from: PEER });
    expect(scheduler.pending()).toBe(0);
    expect(icmp.stats.tx).toBe(1);
  });

  it('times out after the timeout, not before', async () => {
    const { scheduler, icmp } = setup();
    let result: PingResult | undefined;
    void icmp.ping(PEER, { timeout: 500 }).then((r) => (result = r));
    scheduler.runFor(499);
    await Promise.resolve();
    expect(result).toBeUndefined();
    const r = await scheduler.runUntilSettled(icmp.ping(PEER, { timeout: 2_000 }));
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    expect(result).toMatchObject({ ok: false, error: 'timeout', seq: 1 });
    expect(scheduler.now()).toBe(1_000 + 499 + 2_000);
  });

  it('uses the default timeout from config', async () => {
    const { scheduler, icmp } = setup({ pingTimeout: 250 });
    const r = await scheduler.runUntilSettled(icmp.ping(PEER));
    expect(r).toMatchObject({ ok: false, error: 'timeout' });
    expect(scheduler.now()).toBe(1_250);
  });

  it('keeps one id per layer drawn from Random, increments seq, carries the scheduler time', () => {
    const a = setup({}, 7);
    void a.icmp.ping(PEER, { size: 20 });
    a.scheduler.runFor(5);
    void a.icmp.ping(PEER, { size: 20 });
    const [first, second] = a.ip.written.map((w) => parseIcmp(w.bytes));
    if (!first?.ok || !second?.ok || first.value.kind !== 'echo-request' || second.value.kind !== 'echo-request') throw new Error('no echoes');
    expect(second.value.id).toBe(first.value.id);
    expect(second.value.seq).toBe(first.value.seq + 1);
    expect(first.value.id).toBe(new SeededRandom(7).u32() & 0xffff);
    const stamp = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset, 8).getFloat64(0);
    expect(stamp(first.value.data)).toBe(1_000);
    expect(stamp(second.value.data)).toBe(1_005);
    const b = setup({}, 8);
    void b.icmp.ping(PEER);
    expect(lastEcho(b.ip).id).not.toBe(first.value.id);
    a.icmp.close();
    b.icmp.close();
  });

  it('ignores replies with another id, seq or source', async () => {
    const { ip, scheduler, icmp } = setup();
    const p = icmp.ping(PEER);
    const req = lastEcho(ip);
    ip.deliver(icmpDatagram({ kind: 'echo-reply', id: req.id ^ 1, seq: req.seq, data: req.data }, PEER, LOCAL));
    ip.deliver(icmpDatagram({ kind: 'echo-reply', id: req.id, seq: req.seq + 1, data: req.data }, PEER, LOCAL));
    ip.deliver(icmpDatagram({ kind: 'echo-reply', id: req.id, seq: req.seq, data: req.data }, ROUTER, LOCAL));
    expect(icmp.stats.dropped['unmatchedReply']).toBe(3);
    expect(await scheduler.runUntilSettled(p)).toMatchObject({ ok: false, error: 'timeout' });
  });

  it('resolves unreachable when an error quotes our echo request', async () => {
    const { ip, scheduler, icmp } = setup();
    const p = icmp.ping(FAR);
    const echo = ip.written[0]!;
    const ourDatagram = ipv4Datagram({ src: LOCAL, dst: FAR, protocol: 1, payload: echo.bytes });
    ip.deliver(icmpDatagram({ kind: 'destination-unreachable', code: 1, mtu: 0, quoted: ourDatagram.subarray(0, 28) }, ROUTER, LOCAL));
    expect(ip.delivered).toHaveLength(1);
    expect(ip.delivered[0]).toMatchObject({ kind: 'unreachable', code: 1, reporter: ROUTER, src: LOCAL, dst: FAR, protocol: 1, mtu: 0 });
    expect(await p).toMatchObject({ ok: false, error: 'unreachable', seq: lastEcho(ip).seq });
    expect(scheduler.pending()).toBe(0);
  });

  it('reports IP write failures as no-route / unreachable', async () => {
    const { ip, icmp, scheduler } = setup();
    ip.writeResult = 'no-route';
    expect(await icmp.ping(FAR)).toMatchObject({ ok: false, error: 'no-route' });
    ip.writeResult = 'too-big';
    expect(await icmp.ping(FAR, { size: 2000, dontFragment: true })).toMatchObject({ ok: false, error: 'unreachable' });
    expect(scheduler.pending()).toBe(0);
    expect(icmp.stats.tx).toBe(0);
  });

  it('passes ttl and dontFragment to IP and validates options', async () => {
    const { ip, icmp } = setup();
    void icmp.ping(FAR, { ttl: 3, dontFragment: true, size: 0 });
    expect(ip.written[0]!.options).toEqual({ ttl: 3, dontFragment: true });
    expect(ip.written[0]!.bytes.length).toBe(8);
    for (const bad of [{ size: -1 }, { size: 65_508 }, { timeout: 0 }, { ttl: 0 }, { ttl: 256 }]) {
      await expect(icmp.ping(FAR, bad)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    await expect(icmp.ping(-1)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    icmp.close();
  });

  it('limits outstanding pings', async () => {
    const { icmp, scheduler } = setup({ maxOutstandingPings: 2 });
    const a = icmp.ping(FAR);
    const b = icmp.ping(FAR);
    await expect(icmp.ping(FAR)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', message: expect.stringMatching(/maxOutstandingPings/) });
    await scheduler.runUntilSettled(Promise.all([a, b]));
    await expect(scheduler.runUntilSettled(icmp.ping(FAR))).resolves.toMatchObject({ error: 'timeout' });
  });

  it('close resolves outstanding pings as timeout and leaves no timers', async () => {
    const { ip, scheduler, icmp } = setup();
    const pings = [icmp.ping(FAR), icmp.ping(PEER), icmp.ping(ROUTER)];
    expect(scheduler.pending()).toBe(3);
    icmp.close();
    expect(scheduler.pending()).toBe(0);
    for (const r of await Promise.all(pings)) expect(r).toMatchObject({ ok: false, error: 'timeout' });
    await expect(icmp.ping(FAR)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    const before = ip.written.length;
    ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data: new Uint8Array(4) }, PEER, LOCAL));
    expect(ip.written.length).toBe(before);
    icmp.close(); // idempotent
  });
});

describe('errors received', () => {
  const udpOut = (payloadLen: number, options?: Uint8Array) =>
    ipv4Datagram({ src: LOCAL, dst: FAR, protocol: 17, payload: new Uint8Array(payloadLen).map((_, i) => i + 1), ...(options ? { options } : {}) });

  it('frag-needed lowers the path MTU to the reported next-hop MTU and reaches the protocol', () => {
    const { ip } = setup();
    const ours = udpOut(1480);
    ip.deliver(icmpDatagram({ kind: 'destination-unreachable', code: 4, mtu: 1400, quoted: ours.subarray(0, 28) }, ROUTER, LOCAL));
    expect(ip.pathMtu).toEqual([{ dst: FAR, mtu: 1400 }]);
    expect(ip.delivered[0]).toMatchObject({ kind: 'unreachable', code: 4, mtu: 1400, protocol: 17, src: LOCAL, dst: FAR, reporter: ROUTER });
    expect(Array.from(ip.delivered[0]!.quoted)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('frag-needed without an MTU uses the RFC 1191 plateau below the quoted Total Length', () => {
    const { ip } = setup();
    ip.deliver(icmpDatagram({ kind: 'destination-unreachable', code: 4, mtu: 0, quoted: udpOut(1480).subarray(0, 28) }, ROUTER, LOCAL));
    expect(ip.pathMtu).toEqual([{ dst: FAR, mtu: 1492 }]);
    expect(ip.delivered[0]!.mtu).toBe(1492);
  });

  it('reads the quoted datagram past IP options', () => {
    const { ip } = setup();
    const ours = udpOut(100, fromHex('07 07 04 00000000 00')); // 28-byte header
    ip.deliver(icmpDatagram({ kind: 'time-exceeded', code: 0, quoted: ours.subarray(0, 28 + 8) }, ROUTER, LOCAL));
    expect(ip.delivered[0]).toMatchObject({ kind: 'time-exceeded', code: 0, protocol: 17, dst: FAR });
    expect(Array.from(ip.delivered[0]!.quoted)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ip.pathMtu).toEqual([]);
  });

  it('maps parameter problem, and drops quotes that are not ours or too short', () => {
    const { ip, icmp } = setup();
    ip.deliver(icmpDatagram({ kind: 'parameter-problem', code: 0, pointer: 9, quoted: udpOut(8) }, ROUTER, LOCAL));
    expect(ip.delivered.map((e) => e.kind)).toEqual(['parameter-problem']);
    const notOurs = ipv4Datagram({ src: PEER, dst: FAR, protocol: 17, payload: new Uint8Array(8) });
    ip.deliver(icmpDatagram({ kind: 'destination-unreachable', code: 3, mtu: 0, quoted: notOurs }, ROUTER, LOCAL));
    ip.deliver(icmpDatagram({ kind: 'destination-unreachable', code: 3, mtu: 0, quoted: udpOut(8).subarray(0, 24) }, ROUTER, LOCAL));
    expect(ip.delivered).toHaveLength(1);
    expect(icmp.stats.dropped).toMatchObject({ notOurs: 1, truncated: 1 });
  });

  it('discards Source Quench and counts it: no protocol hears of it (RFC 6633 §3)', () => {
    const { ip, icmp } = setup();
    const errors: unknown[] = [];
    ip.register(17, { input() {}, error: (e) => errors.push(e) });
    ip.deliver(icmpDatagram({ kind: 'source-quench', code: 0, quoted: udpOut(8) }, ROUTER, LOCAL));
    expect(ip.delivered).toEqual([]);
    expect(errors).toEqual([]);
    expect(icmp.stats.dropped['sourceQuench']).toBe(1);
    expect(icmp.stats.rx).toBe(1);
    expect(ip.written).toHaveLength(0);
  });
});

describe('sending errors', () => {
  const incoming = (spec: Partial<Parameters<typeof ipv4Datagram>[0]> = {}) =>
    ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: new Uint8Array(12).fill(0x5a), ...spec });

  it('port unreachable quotes the header and data, from the address the datagram was sent to', () => {
    const { ip, icmp } = setup();
    const original = incoming();
    expect(icmp.sendError('port-unreachable', original)).toBe(true);
    const w = ip.written[0]!;
    expect([w.dst, w.protocol, w.options?.src, w.options?.tos]).toEqual([PEER, 1, LOCAL, 0xc0]);
    expect(checksumValid(w.bytes)).toBe(true);
    expect(parseIcmp(w.bytes)).toEqual({ ok: true, value: { kind: 'destination-unreachable', code: 3, mtu: 0, quoted: original } });
    expect(icmp.stats).toMatchObject({ tx: 1, errorsSent: 1 });
  });

  it('keeps the error datagram within 576 bytes (RFC 1812 §4.3.2.3)', () => {
    const { ip, icmp } = setup();
    const original = incoming({ payload: new Uint8Array(1400).fill(7) });
    icmp.sendError('protocol-unreachable', original);
    const w = ip.written[0]!;
    expect(20 + w.bytes.length).toBe(576);
    expect(w.bytes.subarray(8)).toEqual(original.subarray(0, 548));
    expect(w.bytes[1]).toBe(2);
  });

  it('quotes no bytes past the original Total Length', () => {
    const { ip, icmp } = setup();
    const original = incoming();
    const padded = new Uint8Array(original.length + 10);
    padded.set(original);
    icmp.sendError('port-unreachable', padded);
    expect(ip.written[0]!.bytes.length).toBe(8 + original.length);
  });

  it('carries the MTU in fragmentation needed, and the codes of time exceeded', () => {
    const { ip, icmp } = setup();
    icmp.sendError('fragmentation-needed', incoming({ dst: FAR }), 1280);
    icmp.sendError('ttl-exceeded', incoming({ dst: FAR }));
    icmp.sendError('reassembly-time-exceeded', incoming());
    const [a, b, c] = ip.written.map((w) => parseIcmp(w.bytes));
    expect(a?.ok && a.value).toMatchObject({ kind: 'destination-unreachable', code: 4, mtu: 1280 });
    expect(b?.ok && b.value).toMatchObject({ kind: 'time-exceeded', code: 0 });
    expect(c?.ok && c.value).toMatchObject({ kind: 'time-exceeded', code: 1 });
    expect(ip.written[0]!.options).toEqual({ tos: 0xc0 }); // not sent to us: IP picks the source
  });

  it('never about ICMP errors, broadcasts, non-first fragments or non-host sources (RFC 1122 §3.2.2)', () => {
    const { ip, icmp } = setup();
    const anError = new Uint8Array(36);
    emitIcmp({ kind: 'destination-unreachable', code: 3, mtu: 0, quoted: new Uint8Array(28) }, anError);
    const cases: [string, Uint8Array][] = [
      ['aboutError', incoming({ protocol: 1, payload: anError })],
      ['toBroadcast', incoming({ dst: 0xffffffff })],
      ['toBroadcast', incoming({ dst: ipv4('10.77.0.255') })],
      ['toBroadcast', incoming({ dst: ipv4('239.1.2.3') })],
      ['fragment', incoming({ fragmentOffset: 1480 })],
      ['badSource', incoming({ src: 0 })],
      ['badSource', incoming({ src: ipv4('10.77.0.255') })],
      ['badSource', incoming({ src: ipv4('224.0.0.5') })],
      ['badOriginal', new Uint8Array(10)],
    ];
    for (const [reason, original] of cases) {
      const before = icmp.stats.dropped[reason];
      expect(icmp.sendError('port-unreachable', original), reason).toBe(false);
      expect(icmp.stats.dropped[reason], reason).toBe(before! + 1);
    }
    expect(ip.written).toHaveLength(0);
    // an error about an echo request is fine
    const echo = new Uint8Array(16);
    emitIcmp({ kind: 'echo-request', id: 1, seq: 1, data: new Uint8Array(8) }, echo);
    expect(icmp.sendError('port-unreachable', incoming({ protocol: 1, payload: echo }))).toBe(true);
  });

  it('rate limits with a token bucket on scheduler time', () => {
    const { ip, scheduler, icmp } = setup({ errorBurst: 4, errorsPerSecond: 2 });
    const send = (n: number) => Array.from({ length: n }, () => icmp.sendError('port-unreachable', incoming())).filter(Boolean).length;
    expect(send(10)).toBe(4);
    expect(icmp.stats).toMatchObject({ errorsSent: 4, errorsRateLimited: 6 });
    expect(icmp.stats.dropped['rateLimited']).toBe(6);
    scheduler.runFor(499);
    expect(send(1)).toBe(0);
    scheduler.runFor(1);
    expect(send(3)).toBe(1);
    scheduler.runFor(60_000);
    expect(send(10)).toBe(4);
    expect(ip.written).toHaveLength(9);
    expect(scheduler.pending()).toBe(0); // the limiter needs no timers
  });

  it('suppressed errors do not use up tokens; write failures are counted', () => {
    const { ip, icmp } = setup({ errorBurst: 1, errorsPerSecond: 0 });
    icmp.sendError('port-unreachable', incoming({ dst: 0xffffffff }));
    ip.writeResult = 'no-route';
    expect(icmp.sendError('port-unreachable', incoming())).toBe(false);
    expect(icmp.stats.dropped['txFailed']).toBe(1);
    ip.writeResult = null;
    expect(icmp.sendError('port-unreachable', incoming())).toBe(false); // the one token went to the failed write
  });

  it('rejects an unknown kind, and sends nothing after close', () => {
    const { icmp } = setup();
    expect(() => icmp.sendError('nope' as 'port-unreachable', incoming())).toThrow(/unknown error kind/);
    icmp.close();
    expect(icmp.sendError('port-unreachable', incoming())).toBe(false);
  });
});

describe('robustness', () => {
  it('random and mutated datagrams never throw', () => {
    const { ip, icmp } = setup({ replyToBroadcastEcho: true });
    const p = icmp.ping(FAR);
    const echo = ip.written[0]!.bytes;
    const seeds: Uint8Array[] = [
      icmpDatagram({ kind: 'echo-request', id: 1, seq: 2, data: new Uint8Array(20) }, PEER, LOCAL),
      icmpDatagram({ kind: 'echo-reply', id: readU16(echo, 4), seq: readU16(echo, 6), data: echo.subarray(8) }, FAR, LOCAL),
      icmpDatagram({ kind: 'destination-unreachable', code: 4, mtu: 1400, quoted: ipv4Datagram({ src: LOCAL, dst: FAR, protocol: 1, payload: echo }) }, ROUTER, LOCAL),
      icmpDatagram({ kind: 'time-exceeded', code: 0, quoted: ipv4Datagram({ src: LOCAL, dst: FAR, protocol: 17, payload: new Uint8Array(8) }) }, ROUTER, LOCAL),
    ];
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }), fc.nat(), fc.uint8Array({ maxLength: 80 }), (which, flips, cut, junk) => {
        const d = seeds[which]!.slice();
        for (const [at, v] of flips) d[20 + (at % (d.length - 20))] = v;
        const icmpPart = d.subarray(20, 20 + (cut % (d.length - 19)));
        // fix the ICMP checksum half the time so mutations reach the deeper parsers
        if (cut % 2 === 0 && icmpPart.length >= 8) {
          writeU16(icmpPart, 2, 0);
          let s = 0;
          for (let i = 0; i < icmpPart.length; i += 2) s += (icmpPart[i]! << 8) | (icmpPart[i + 1] ?? 0);
          while (s >> 16) s = (s & 0xffff) + (s >>> 16);
          writeU16(icmpPart, 2, ~s & 0xffff);
        }
        ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 1, payload: icmpPart }));
        ip.deliver(ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 1, payload: junk }));
        icmp.sendError('port-unreachable', junk);
        icmp.sendError('port-unreachable', d);
      }),
    );
    icmp.close();
    return p;
  });
});

describe('shared tables are frozen', () => {
  it('a caller cannot change the type numbers, codes, plateaus or defaults another stack uses', () => {
    const attempts: (() => void)[] = [
      () => ((IcmpType as { EchoRequest: number }).EchoRequest = 13),
      () => ((UnreachableCode as { Port: number }).Port = 1),
      () => ((TimeExceededCode as { TtlExceeded: number }).TtlExceeded = 1),
      () => (MTU_PLATEAUS as number[]).push(1),
      () => ((MTU_PLATEAUS as number[])[0] = 1),
      () => ((ICMP_DEFAULTS as { replyToEcho: boolean }).replyToEcho = false),
    ];
    for (const attempt of attempts) expect(attempt).toThrow(TypeError);
    const { ip, icmp } = setup();
    ip.deliver(icmpDatagram({ kind: 'echo-request', id: 1, seq: 1, data: new Uint8Array(4) }, PEER, LOCAL));
    expect(icmp.stats.echoReplies).toBe(1);
    ip.deliver(icmpDatagram({ kind: 'destination-unreachable', code: 4, mtu: 0, quoted: ipv4Datagram({ src: LOCAL, dst: FAR, protocol: 17, payload: new Uint8Array(1480) }).subarray(0, 28) }, ROUTER, LOCAL));
    expect(ip.pathMtu).toEqual([{ dst: FAR, mtu: 1492 }]);
    icmp.sendError('port-unreachable', ipv4Datagram({ src: PEER, dst: LOCAL, protocol: 17, payload: new Uint8Array(8) }));
    expect(ip.written.at(-1)!.bytes[1]).toBe(3);
  });
});
