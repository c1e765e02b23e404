import { describe, expect, it } from 'vitest';
import { isStackError, type Flow } from '@stack/interfaces';
import { TcpFlags as F } from '../wire/fields.js';
import { formatIpv4 } from '@stack/wire';
import { seqAdd } from '../wire/seq.js';
import { LOCAL, PEER, layerRig } from './layer.test-helper.js';

const SYN_OPTS = { mss: 1460, windowScale: 7, sackPermitted: true as const, timestamps: { value: 1000, echo: 0 } };

/** Drives a passive handshake from the peer; returns the SYN-ACK and the peer's next sequence number. */
function handshake(rig: ReturnType<typeof layerRig>, srcPort: number, port = 80, iss = 5000, tsVal = 1000) {
  rig.inject({ srcPort, dstPort: port, flags: F.SYN, seq: iss, options: { ...SYN_OPTS, timestamps: { value: tsVal, echo: 0 } } });
  const [synAck] = rig.sent();
  if (synAck === undefined) return undefined;
  rig.inject({
    srcPort, dstPort: port, flags: F.ACK, seq: iss + 1, ack: seqAdd(synAck.seq, 1), window: 1000,
    options: { timestamps: { value: tsVal + 1, echo: synAck.options.timestamps?.value ?? 0 } },
  });
  return synAck;
}

describe('TCP layer: segments nobody wants (RFC 9293 §3.10.7.1)', () => {
  it('answers a SYN to a closed port with RST|ACK acknowledging it', () => {
    const rig = layerRig();
    rig.inject({ srcPort: 40000, dstPort: 81, flags: F.SYN, seq: 777 });
    const [rst] = rig.sent();
    expect(rst).toMatchObject({ srcPort: 81, dstPort: 40000, flags: F.RST | F.ACK, seq: 0, ack: 778, dst: PEER, src: LOCAL });
    expect(rig.tcp.stats.dropped.noListener).toBe(1);
    expect(rig.tcp.stats.outRsts).toBe(1);
  });

  it('answers an ACK with RST at its acknowledgment number, and never answers an RST', () => {
    const rig = layerRig();
    rig.inject({ srcPort: 40000, dstPort: 81, flags: F.ACK, seq: 1, ack: 0xdead });
    expect(rig.sent()).toMatchObject([{ flags: F.RST, seq: 0xdead }]);
    rig.inject({ srcPort: 40000, dstPort: 81, flags: F.RST, seq: 1 });
    expect(rig.sent()).toEqual([]);
  });

  it('drops (and counts) bad checksums and segments to a broadcast address, sending nothing', () => {
    const rig = layerRig();
    rig.tcp.listen(80, () => {});
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.SYN, seq: 1 }, { corrupt: true });
    rig.inject({ srcPort: 40000, dstPort: 80, flags: F.SYN, seq: 1 }, { broadcast: true });
    expect(rig.sent()).toEqual([]);
    expect(rig.tcp.stats.dropped).toMatchObject({ checksum: 1, broadcast: 1 });
  });

  it('can be told not to send resets', () => {
    const rig = layerRig({ sendResets: false });
    rig.inject({ srcPort: 40000, dstPort: 81, flags: F.SYN, seq: 777 });
    expect(rig.sent()).toEqual([]);
  });
});

