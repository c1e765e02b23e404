// TCP segment codec micro-benchmarks (vitest bench; not a test).
// Run: cd /work/main && npx vitest bench --run packages/tcp/bench
//
// What is measured, per segment: the receive checks the engine will run on
// every segment (checkTcp + readTimestamps: no allocation), the checked view,
// the full parse to a TcpRepr (allocates the repr), and emitTcp with a
// reused repr. The baseline in each group is the floor: the internet
// checksum over pseudo-header and segment alone (plus the payload copy when
// sending), which any TCP must pay without offload. vitest prints how many
// times faster the fastest entry is: the ratio to the floor is the codec's
// own cost.
import { bench, describe } from 'vitest';
import { fold, ipv4, sumWords } from '@stack/wire';
import {
  TcpFlags, TcpSegmentView, checkTcp, emitTcp, parseTcp, readTimestamps, tcpBufferLen, tcpPseudoHeaderSum, type TcpRepr,
} from '../src/index.js';

const SRC = ipv4('10.77.60.1');
const DST = ipv4('10.77.60.2');

function repr(payloadLength: number, flags: number): TcpRepr {
  return {
    srcPort: 40000, dstPort: 5555, seq: 0x6a36_8a33, ack: 0x62ec_7d8f, flags, window: 63, urgentPointer: 0,
    options: { timestamps: { value: 967662455, echo: 3620995546 } }, payloadLength,
  };
}
const DATA_REPR = repr(1448, TcpFlags.ACK | TcpFlags.PSH);
const ACK_REPR = repr(0, TcpFlags.ACK);
const PAYLOAD = new Uint8Array(1448).map((_, i) => i * 7);

function segment(r: TcpRepr, payload?: Uint8Array): Uint8Array {
  const out = new Uint8Array(tcpBufferLen(r));
  emitTcp(r, out, 0, { src: SRC, dst: DST, ...(payload ? { payload } : {}) });
  return out;
}
const DATA = segment(DATA_REPR, PAYLOAD);
const ACK = segment(ACK_REPR);
const TS = { value: 0, echo: 0 };
let sink = 0;

function floorVerify(seg: Uint8Array): void {
  sink ^= fold(sumWords(seg, 0, seg.length, tcpPseudoHeaderSum(SRC, DST, seg.length)));
}

for (const [name, seg] of [['data segment, 1448 bytes + timestamps', DATA], ['pure ACK + timestamps', ACK]] as const) {
  describe(`TCP receive: ${name}, checksum verified in software`, () => {
    bench('checkTcp + readTimestamps + field reads (the engine path, no allocation)', () => {
      if (checkTcp(seg, SRC, DST) !== null) return;
      if (readTimestamps(seg, TS)) sink ^= TS.value;
      sink ^= seg[13]! ^ seg.length;
    });
    bench('TcpSegmentView.checked + getters + readTimestamps', () => {
      const v = TcpSegmentView.checked(seg, SRC, DST);
      if (!v.ok) return;
      if (readTimestamps(seg, TS)) sink ^= TS.value;
      sink ^= v.value.seq ^ v.value.ack ^ v.value.flags ^ v.value.payload.length;
    });
    bench('parseTcp (full TcpRepr)', () => {
      const r = parseTcp(seg, SRC, DST);
      if (r.ok) sink ^= r.value.seq ^ (r.value.options.timestamps?.value ?? 0);
    });
    bench('floor: the checksum alone (baseline)', () => {
      floorVerify(seg);
    });
  });
}

describe('TCP receive: data segment, checksum verified by the device (offload)', () => {
  bench('checkTcp(verify = false) + readTimestamps', () => {
    if (checkTcp(DATA, SRC, DST, false) !== null) return;
    if (readTimestamps(DATA, TS)) sink ^= TS.value;
  });
  bench('parseTcp(verifyChecksum: false)', () => {
    const r = parseTcp(DATA, SRC, DST, { verifyChecksum: false });
    if (r.ok) sink ^= r.value.seq;
  });
});

const OUT = new Uint8Array(2048);
describe('TCP send: data segment, 1448 bytes + timestamps (repr reused)', () => {
  bench("emitTcp, payload copied, checksum 'compute'", () => {
    sink ^= emitTcp(DATA_REPR, OUT, 14 + 20, { src: SRC, dst: DST, payload: PAYLOAD });
  });
  bench("emitTcp, payload copied, checksum 'partial' (offload)", () => {
    sink ^= emitTcp(DATA_REPR, OUT, 14 + 20, { src: SRC, dst: DST, payload: PAYLOAD, checksum: 'partial' });
  });
  bench('floor: payload copy + checksum alone (baseline)', () => {
    OUT.set(PAYLOAD, 14 + 20 + 32);
    sink ^= fold(sumWords(OUT, 34, 34 + 1480, tcpPseudoHeaderSum(SRC, DST, 1480)));
  });
});

describe('TCP send: pure ACK + timestamps (repr reused)', () => {
  bench("emitTcp, checksum 'compute'", () => {
    sink ^= emitTcp(ACK_REPR, OUT, 34, { src: SRC, dst: DST });
  });
});

export { sink };
