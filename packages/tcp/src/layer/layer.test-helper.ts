// A TCP layer over a FakeIp in virtual time, with helpers to hand it
// segments from a peer and read what it wrote back, parsed.
import type { Flow } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { FakeIp, LOCAL, PEER, ipv4Datagram } from '@stack/testkit/fake-ip';
import { PROTOCOL_TCP } from '../wire/fields.js';
import type { TcpOptions } from '../wire/options.js';
import { emitTcp, parseTcp, tcpBufferLen, type TcpRepr } from '../wire/segment.js';
import { createTcp, type Tcp } from './layer.js';
import type { TcpLayerConfig } from './config.js';

export { LOCAL, PEER };

/** A segment the peer sends: ports and flags required, the rest defaulted. */
export interface PeerSegment {
  srcPort: number;
  dstPort: number;
  flags: number;
  seq?: number;
  ack?: number;
  window?: number;
  options?: TcpOptions;
  payload?: Uint8Array;
  /** Source address (default PEER). */
  src?: number;
}

export interface LayerRig {
  readonly sched: SimScheduler;
  readonly ip: FakeIp;
  readonly tcp: Tcp;
  readonly flows: Flow[];
  /** Hands the layer a segment from the peer. */
  inject(s: PeerSegment, extra?: { broadcast?: boolean; corrupt?: boolean }): void;
  /** Parsed segments the layer wrote since the last call (and clears them). */
  sent(): (TcpRepr & { dst: number; src: number; payload: Uint8Array })[];
}

export function layerRig(config: TcpLayerConfig = {}, seed = 1): LayerRig {
  const sched = new SimScheduler();
  const ip = new FakeIp();
  const tcp = createTcp(ip, { scheduler: sched, random: new SeededRandom(seed) }, config);
  const flows: Flow[] = [];
  return {
    sched,
    ip,
    tcp,
    flows,
    inject(s, extra = {}) {
      const repr: TcpRepr = {
        srcPort: s.srcPort, dstPort: s.dstPort, seq: s.seq ?? 0, ack: s.ack ?? 0, flags: s.flags, window: s.window ?? 65535,
        urgentPointer: 0, options: s.options ?? {}, payloadLength: s.payload?.length ?? 0,
      };
      const bytes = new Uint8Array(tcpBufferLen(repr));
      const src = s.src ?? PEER;
      const dst = extra.broadcast ? 0xffff_ffff : LOCAL;
      emitTcp(repr, bytes, 0, { src, dst, ...(s.payload ? { payload: s.payload } : {}) });
      if (extra.corrupt) bytes[bytes.length - 1]! ^= 0x55;
      ip.deliver(ipv4Datagram({ src, dst, protocol: PROTOCOL_TCP, payload: bytes }), { broadcast: extra.broadcast ?? false });
    },
    sent() {
      const out = ip.written.splice(0).filter((w) => w.protocol === PROTOCOL_TCP).map((w) => {
        const r = parseTcp(w.bytes, w.src, w.dst);
        if (!r.ok) throw new Error(`the layer wrote a bad segment: ${r.error.message}`);
        return { ...r.value, dst: w.dst, src: w.src, payload: w.bytes.subarray(w.bytes.length - r.value.payloadLength) };
      });
      return out;
    },
  };
}

/** Two TCP layers whose FakeIps deliver to each other `delay` ms later (a wire with no faults). */
export interface PairRig {
  readonly sched: SimScheduler;
  readonly a: Tcp;
  readonly b: Tcp;
  /** Segments each side wrote, for checks (not cleared). */
  readonly ipA: FakeIp;
  readonly ipB: FakeIp;
  /** Drops every segment from now on (a cut cable) or restores the wire. */
  cut(on: boolean): void;
}

export function pairRig(configA: TcpLayerConfig = {}, configB: TcpLayerConfig = configA, delay = 1): PairRig {
  const sched = new SimScheduler();
  const ipA = new FakeIp(PEER);
  const ipB = new FakeIp(LOCAL);
  let cut = false;
  const wire = (from: FakeIp, to: FakeIp) => {
    const write = from.write.bind(from);
    from.write = (dst, protocol, length, fill, options) => {
      const r = write(dst, protocol, length, fill, options);
      const w = from.written[from.written.length - 1]!;
      if (!cut) {
        const datagram = ipv4Datagram({ src: w.src, dst: w.dst, protocol: w.protocol, payload: w.bytes });
        sched.at(sched.now() + delay, () => to.deliver(datagram, { broadcast: false }));
      }
      return r;
    };
  };
  wire(ipA, ipB);
  wire(ipB, ipA);
  const a = createTcp(ipA, { scheduler: sched, random: new SeededRandom(1) }, configA);
  const b = createTcp(ipB, { scheduler: sched, random: new SeededRandom(2) }, configB);
  return { sched, a, b, ipA, ipB, cut: (on) => void (cut = on) };
}