describe('TCP layer: listeners', () => {
  it('completes a passive open and hands the flow over with its endpoints', () => {
    const rig = layerRig();
    const flows: Flow[] = [];
    rig.tcp.listen(80, (f) => flows.push(f));
    const synAck = handshake(rig, 40000)!;
    expect(synAck).toMatchObject({ flags: F.SYN | F.ACK, ack: 5001, srcPort: 80, dstPort: 40000 });
    expect(synAck.options).toMatchObject({ mss: 1460, sackPermitted: true, windowScale: expect.any(Number), timestamps: { echo: 1000 } });
    expect(flows).toHaveLength(1);
    expect(flows[0]!.local).toEqual({ address: LOCAL, port: 80 });
    expect(flows[0]!.remote).toEqual({ address: PEER, port: 40000 });
    expect(rig.tcp.stats.passiveOpens).toBe(1);
    const [listener, conn] = rig.tcp.connections();
    expect(listener).toMatchObject({ local: '0.0.0.0:80', state: 'LISTEN', synQueue: 0, acceptQueue: 0 });
    expect(conn).toMatchObject({ local: '10.77.0.2:80', remote: '10.77.0.1:40000', state: 'ESTABLISHED' });
  });

  it('refuses a second listener on a port, and bad ports, with StackErrors', () => {
    const rig = layerRig();
    rig.tcp.listen(80, () => {});
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return isStackError(e) ? e.code : String(e);
      }
      return 'no error';
    };
    expect(codeOf(() => rig.tcp.listen(80, () => {}))).toBe('ERR_PORT_IN_USE');
    expect(codeOf(() => rig.tcp.listen(0, () => {}))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => rig.tcp.listen(70000, () => {}))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => rig.tcp.listen(81, () => {}, { backlog: -1 }))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('holds completed handshakes in the accept queue while paused, and drops the completing ACK when it is full', () => {
    const rig = layerRig();
    const flows: Flow[] = [];
    const l = rig.tcp.listen(80, (f) => flows.push(f), { backlog: 1 });
    l.pause();
    handshake(rig, 40001);
    expect(flows).toHaveLength(0);
    expect(l.acceptQueue).toHaveLength(1);
    // A second client: the accept queue is full, so its SYN is dropped (it will retry).
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.SYN, seq: 9000, options: SYN_OPTS });
    expect(rig.sent()).toEqual([]);
    expect(rig.tcp.stats.dropped.listenOverflow).toBe(1);
    l.resume();
    expect(flows.map((f) => f.remote.port)).toEqual([40001]);
    expect(rig.tcp.connections()[0]).toMatchObject({ state: 'LISTEN', acceptQueue: 0 });
  });

  it('drops the ACK that would complete a handshake while the accept queue is full; the SYN-ACK goes again', () => {
    const rig = layerRig({ rtoInitial: 1000 });
    const flows: Flow[] = [];
    const l = rig.tcp.listen(80, (f) => flows.push(f), { backlog: 1 });
    l.pause();
    // Two SYNs while the queue is empty: both get SYN-ACKs.
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 100, options: SYN_OPTS });
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.SYN, seq: 200, options: SYN_OPTS });
    const [a, b] = rig.sent();
    expect(l.synQueue).toBe(2);
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK, seq: 101, ack: a!.seq + 1, options: { timestamps: { value: 1001, echo: a!.options.timestamps!.value } } });
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.ACK, seq: 201, ack: b!.seq + 1, options: { timestamps: { value: 1001, echo: b!.options.timestamps!.value } } });
    expect(l.acceptQueue).toHaveLength(1);
    expect(l.synQueue).toBe(1);
    expect(rig.tcp.stats.dropped.listenOverflow).toBe(1);
    rig.sched.runFor(1000);
    expect(rig.sent()).toMatchObject([{ flags: F.SYN | F.ACK, dstPort: 40002, seq: b!.seq }]);
    l.resume();
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.ACK, seq: 201, ack: b!.seq + 1, options: { timestamps: { value: 2001, echo: b!.options.timestamps!.value } } });
    expect(flows.map((f) => f.remote.port)).toEqual([40001, 40002]);
  });

  it('drops SYNs beyond the SYN queue when cookies are off', () => {
    const rig = layerRig({ synBacklog: 2, synCookies: 'never' });
    rig.tcp.listen(80, () => {});
    for (let p = 1; p <= 5; p++) rig.inject({ srcPort: 41000 + p, dstPort: 80, flags: F.SYN, seq: p, options: SYN_OPTS });
    expect(rig.sent()).toHaveLength(2);
    expect(rig.tcp.stats.dropped.synQueueFull).toBe(3);
    expect(rig.tcp.connectionCount).toBe(2);
  });

  it('enforces maxConnections on SYNs and on connect', () => {
    const rig = layerRig({ maxConnections: 1 });
    rig.tcp.listen(80, () => {});
    handshake(rig, 40001);
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.SYN, seq: 1, options: SYN_OPTS });
    expect(rig.sent()).toEqual([]);
    expect(rig.tcp.stats.dropped.connectionLimit).toBe(1);
    let code = '';
    try {
      void rig.tcp.connect(PEER, 80);
    } catch (e) {
      code = isStackError(e) ? e.code : '';
    }
    expect(code).toBe('ERR_LIMIT');
  });

  it('closing a listener resets its half-open connections but not the flows it handed over', () => {
    const rig = layerRig();
    const flows: Flow[] = [];
    const l = rig.tcp.listen(80, (f) => flows.push(f));
    handshake(rig, 40001);
    rig.inject({ srcPort: 40002, dstPort: 80, flags: F.SYN, seq: 300, options: SYN_OPTS });
    rig.sent();
    void l.close();
    expect(rig.sent()).toMatchObject([{ flags: F.RST, dstPort: 40002 }]);
    expect(rig.tcp.connections().map((c) => c.state)).toEqual(['ESTABLISHED']);
    // The port is free again, and a SYN to it now gets a RST.
    rig.inject({ srcPort: 40003, dstPort: 80, flags: F.SYN, seq: 1 });
    expect(rig.sent()).toMatchObject([{ flags: F.RST | F.ACK }]);
  });

  it('a new SYN to a tuple in TIME-WAIT starts a new connection when its timestamp is newer (RFC 6191)', async () => {
    const rig = layerRig({ timeWait: 60_000 });
    const flows: Flow[] = [];
    rig.tcp.listen(80, (f) => flows.push(f));
    const synAck = handshake(rig, 40001)!;
    // We close first: FIN from us, the peer ACKs and sends its FIN: we sit in TIME-WAIT.
    const closed = flows[0]!.close();
    const [fin] = rig.sent();
    expect(fin!.flags & F.FIN).toBe(F.FIN);
    const ts = { value: 1002, echo: fin!.options.timestamps!.value };
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5001, ack: seqAdd(synAck.seq, 2), options: { timestamps: ts } });
    await closed;
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT' });
    rig.sent();
    // An old duplicate SYN (sequence number behind RCV.NXT, TSval not newer than TS.Recent) does not:
    // TIME-WAIT answers it with an ACK.
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 4000, options: { ...SYN_OPTS, timestamps: { value: 900, echo: 0 } } });
    expect(rig.sent()).toMatchObject([{ flags: F.ACK }]);
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT' });
    // A newer TSval is enough, even with a sequence number behind RCV.NXT (RFC 6191).
    handshake(rig, 40001, 80, 3000, 5000);
    expect(flows).toHaveLength(2);
    expect(rig.tcp.connections().map((c) => c.state)).toEqual(['LISTEN', 'ESTABLISHED']);
  });
});

