import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeJsonMessage, jsonLength, makeCookie, paramsJson, parseParams, parseResults, resultsJson, sameCookie, type Iperf3Params,
} from './messages.js';
import { COOKIE_CHARS, COOKIE_SIZE, IperfErrno, streamId } from './protocol.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

// Captured from Linux iperf 3.12 (Debian 12) with --debug, in a scratch network namespace:
//   ip netns exec NS iperf3 -s -1 -p 5201 --debug
//   ip netns exec NS iperf3 -c 127.0.0.1 -t 1 -P 2 --debug
// (the client's send_parameters and the results both ends sent, re-serialized unformatted as on the wire).
const LINUX_PARAMS = '{"tcp":true,"omit":0,"time":1,"num":0,"blockcount":0,"parallel":2,"len":131072,"pacing_timer":1000,"client_version":"3.12"}';
const LINUX_CLIENT_RESULTS =
  '{"cpu_util_total":98.6381133119993,"cpu_util_user":1.1946129903957019,"cpu_util_system":97.443599889280748,"sender_has_retransmits":1,' +
  '"congestion_used":"bbr","streams":[{"id":1,"bytes":1507328000,"retransmits":0,"jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":1.000242},' +
  '{"id":3,"bytes":1507328000,"retransmits":0,"jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":1.000246}]}';
// The 3.12 server writes its -1 ("no retransmit figure") through an unsigned conversion.
const LINUX_SERVER_RESULTS =
  '{"cpu_util_total":49.231372133453434,"cpu_util_user":3.3558301650822915,"cpu_util_system":45.8754419972628,"sender_has_retransmits":1.8446744073709552e+19,' +
  '"congestion_used":"bbr","streams":[{"id":1,"bytes":1507328000,"retransmits":1.8446744073709552e+19,"jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":1.000278},' +
  '{"id":3,"bytes":1507328000,"retransmits":1.8446744073709552e+19,"jitter":0,"errors":0,"packets":0,"start_time":0,"end_time":1.00028}]}';

describe('iperf3 parameters', () => {
  it('reads what Linux iperf3 3.12 sends', () => {
    const r = parseParams(enc(LINUX_PARAMS));
    expect(r).toEqual({
      ok: true,
      value: {
        protocol: 'tcp', time: 1, omit: 0, bytes: 0, blocks: 0, parallel: 2, reverse: false, bidirectional: false,
        blockSize: 131072, bandwidth: 0, getServerOutput: false, clientVersion: '3.12',
      },
    });
  });

  it('writes what Linux iperf3 3.12 writes, key for key', () => {
    const parsed = parseParams(enc(LINUX_PARAMS));
    if (!parsed.ok) throw new Error('fixture did not parse');
    expect(JSON.stringify(paramsJson(parsed.value))).toBe(LINUX_PARAMS);
  });

  it('reads flags and defaults', () => {
    const r = parseParams(enc('{"tcp":true,"reverse":true,"bandwidth":1000000}'));
    expect(r.ok && r.value).toMatchObject({ reverse: true, bidirectional: false, parallel: 1, time: 10, blockSize: 128 * 1024, bandwidth: 1e6 });
    const b = parseParams(enc('{"bidirectional":true,"parallel":3,"len":1000}'));
    expect(b.ok && b.value).toMatchObject({ protocol: 'tcp', bidirectional: true, parallel: 3, blockSize: 1000 });
    const u = parseParams(enc('{"udp":true}'));
    expect(u.ok && u.value.protocol).toBe('udp');
  });

  it.each([
    ['{"parallel":0}', 'badParams', IperfErrno.IENUMSTREAMS],
    ['{"parallel":129}', 'badParams', IperfErrno.IENUMSTREAMS],
    ['{"len":1048577}', 'badParams', IperfErrno.IEBLOCKSIZE],
    ['{"time":-1}', 'badParams', IperfErrno.IERECVPARAMS],
    ['{"time":"10"}', 'badParams', IperfErrno.IERECVPARAMS],
    ['{"time":1.5}', 'badParams', IperfErrno.IERECVPARAMS],
    ['{"reverse":1}', 'badParams', IperfErrno.IERECVPARAMS],
    ['{"reverse":true,"bidirectional":true}', 'badParams', IperfErrno.IERECVPARAMS],
    ['{"client_version":3}', 'badParams', IperfErrno.IERECVPARAMS],
    ['{"tcp":true', 'badJson', IperfErrno.IERECVPARAMS],
    ['[1,2]', 'badJson', IperfErrno.IERECVPARAMS],
    ['null', 'badJson', IperfErrno.IERECVPARAMS],
    ['"tcp"', 'badJson', IperfErrno.IERECVPARAMS],
  ])('refuses %s as %s', (text, reason, ierrno) => {
    const r = parseParams(enc(text));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ reason, ierrno });
  });

  it('refuses bytes that are not UTF-8', () => {
    const r = parseParams(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(r.ok || r.error.reason).toBe('badJson');
  });

  it('round trips through paramsJson', () => {
    const arb = fc.record({
      protocol: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
      time: fc.integer({ min: 0, max: 86_400 }),
      omit: fc.integer({ min: 0, max: 100 }),
      bytes: fc.nat(),
      blocks: fc.nat(),
      parallel: fc.integer({ min: 1, max: 128 }),
      reverse: fc.boolean(),
      blockSize: fc.integer({ min: 1, max: 1 << 20 }),
      bandwidth: fc.nat(),
      getServerOutput: fc.boolean(),
      clientVersion: fc.string(),
    });
    fc.assert(
      fc.property(arb, fc.boolean(), (p, bidir) => {
        const params: Iperf3Params = { ...p, bidirectional: bidir && !p.reverse };
        const r = parseParams(enc(JSON.stringify(paramsJson(params))));
        expect(r).toEqual({ ok: true, value: params });
      }),
    );
  });
});

