import { expect } from 'vitest';
import { SeededRandom } from '@stack/sim';
import { resolveTcpConfig, type TcpConfig } from '../config.js';
import { formatTcpSegment } from '../wire/format.js';
import { TcpFlags } from '../wire/fields.js';
import { emitTcp, tcpBufferLen, tcpHeaderLen, type TcpRepr } from '../wire/segment.js';
import { seqAdd } from '../wire/seq.js';
import { listenerInput, resetFor } from './closed.js';
import { TcpConnection } from './connection.js';
import { SegmentIn, SegmentOut, type TcpOutput } from './segment.js';
import { TcpState } from './state.js';

// Test-only (not built): two engines back to back through a lossy, reordering, duplicating
// channel in virtual time. Every run is seeded: a failure prints the seed
// and the parameters, and `simulate(...)` with them replays it exactly.

const ADDR_A = 0x0a000001;
const ADDR_B = 0x0a000002;

export interface SimParams {
  seed: number;
  loss: number;
  duplicate: number;
  /** Extra random delay 0..jitter ms on top of 5 ms: reorders segments. */
  jitter: number;
  /**
   * Serialization time per segment in ms (a link of limited rate): the
   * segments of a burst leave, and arrive, this far apart, so the receiver
   * sees them one by one. 0 (the default): a burst arrives at once.
   */
  spacing?: number;
  /** `TcpOpenOptions.gsoMaxSize` of both ends (the channel cuts GSO segments). */
  gsoMaxSize?: number;
  sizeA: number;
  sizeB: number;
  config: TcpConfig;
  /** Prints every segment when set (debugging a seed). */
  trace?: boolean;
}

interface Packet {
  at: number;
  order: number;
  toB: boolean;
  bytes: Uint8Array;
}

export interface SimResult {
  receivedByB: Uint8Array;
  receivedByA: Uint8Array;
  sentByA: Uint8Array;
  sentByB: Uint8Array;
  a: TcpConnection;
  b: TcpConnection | null;
  end: number;
  segments: number;
  /** Payload bytes the channel dropped toward B and toward A (first transmissions and retransmissions alike). */
  lostToB: number;
  lostToA: number;
}