describe('TCP layer: TIME-WAIT lets the flow go', () => {
  /** We close first; the peer acknowledges and sends its FIN: our end sits in TIME-WAIT. */
  async function inTimeWait(data?: Uint8Array) {
    const rig = layerRig({ timeWait: 60_000, timestamps: false });
    const flows: Flow[] = [];
    rig.tcp.listen(80, (f) => flows.push(f));
    const synAck = handshake(rig, 40001)!;
    const flow = flows[0]!;
    const ended = flow.shutdown();
    rig.sent();
    const payload = data ?? new Uint8Array(0);
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5001, ack: seqAdd(synAck.seq, 2), payload });
    await ended;
    return { rig, flow, conn: (flow as unknown as { conn: { flow: Flow | null } }).conn };
  }

  it('the connection no longer holds its flow, which still answers and is reported with nothing pending', async () => {
    const { rig, flow, conn } = await inTimeWait();
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT', pending: { reads: 0, writes: 0, writeBytes: 0 } });
    expect(conn.flow).toBeNull();
    await expect(flow.read()).resolves.toEqual({ eof: true });
    await expect(flow.close()).resolves.toBeUndefined();
    expect(() => flow.write(new Uint8Array(1))).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }));
    // TIME-WAIT itself goes on: a retransmitted FIN is acknowledged.
    rig.sent();
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5001, ack: 0 });
    expect(rig.sent()).toHaveLength(1);
    // An abort from the application still ends it, counted as before.
    flow.abort();
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.tcp.stats.estabResets).toBe(1);
  });

  it('closing the layer aborts it: the flow kept after a shutdown reads \'aborted\', counted as a reset', async () => {
    const { rig, flow, conn } = await inTimeWait();
    expect((conn as unknown as { timeWait: object | null }).timeWait).not.toBeNull();
    await expect(flow.read()).resolves.toEqual({ eof: true });
    rig.sent();
    rig.tcp.close();
    await expect(flow.read()).resolves.toEqual({ error: 'aborted' });
    expect(rig.tcp.stats.estabResets).toBe(1);
    expect(rig.sent()).toEqual([]);
  });

  it('unread data stays readable after the flow is let go (reads take it from the connection directly), then EOF', async () => {
    const { rig, flow, conn } = await inTimeWait(new Uint8Array([1, 2, 3]));
    expect(conn.flow).toBeNull();
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT', recvBuffered: 3 });
    expect((conn as unknown as { timeWait: object | null }).timeWait).toBeNull(); // not compacted while data waits
    await expect(flow.read()).resolves.toMatchObject({ data: new Uint8Array([1, 2, 3]) });
    expect((conn as unknown as { timeWait: object | null }).timeWait).not.toBeNull(); // read: now it is
    await expect(flow.read()).resolves.toEqual({ eof: true });
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT', recvBuffered: 0 });
  });
});

