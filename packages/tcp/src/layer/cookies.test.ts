import { describe, expect, it } from 'vitest';
import type { Flow } from '@stack/interfaces';
import { TcpFlags as F } from '../wire/fields.js';
import { LOCAL, PEER, layerRig, pairRig } from './layer.test-helper.js';

const SYN_OPTS = { mss: 1460, windowScale: 7, sackPermitted: true as const, timestamps: { value: 1000, echo: 0 } };

describe('SYN cookies (RFC 4987 §3.6) in the layer', () => {
  it("'always': the SYN-ACK keeps no state; the completing ACK makes an ESTABLISHED connection with the options recalled", () => {
    const rig = layerRig({ synCookies: 'always', recvBufferSize: 1 << 20 });
    const flows: Flow[] = [];
    rig.tcp.listen(80, (f) => flows.push(f));
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.SYN, seq: 5000, options: SYN_OPTS });
    const [synAck] = rig.sent();
    expect(synAck).toMatchObject({ flags: F.SYN | F.ACK, ack: 5001 });
    expect(synAck!.options).toMatchObject({ mss: 1460, windowScale: 5, sackPermitted: true, timestamps: { echo: 1000 } });
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.tcp.stats.synCookiesSent).toBe(1);
    rig.inject({
      srcPort: 40000, dstPort: 80, flags: F.ACK, seq: 5001, ack: synAck!.seq + 1, window: 100,
      options: { timestamps: { value: 1001, echo: synAck!.options.timestamps!.value } }, payload: new Uint8Array([1, 2, 3]),
    });
    expect(flows).toHaveLength(1);
    expect(rig.tcp.stats.synCookiesValid).toBe(1);
    const [, conn] = rig.tcp.connections();
    // The window scale (7) and SACK came back from the TSval; the MSS from the cookie.
    expect(conn).toMatchObject({ state: 'ESTABLISHED', sndWscale: 7, sack: true, timestamps: true, peerMss: 1460, recvBuffered: 3 });
    expect(conn!.sndWnd).toBe(100 * 128);
  });

  it("'auto' answers with cookies only once the SYN queue is full", () => {
    const rig = layerRig({ synBacklog: 1 });
    rig.tcp.listen(80, () => {});
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 1, options: SYN_OPTS });
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.SYN, seq: 2, options: SYN_OPTS });
    expect(rig.sent()).toHaveLength(2);
    expect(rig.tcp.connectionCount).toBe(1);
    expect(rig.tcp.stats.synCookiesSent).toBe(1);
  });

  it('an ACK with a forged cookie gets an RST and makes nothing', () => {
    const rig = layerRig({ synCookies: 'always' });
    rig.tcp.listen(80, () => {});
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.SYN, seq: 5000, options: SYN_OPTS });
    const [synAck] = rig.sent();
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.ACK, seq: 5001, ack: synAck!.seq + 2, options: { timestamps: { value: 1001, echo: 0 } } });
    expect(rig.sent()).toMatchObject([{ flags: F.RST, seq: synAck!.seq + 2 }]);
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.tcp.stats.synCookiesFailed).toBe(1);
  });

  it('without timestamps the cookie cannot carry window scale or SACK: the connection runs without them', () => {
    const rig = layerRig({ synCookies: 'always' });
    const flows: Flow[] = [];
    rig.tcp.listen(80, (f) => flows.push(f));
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.SYN, seq: 5000, options: { mss: 1200, windowScale: 7, sackPermitted: true } });
    const [synAck] = rig.sent();
    expect(synAck!.options).toEqual({ mss: 1460 });
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.ACK, seq: 5001, ack: synAck!.seq + 1 });
    expect(flows).toHaveLength(1);
    expect(rig.tcp.connections()[1]).toMatchObject({ sndWscale: 0, rcvWscale: 0, sack: false, timestamps: false, peerMss: 1200 });
  });

  it('a client completes a cookie handshake and data flows both ways, intact', async () => {
    const rig = pairRig({}, { synCookies: 'always', recvBufferSize: 1 << 20 });
    rig.b.listen(7, (f) => {
      void (async () => {
        for (let r = await f.read(); r.data; r = await f.read()) await f.write(r.data);
        await f.close();
      })();
    });
    const run = async () => {
      const r = await rig.a.connect(LOCAL, 7);
      if (!r.flow) throw new Error(r.error);
      const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
      const reading = (async () => {
        const parts: Uint8Array[] = [];
        for (let m = await r.flow.read(); m.data; m = await r.flow.read()) parts.push(m.data);
        return Buffer.concat(parts);
      })();
      await r.flow.write(data);
      await r.flow.shutdown();
      const back = await reading;
      return Buffer.compare(back, Buffer.from(data));
    };
    await expect(rig.sched.runUntilSettled(run())).resolves.toBe(0);
    expect(rig.b.stats.synCookiesValid).toBe(1);
    expect(rig.b.stats.passiveOpens).toBe(1);
    void PEER;
  });
});

describe('ICMP fragmentation needed (RFC 1191) in the layer', () => {
  it('lowers the MSS of the connection whose segment it quotes, and only for a sequence number we sent', async () => {
    const rig = pairRig();
    rig.b.listen(7, () => {});
    const r = await rig.sched.runUntilSettled(rig.a.connect(LOCAL, 7));
    if (!r.flow) throw new Error(r.error);
    void r.flow.write(new Uint8Array(20_000));
    const conn = () => rig.a.connections()[0]!;
    expect(conn().mss).toBe(1448);
    const sent = rig.ipA.written.filter((w) => w.protocol === 6 && w.bytes.length > 1000).at(-1)!;
    const quote = (delta: number) => {
      const q = sent.bytes.slice(0, 8);
      new DataView(q.buffer).setUint32(4, (new DataView(q.buffer).getUint32(4) + delta) >>> 0);
      return q;
    };
    const err = { kind: 'unreachable' as const, code: 4, reporter: PEER, mtu: 1000, src: PEER, dst: LOCAL, protocol: 6 };
    rig.ipA.deliverError({ ...err, quoted: quote(1 << 30) });
    expect(conn().mss).toBe(1448);
    expect(rig.a.stats.icmpIgnored).toBe(1);
    rig.ipA.mtu = () => 1000; // what IP learned from the same ICMP message
    rig.ipA.deliverError({ ...err, quoted: quote(0) });
    expect(conn().mss).toBe(1000 - 40 - 12);
    expect(rig.a.stats.pmtuUpdates).toBe(1);
  });
});