describe('iperf3 results', () => {
  it('reads what Linux iperf3 3.12 sends, both ends', () => {
    const c = parseResults(enc(LINUX_CLIENT_RESULTS));
    expect(c.ok && c.value).toMatchObject({
      cpuUtilTotal: 98.6381133119993, senderHasRetransmits: 1, congestionUsed: 'bbr',
      streams: [{ id: 1, bytes: 1507328000, retransmits: 0, endTime: 1.000242 }, { id: 3, bytes: 1507328000, endTime: 1.000246 }],
    });
    const s = parseResults(enc(LINUX_SERVER_RESULTS));
    expect(s.ok && s.value.streams.map((x) => x.id)).toEqual([1, 3]);
  });

  it('writes the keys iperf3 writes, in its order, and reads them back', () => {
    const parsed = parseResults(enc(LINUX_CLIENT_RESULTS));
    if (!parsed.ok) throw new Error('fixture did not parse');
    // (numbers compared as JavaScript prints them: cJSON prints some doubles with 17 digits)
    expect(JSON.stringify(resultsJson(parsed.value))).toBe(JSON.stringify(JSON.parse(LINUX_CLIENT_RESULTS)));
  });

  it.each([
    ['{"cpu_util_total":1,"cpu_util_user":1,"cpu_util_system":1,"streams":[]}', 'badResults'],
    ['{"cpu_util_total":1,"cpu_util_user":1,"cpu_util_system":1,"sender_has_retransmits":0}', 'badResults'],
    ['{"cpu_util_total":1,"cpu_util_user":1,"cpu_util_system":1,"sender_has_retransmits":0,"streams":[{"id":1}]}', 'badResults'],
    ['{"cpu_util_total":1,"cpu_util_user":1,"cpu_util_system":1,"sender_has_retransmits":0,"streams":[7]}', 'badResults'],
    ['{"cpu_util_total":"1","cpu_util_user":1,"cpu_util_system":1,"sender_has_retransmits":0,"streams":[]}', 'badResults'],
    ['{', 'badJson'],
  ])('refuses %s', (text, reason) => {
    const r = parseResults(enc(text));
    expect(r.ok || r.error.reason).toBe(reason);
  });
});

describe('iperf3 message framing and cookies', () => {
  it('frames JSON with a 4-byte big-endian length', () => {
    const m = encodeJsonMessage({ a: 1 });
    expect([...m.subarray(0, 4)]).toEqual([0, 0, 0, 7]);
    expect(jsonLength(m)).toBe(7);
    expect(new TextDecoder().decode(m.subarray(4))).toBe('{"a":1}');
  });

  it('makes cookies of 36 characters of [a-z2-7] and a NUL', () => {
    let n = 0;
    const random = { fill: (b: Uint8Array) => b.forEach((_, i) => (b[i] = (n++ * 37) & 0xff)) };
    const c = makeCookie(random);
    expect(c.length).toBe(COOKIE_SIZE);
    expect(c[36]).toBe(0);
    for (const ch of new TextDecoder().decode(c.subarray(0, 36))) expect(COOKIE_CHARS).toContain(ch);
    expect(sameCookie(c, c.slice())).toBe(true);
    const other = c.slice();
    other[5] = other[5] === 0x61 ? 0x62 : 0x61;
    expect(sameCookie(c, other)).toBe(false);
  });

  it('numbers streams 1, 3, 4, 5 as iperf3 does', () => {
    expect([0, 1, 2, 3].map(streamId)).toEqual([1, 3, 4, 5]);
  });

  it('never throws on random or mutated input', () => {
    const valid = [LINUX_PARAMS, LINUX_CLIENT_RESULTS, LINUX_SERVER_RESULTS].map(enc);
    const mutated = fc
      .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.nat())
      .map(([v, flips, cut]) => {
        const b = v.slice(0, v.length - (cut % 8));
        for (const [at, x] of flips) b[at % b.length] = x;
        return b;
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated, fc.json().map(enc)), (bytes) => {
        expect(() => parseParams(bytes)).not.toThrow();
        expect(() => parseResults(bytes)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });
});