describe('TCP layer: TIME-WAIT without timestamps', () => {
  it('a SYN reopens a TIME-WAIT tuple only when its sequence number lies beyond RCV.NXT (RFC 1122 §4.2.2.13)', async () => {
    const rig = layerRig({ timestamps: false });
    const flows: Flow[] = [];
    rig.tcp.listen(80, (f) => flows.push(f));
    const synAck = handshake(rig, 40001)!;
    const closed = flows[0]!.close();
    rig.sent();
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5001, ack: seqAdd(synAck.seq, 2) });
    await closed;
    rig.sent();
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 4000 }); // behind RCV.NXT (5002): an old duplicate
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT' });
    expect(rig.sent().every((seg) => (seg.flags & F.SYN) === 0)).toBe(true);
    handshake(rig, 40001, 80, 90_000);
    expect(flows).toHaveLength(2);
  });
});

describe('TCP layer: active open', () => {
  it('picks distinct ephemeral ports in range and sends a SYN with our options and DF', () => {
    const rig = layerRig({ ephemeralMin: 50000, ephemeralMax: 50010 });
    for (let i = 0; i < 5; i++) void rig.tcp.connect(PEER, 80);
    const syns = rig.sent();
    expect(syns).toHaveLength(5);
    const ports = syns.map((s) => s.srcPort);
    expect(new Set(ports).size).toBe(5);
    for (const p of ports) expect(p >= 50000 && p <= 50010).toBe(true);
    expect(syns[0]!.options).toMatchObject({ mss: 1460, sackPermitted: true, timestamps: { echo: 0 } });
    expect(rig.ip.written.length).toBe(0);
    expect(rig.tcp.stats.activeOpens).toBe(5);
  });

  it('throws ERR_NO_PORTS when every ephemeral port toward the destination is taken', () => {
    const rig = layerRig({ ephemeralMin: 50000, ephemeralMax: 50001 });
    void rig.tcp.connect(PEER, 80);
    void rig.tcp.connect(PEER, 80);
    expect(() => rig.tcp.connect(PEER, 80)).toThrowError(expect.objectContaining({ code: 'ERR_NO_PORTS' }));
    // Another destination port is another 4-tuple: ports are free for it.
    void rig.tcp.connect(PEER, 81);
  });

  it('an ICMP port unreachable quoting our SYN refuses the connect; one quoting another sequence number is ignored', async () => {
    const rig = layerRig();
    const pending = rig.tcp.connect(PEER, 80);
    const [syn] = rig.sent();
    const quoted = (seq: number) => {
      const q = new Uint8Array(8);
      new DataView(q.buffer).setUint16(0, syn!.srcPort);
      new DataView(q.buffer).setUint16(2, 80);
      new DataView(q.buffer).setUint32(4, seq);
      return q;
    };
    const err = { kind: 'unreachable' as const, code: 3, reporter: PEER, mtu: 0, src: LOCAL, dst: PEER, protocol: 6 };
    rig.ip.deliverError({ ...err, quoted: quoted((syn!.seq + 99) >>> 0) });
    expect(rig.tcp.stats.icmpIgnored).toBe(1);
    rig.ip.deliverError({ ...err, quoted: quoted(syn!.seq) });
    await expect(pending).resolves.toEqual({ error: 'refused' });
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.tcp.stats.attemptFails).toBe(1);
  });

  it('a host unreachable is a soft error: the connect reports it when it times out', async () => {
    const rig = layerRig();
    const pending = rig.tcp.connect(PEER, 80, { timeout: 3000 });
    const [syn] = rig.sent();
    const q = new Uint8Array(8);
    new DataView(q.buffer).setUint16(0, syn!.srcPort);
    new DataView(q.buffer).setUint16(2, 80);
    new DataView(q.buffer).setUint32(4, syn!.seq);
    rig.ip.deliverError({ kind: 'unreachable', code: 1, reporter: PEER, mtu: 0, src: LOCAL, dst: PEER, protocol: 6, quoted: q });
    expect(rig.tcp.connectionCount).toBe(1);
    rig.sched.runFor(3000);
    await expect(pending).resolves.toEqual({ error: 'unreachable' });
    expect(rig.sched.pending()).toBe(0);
  });

  it('an RST answering our SYN refuses the connect', async () => {
    const rig = layerRig();
    const pending = rig.tcp.connect(PEER, 80);
    const [syn] = rig.sent();
    rig.inject({ srcPort: 80, dstPort: syn!.srcPort, flags: F.RST | F.ACK, seq: 0, ack: syn!.seq + 1 });
    await expect(pending).resolves.toEqual({ error: 'refused' });
  });

  it('a route-less destination is unreachable at once', async () => {
    const rig = layerRig();
    rig.ip.source = () => undefined as unknown as number;
    await expect(rig.tcp.connect(0x0808_0808, 53)).resolves.toEqual({ error: 'unreachable' });
  });
});