/** Runs one transfer: A connects, both send their data, shut down, read to EOF; stops when both are CLOSED. */
export function simulate(p: SimParams): SimResult {
  const rnd = new SeededRandom(p.seed);
  // Retry limits well above the defaults: at 30 % loss 16 failures in a row happen in long runs of tiny segments.
  // Keepalive: 9 probes (the default) at 100 ms all lost both ways at 15 % does happen over hours of virtual time.
  const config = resolveTcpConfig({ synRetries: 12, retries: 30, keepaliveCount: 40, ...p.config });
  const sentByA = new Uint8Array(p.sizeA);
  const sentByB = new Uint8Array(p.sizeB);
  rnd.fill(sentByA);
  rnd.fill(sentByB);
  const recvA: Uint8Array[] = [];
  const recvB: Uint8Array[] = [];
  const queue: Packet[] = [];
  let order = 0;
  let segments = 0;
  let lostToB = 0;
  let lostToA = 0;
  let now = 0;
  /** When each direction's link is free again (with `spacing`). */
  const linkFree = [0, 0];

  const scratch = new Uint8Array(70_000);
  /** One segment onto the link toward B or A: serialized, maybe lost, maybe duplicated, delayed. */
  const wire = (toB: boolean, r: TcpRepr, payload: Uint8Array | null): void => {
    segments++;
    const total = tcpBufferLen(r);
    if (payload === null) emitTcp(r, scratch, 0, { src: toB ? ADDR_A : ADDR_B, dst: toB ? ADDR_B : ADDR_A });
    else emitTcp(r, scratch, 0, { src: toB ? ADDR_A : ADDR_B, dst: toB ? ADDR_B : ADDR_A, payload });
    let depart = now;
    if (p.spacing !== undefined && p.spacing > 0) {
      depart = Math.max(now, linkFree[toB ? 0 : 1]!) + p.spacing;
      linkFree[toB ? 0 : 1] = depart;
    }
    const lost = rnd.float() < p.loss;
    if (p.trace === true) console.log(`${now} ${toB ? 'A>B' : 'B>A'} ${formatTcpSegment(r)}${lost ? ' LOST' : ''}`);
    if (lost) {
      if (toB) lostToB += r.payloadLength;
      else lostToA += r.payloadLength;
      return; // lost on the wire, but sent
    }
    const copies = rnd.float() < p.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      queue.push({ at: depart + 5 + rnd.below(p.jitter + 1), order: order++, toB, bytes: scratch.slice(0, total) });
    }
  };
  const makeOutput = (toB: boolean): TcpOutput => ({
    emit(seg: SegmentOut): boolean {
      if (seg.gsoSize > 0 && seg.payloadLength > seg.gsoSize) {
        // A GSO segment: cut it as a device would, FIN and PSH on the last piece only.
        const payload = new Uint8Array(seg.payloadLength);
        seg.copyPayload(payload);
        for (let off = 0; off < seg.payloadLength; off += seg.gsoSize) {
          const len = Math.min(seg.gsoSize, seg.payloadLength - off);
          const last = off + len === seg.payloadLength;
          const piece: TcpRepr = {
            srcPort: seg.srcPort, dstPort: seg.dstPort, seq: seqAdd(seg.seq, off), ack: seg.ack,
            flags: last ? seg.flags : seg.flags & ~(TcpFlags.FIN | TcpFlags.PSH), window: seg.window, urgentPointer: 0,
            options: seg.options, payloadLength: len,
          };
          wire(toB, piece, payload.subarray(off, off + len));
        }
        return true;
      }
      seg.copyPayload(scratch.subarray(tcpHeaderLen(seg), tcpBufferLen(seg)));
      wire(toB, seg, null);
      return true;
    },
  });
  const toB = makeOutput(true);
  const toA = makeOutput(false);
  const strayOut = new SegmentOut();

  const gsoOpt = p.gsoMaxSize !== undefined ? { gsoMaxSize: p.gsoMaxSize } : {};
  const a = TcpConnection.connect({ localPort: 40000, remotePort: 80, iss: rnd.u32(), tsOffset: rnd.u32(), config, ...gsoOpt });
  let b = null as TcpConnection | null;
  const seg = new SegmentIn();
  let sentA = 0;
  let sentB = 0;
  let shutA = false;
  let shutB = false;
  const readBuf = new Uint8Array(4096);

  const app = (): void => {
    for (const [c, side] of [[a, 'A'], [b, 'B']] as const) {
      if (c === null) continue;
      const data = side === 'A' ? sentByA : sentByB;
      let sent = side === 'A' ? sentA : sentB;
      if (c.writable > 0 && sent < data.length) sent += c.send(data.subarray(sent, Math.min(data.length, sent + 1 + rnd.below(20_000))));
      if (side === 'A') sentA = sent;
      else sentB = sent;
      const shut = side === 'A' ? shutA : shutB;
      if (!shut && sent === data.length && c.state !== TcpState.SYN_SENT && c.state !== TcpState.CLOSED) {
        c.shutdown();
        if (side === 'A') shutA = true;
        else shutB = true;
      }
      for (let n; (n = c.recv(readBuf.subarray(0, 1 + rnd.below(readBuf.length)))) > 0; ) (side === 'A' ? recvA : recvB).push(readBuf.slice(0, n));
      c.poll(now, side === 'A' ? toB : toA);
    }
  };

  const deliver = (pkt: Packet): void => {
    const err = seg.readFrom(pkt.bytes);
    if (err !== null) throw new Error(`seed ${p.seed}: unreadable segment ${err.message}`);
    if (pkt.toB) {
      if (b === null) {
        const verdict = listenerInput(seg);
        if (verdict === 'accept') b = TcpConnection.accept(seg, { localPort: 80, remotePort: 40000, iss: rnd.u32(), tsOffset: rnd.u32(), config, ...gsoOpt });
        else if (verdict === 'reset' && resetFor(seg, strayOut)) toA.emit(strayOut);
        return;
      }
      if (b.state === TcpState.CLOSED) {
        if (resetFor(seg, strayOut)) toA.emit(strayOut);
        return;
      }
      b.input(seg, now);
    } else {
      if (a.state === TcpState.CLOSED) {
        if (resetFor(seg, strayOut)) toB.emit(strayOut);
        return;
      }
      a.input(seg, now);
    }
  };

  app();
  const limit = 86_400_000; // a virtual day: 1-byte buffers under 15% loss take hours
  for (let steps = 0; ; steps++) {
    if (a.state === TcpState.CLOSED && (b === null || b.state === TcpState.CLOSED) && queue.length === 0) break;
    if (steps > 2_000_000) throw new Error(`seed ${p.seed}: no end after ${steps} steps`);
    let next = Math.min(a.nextDeadline(), b?.nextDeadline() ?? Infinity);
    for (const pkt of queue) if (pkt.at < next) next = pkt.at;
    if (next === Infinity) break;
    now = Math.max(now, next);
    if (now > limit) throw new Error(`seed ${p.seed}: still running at t=${now}: A ${a.state}, B ${b?.state}`);
    queue.sort((x, y) => x.at - y.at || x.order - y.order);
    while (queue.length > 0 && queue[0]!.at <= now) deliver(queue.shift()!);
    app();
  }
  const concat = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of parts) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  return { receivedByA: concat(recvA), receivedByB: concat(recvB), sentByA, sentByB, a, b, end: now, segments, lostToB, lostToA };
}

/** Runs `p` and checks the outcome: every byte arrived once and in order both ways, both CLOSED without error, no timer left. */
export function check(p: SimParams): SimResult {
  const r = simulate(p);
  const where = `seed ${p.seed} (params ${JSON.stringify(p)})`;
  expect(r.b, where).not.toBeNull();
  expect(r.a.error, where).toBeNull();
  expect(r.b!.error, where).toBeNull();
  expect(r.a.state, where).toBe(TcpState.CLOSED);
  expect(r.b!.state, where).toBe(TcpState.CLOSED);
  expect(r.receivedByB.length, where).toBe(r.sentByA.length);
  expect(r.receivedByA.length, where).toBe(r.sentByB.length);
  expect(Buffer.compare(r.receivedByB, r.sentByA), where).toBe(0);
  expect(Buffer.compare(r.receivedByA, r.sentByB), where).toBe(0);
  expect(r.a.nextDeadline(), where).toBe(Infinity);
  expect(r.b!.nextDeadline(), where).toBe(Infinity);
  return r;
}
