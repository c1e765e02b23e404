import { describe, expect, it } from 'vitest';
import { isStackError } from '@stack/interfaces';
import { resolveTcpConfig } from '../config.js';
import { TcpFlags as F } from '../wire/fields.js';
import { emitTcp, tcpBufferLen, tcpHeaderLen, type TcpRepr } from '../wire/segment.js';
import { seqAdd } from '../wire/seq.js';
import { ISS } from './fixtures.test-helper.js';
import { TcpConnection, type TcpRestoreOptions } from './connection.js';
import { windowScaleFor } from './options.js';
import { Script, PEER_ISN, pattern } from './script.test-helper.js';
import { SegmentIn, type SegmentOut, type TcpOutput } from './segment.js';
import { TcpState } from './state.js';

// SYN cookies (RFC 4987 §3.6): the layer answers a SYN without keeping
// state; the ACK that comes back rebuilds the connection with `restore`.

const CONFIG = resolveTcpConfig({ delayedAck: 0 });

/** A runner whose connection is restored from the first injected segment (the third of the handshake). */
function restored(extra: Partial<TcpRestoreOptions> = {}): Script {
  return new Script(
    (ack, now) =>
      TcpConnection.restore(ack, {
        localPort: 80, remotePort: 5555, iss: ISS, config: CONFIG,
        irs: PEER_ISN, peerMss: 1000, peerWindowScale: 2, sackPermitted: true, timestamps: true, tsRecent: 100,
        ...extra,
      }, now),
    { localPort: 80, remotePort: 5555, iss: ISS },
  );
}