describe('TCP layer: close', () => {
  it('resets every connection, stops listening and leaves no timer', () => {
    const rig = layerRig();
    rig.tcp.listen(80, () => {});
    handshake(rig, 40001);
    void rig.tcp.connect(PEER, 9);
    rig.sent();
    rig.tcp.close();
    const out = rig.sent();
    expect(out.filter((s) => s.flags & F.RST)).toHaveLength(1); // the established one; SYN-SENT just ends
    expect(rig.tcp.connections()).toEqual([]);
    expect(rig.sched.pending()).toBe(0);
    expect(() => rig.tcp.listen(81, () => {})).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });
});

describe('TCP layer: TIME-WAIT kept compact (as Linux\'s inet_timewait_sock)', () => {
  /** We close first; the peer ACKs our FIN with its own (TSval 1002): TIME-WAIT, swapped for a compact record. */
  async function timeWait(config: Parameters<typeof layerRig>[0] = {}) {
    const rig = layerRig({ timeWait: 60_000, ...config });
    const flows: Flow[] = [];
    const listener = rig.tcp.listen(80, (f) => flows.push(f));
    const synAck = handshake(rig, 40001)!;
    const flow = flows[0]!;
    const closed = flow.close();
    const [fin] = rig.sent();
    const echo = fin!.options.timestamps?.value ?? 0;
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5001, ack: seqAdd(synAck.seq, 2), options: { timestamps: { value: 1002, echo } } });
    await closed;
    const [ack] = rig.sent();
    const conn = (flow as unknown as { conn: { timeWait: object | null; retired: boolean } }).conn;
    expect(conn.timeWait, 'the connection was swapped for a compact record').not.toBeNull();
    expect(conn.retired).toBe(true);
    return { rig, flows, flow, listener, ack: ack!, sndNxt: seqAdd(synAck.seq, 2), record: conn.timeWait! };
  }

  it('ACKs the FIN first, and is listed by inspect as TIME-WAIT', async () => {
    const { rig, ack, sndNxt } = await timeWait();
    expect(ack).toMatchObject({ flags: F.ACK, seq: sndNxt, ack: 5002, options: { timestamps: { echo: 1002 } } });
    const [, tw] = rig.tcp.connections();
    expect(tw).toMatchObject({
      local: `${formatIpv4(LOCAL)}:80`, remote: `${formatIpv4(PEER)}:40001`, state: 'TIME-WAIT', error: null, timestamps: true,
      pending: { reads: 0, writes: 0, writeBytes: 0 },
    });
    expect(tw).not.toHaveProperty('cwnd'); // no congestion control, buffers or counters behind it
    expect(rig.tcp.connectionCount).toBe(1);
  });

  it('ACKs a retransmitted FIN as before and restarts the 2MSL timer; at its end nothing is left, no timer either', async () => {
    const { rig, ack, sndNxt } = await timeWait();
    rig.sched.runFor(30_000);
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5001, ack: sndNxt - 1 + 1, options: { timestamps: { value: 1003, echo: 0 } } });
    const [again, ...more] = rig.sent();
    expect(more).toEqual([]);
    // The same ACK, 30 s later on our clock; TS.Recent stays 1002 (the FIN lies before RCV.NXT).
    expect(again).toEqual({ ...ack, options: { timestamps: { value: ack.options.timestamps!.value + 30_000, echo: 1002 } } });
    rig.sched.runFor(30_001); // past the first deadline
    expect(rig.tcp.connections().map((c) => c.state)).toEqual(['LISTEN', 'TIME-WAIT']);
    rig.sched.runFor(30_000); // past the restarted one
    expect(rig.tcp.connections().map((c) => c.state)).toEqual(['LISTEN']);
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.sched.pending()).toBe(0);
    expect(rig.sent()).toEqual([]);
  });

  it('RST: outside the window ignored; in the window but not at RCV.NXT a challenge ACK; at RCV.NXT it ends TIME-WAIT', async () => {
    const { rig, sndNxt } = await timeWait();
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.RST, seq: 5001 });
    expect(rig.sent()).toEqual([]);
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.RST, seq: 5100 });
    expect(rig.sent()).toMatchObject([{ flags: F.ACK, seq: sndNxt, ack: 5002 }]);
    expect(rig.tcp.connectionCount).toBe(1);
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.RST, seq: 5002 });
    expect(rig.sent()).toEqual([]);
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.tcp.stats.estabResets).toBe(0);
    expect(rig.sched.pending()).toBe(0);
    // The tuple is free: a segment for it now meets the listener.
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK, seq: 5002, ack: sndNxt });
    expect(rig.sent()).toMatchObject([{ flags: F.RST, seq: sndNxt }]);
  });

  it('PAWS: a segment with an older TSval is dropped and ACKed; a data segment without timestamps is dropped silently', async () => {
    const { rig, sndNxt } = await timeWait();
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK | F.FIN, seq: 5002, ack: sndNxt, options: { timestamps: { value: 900, echo: 0 } } });
    expect(rig.sent()).toMatchObject([{ flags: F.ACK, seq: sndNxt, ack: 5002, options: { timestamps: { echo: 1002 } } }]);
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.ACK, seq: 5002, ack: sndNxt, payload: new Uint8Array(4) });
    expect(rig.sent()).toEqual([]);
  });

  it('a SYN reopens the tuple when its TSval is newer (RFC 6191); an old one gets an ACK; without a listener a new one gets a challenge ACK', async () => {
    const { rig, flows, listener, sndNxt } = await timeWait();
    // Old: sequence number behind RCV.NXT, TSval not newer.
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 4000, options: { ...SYN_OPTS, timestamps: { value: 1002, echo: 0 } } });
    expect(rig.sent()).toMatchObject([{ flags: F.ACK, seq: sndNxt, ack: 5002 }]);
    expect(rig.tcp.connections()[1]).toMatchObject({ state: 'TIME-WAIT' });
    // Newer TSval, sequence number still behind: a new connection.
    const synAck = handshake(rig, 40001, 80, 4000, 2000)!;
    expect(synAck).toMatchObject({ flags: F.SYN | F.ACK, ack: 4001 });
    expect(flows).toHaveLength(2);
    expect(rig.tcp.connections().map((c) => c.state)).toEqual(['LISTEN', 'ESTABLISHED']);

    const second = await timeWait();
    void second.listener.close();
    second.rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 90_000, options: { ...SYN_OPTS, timestamps: { value: 3000, echo: 0 } } });
    expect(second.rig.sent()).toMatchObject([{ flags: F.ACK, seq: second.sndNxt, ack: 5002 }]);
    expect(second.rig.tcp.connections()).toMatchObject([{ state: 'TIME-WAIT' }]);
    void listener;
  });

  it('without timestamps a SYN reopens the tuple only when its sequence number lies beyond RCV.NXT', async () => {
    const { rig, flows, sndNxt } = await timeWait({ timestamps: false });
    rig.inject({ srcPort: 40001, dstPort: 80, flags: F.SYN, seq: 5002, options: { ...SYN_OPTS, timestamps: { value: 9999, echo: 0 } } });
    expect(rig.sent()).toMatchObject([{ flags: F.ACK, seq: sndNxt, ack: 5002, options: {} }]);
    handshake(rig, 40001, 80, 5002 + 1);
    expect(flows).toHaveLength(2);
  });

  it('the flow the application kept answers as in TIME-WAIT; its abort ends the record, counted as before', async () => {
    const { rig, flow } = await timeWait();
    await expect(flow.read()).resolves.toEqual({ error: 'closed' }); // it closed: reads say so, as before
    expect(() => flow.write(new Uint8Array(1))).toThrowError(expect.objectContaining({ code: 'ERR_CLOSED' }));
    await expect(flow.close()).resolves.toBeUndefined();
    flow.abort();
    expect(rig.sent()).toEqual([]);
    expect(rig.tcp.connectionCount).toBe(0);
    expect(rig.tcp.stats.estabResets).toBe(1);
    flow.abort(); // again: nothing
    expect(rig.tcp.stats.estabResets).toBe(1);
  });

  it('an ICMP error about the tuple is ignored; closing the layer drops the records and leaves no timer', async () => {
    const { rig, sndNxt } = await timeWait();
    const q = new Uint8Array(8);
    new DataView(q.buffer).setUint16(0, 80);
    new DataView(q.buffer).setUint16(2, 40001);
    new DataView(q.buffer).setUint32(4, sndNxt - 1);
    rig.ip.deliverError({ kind: 'unreachable', code: 3, reporter: PEER, mtu: 0, src: LOCAL, dst: PEER, protocol: 6, quoted: q });
    expect(rig.tcp.stats.icmpIgnored).toBe(1);
    expect(rig.tcp.connectionCount).toBe(1);
    rig.tcp.close();
    expect(rig.sent()).toEqual([]);
    expect(rig.tcp.connections()).toEqual([]);
    expect(rig.sched.pending()).toBe(0);
  });

  it('holds no connection state beyond the record: sequence numbers, timestamps, window, deadline (memory)', async () => {
    const { record } = await timeWait();
    const fields = Object.entries(record);
    expect(fields.length).toBeLessThanOrEqual(27);
    // Numbers and booleans only, besides the shared config and the connection's counters (kept for inspect).
    const objects = fields.filter(([, v]) => typeof v === 'object' && v !== null).map(([k]) => k);
    expect(objects.sort()).toEqual(['cfg', 'counters']);
  });
});