describe('TcpConnection.restore (SYN cookies)', () => {
  it('builds ESTABLISHED from the third ACK: its window (scaled), its data acknowledged, options as the cookie said', () => {
    const s = restored().run([
      [10, '<', 'P. 1:11(10) ack 1 win 500 <TS val 110 ecr 5>'],
      [10, '>', '. 1:1(0) ack 11 <TS val 10 ecr 110>'],
      [20, 'call', (c) => c.send(pattern(1, 3000))],
      // MSS 1000 − 12 (timestamps); the peer's window is 500 << 2 = 2000.
      [20, '>', '. 1:989(988) ack 11 <TS val 20 ecr 110>'],
      [20, '>', '. 989:1977(988) ack 11'],
      // 24 more would fit the window, a sliver of what is queued: silly-window avoidance holds it.
    ]).done();
    const c = s.conn!;
    expect(c.state).toBe(TcpState.ESTABLISHED);
    expect(c.passive).toBe(true);
    expect(c.info()).toMatchObject({ mss: 988, peerMss: 1000, sndWscale: 2, rcvWscale: windowScaleFor(CONFIG.recvBufferSize), timestamps: true, sack: true, srtt: 0 });
    expect(c.sequenceBase).toEqual({ iss: ISS, irs: PEER_ISN });
    const b = new Uint8Array(10);
    expect(c.recv(b)).toBe(10);
    expect(b).toEqual(pattern(1, 10));
  });

  it('a FIN on the third ACK takes the connection to CLOSE-WAIT', () => {
    const s = restored({ timestamps: false, sackPermitted: false, peerWindowScale: -1 }).run([
      [10, '<', 'FP. 1:6(5) ack 1 win 65535'],
      [10, '>', '. 1:1(0) ack 7 win 65529 <>'], // the right edge stays where the SYN-ACK put it (receiver SWS)
    ]).done();
    expect(s.conn!.state).toBe(TcpState.CLOSE_WAIT);
    expect(s.conn!.info()).toMatchObject({ timestamps: false, sack: false, sndWscale: 0, rcvWscale: 0, sndWnd: 65535 });
  });

  it('throws on a segment that is not the ACK of iss + 1', () => {
    const wrong = (text: string): unknown => {
      try {
        restored().run([[10, '<', text]]);
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(isStackError(wrong('. 1:1(0) ack 2 win 500'), 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(isStackError(wrong('S. 0:0(0) ack 1 win 500'), 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect(isStackError(wrong('R. 1:1(0) ack 1 win 500'), 'ERR_INVALID_ARGUMENT')).toBe(true);
  });

  it('a client engine, a stateless SYN-ACK, restore from the client\'s ACK: data flows both ways and both close', () => {
    const now = { t: 0 };
    const wireBuf = new Uint8Array(70_000);
    const toServer: Uint8Array[] = [];
    const toClient: Uint8Array[] = [];
    const outTo = (q: Uint8Array[]): TcpOutput => ({
      emit(seg: SegmentOut): boolean {
        seg.copyPayload(wireBuf.subarray(tcpHeaderLen(seg), tcpBufferLen(seg)));
        const n = emitTcp(seg, wireBuf, 0, { src: 1, dst: 2 });
        q.push(wireBuf.slice(0, n));
        return true;
      },
    });
    const clientOut = outTo(toServer);
    const serverOut = outTo(toClient);
    const config = resolveTcpConfig({ recvBufferSize: 200_000 });
    const client = TcpConnection.connect({ localPort: 40000, remotePort: 80, iss: 7, config, tsOffset: 1000 });
    const request = pattern(0, 30_000);
    client.send(request);
    client.poll(now.t, clientOut);

    // The listener's side: read the SYN, answer it without keeping anything but what the cookie holds.
    const seg = new SegmentIn();
    expect(seg.readFrom(toServer.shift()!)).toBeNull();
    expect(seg.flags).toBe(F.SYN);
    const cookie = 0x5eed_c0de;
    // The server's TS clock: the SYN-ACK's TSval (sent at t=5) and later ones must run on, or the client's PAWS
    // drops what follows; a cookie scheme that hides bits in TSval keeps its clock in the rest (as Linux does).
    const serverTsOffset = 0x1234_0000 - 5;
    const syn = { seq: seg.seq, mss: seg.options.mss, ws: seg.options.windowScale, sack: seg.options.sackPermitted, ts: seg.options.tsValue };
    const synAck: TcpRepr = {
      srcPort: 80, dstPort: 40000, seq: cookie, ack: seqAdd(syn.seq, 1), flags: F.SYN | F.ACK, window: 65535, urgentPointer: 0,
      options: { mss: 1460, sackPermitted: true, timestamps: { value: 0x1234_0000, echo: syn.ts }, windowScale: windowScaleFor(config.recvBufferSize) },
      payloadLength: 0,
    };
    const synAckBytes = new Uint8Array(tcpBufferLen(synAck));
    emitTcp(synAck, synAckBytes, 0, { src: 2, dst: 1 });
    now.t = 5;
    expect(seg.readFrom(synAckBytes)).toBeNull();
    client.input(seg, now.t);
    client.poll(now.t, clientOut);
    expect(client.state).toBe(TcpState.ESTABLISHED);

    // The third segment carries the first data; it redeems the cookie.
    now.t = 10;
    expect(seg.readFrom(toServer.shift()!)).toBeNull();
    expect(seg.ack).toBe(seqAdd(cookie, 1));
    const server = TcpConnection.restore(seg, {
      localPort: 80, remotePort: 40000, iss: cookie, config, tsOffset: serverTsOffset, irs: syn.seq, peerMss: syn.mss, peerWindowScale: syn.ws,
      sackPermitted: syn.sack, timestamps: true, tsRecent: syn.ts,
    }, now.t);
    expect(server.state).toBe(TcpState.ESTABLISHED);
    expect(server.readable).toBeGreaterThan(0);

    const response = pattern(5, 50_000);
    let responded = 0;
    const gotByServer: number[] = [];
    const gotByClient: number[] = [];
    const buf = new Uint8Array(8192);
    for (let step = 0; step < 10_000; step++) {
      for (let n; (n = server.recv(buf)) > 0; ) gotByServer.push(...buf.subarray(0, n));
      for (let n; (n = client.recv(buf)) > 0; ) gotByClient.push(...buf.subarray(0, n));
      if (gotByServer.length === request.length && responded < response.length && server.writable > 0) {
        responded += server.send(response.subarray(responded));
        if (responded === response.length) server.shutdown();
      }
      if (client.eof && client.state === TcpState.CLOSE_WAIT) client.close();
      server.poll(now.t, serverOut);
      client.poll(now.t, clientOut);
      if (toServer.length === 0 && toClient.length === 0) {
        const next = Math.min(server.nextDeadline(), client.nextDeadline());
        if (next === Infinity) break;
        now.t = Math.max(now.t, next);
        continue;
      }
      now.t += 1;
      for (const b of toServer.splice(0)) {
        expect(seg.readFrom(b)).toBeNull();
        server.input(seg, now.t);
      }
      for (const b of toClient.splice(0)) {
        expect(seg.readFrom(b)).toBeNull();
        client.input(seg, now.t);
      }
    }
    expect(Uint8Array.from(gotByServer)).toEqual(request);
    expect(Uint8Array.from(gotByClient)).toEqual(response);
    expect(server.state).toBe(TcpState.CLOSED);
    expect(client.state).toBe(TcpState.CLOSED); // after TIME-WAIT
    expect(server.error).toBeNull();
    expect(client.error).toBeNull();
  });
});
