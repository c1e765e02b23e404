// The same comparison as ethernet.bench.ts, as a plain Node loop:
//   node --conditions=@stack/source --import tsx packages/ethif/bench/ethernet-node.ts
// Why both: under `vitest bench` every imported binding (the @stack/wire byte
// helpers, the fields.ts offsets) is read through vite-node's module
// namespace getters, which costs a codec built from small shared helpers
// far more than a DataView peer that calls only built-ins. Plain Node (or
// the tsup bundle) links them directly, as an application does.
import { emitEthernet, parseEthernet, type EthernetRepr } from '../src/index.js';
import { dvEmit, dvParse } from './dataview-peer.js';

const N = 2_000_000;
const out = new Uint8Array(1518);
let sink = 0;

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t0) / N;
}

for (const repr of [
  { dst: 0x020000000002, src: 0x020000000001, etherType: 0x0800 },
  { dst: 0x020000000002, src: 0x020000000001, etherType: 0x0800, vlan: { pcp: 3, dei: false, vid: 100 } },
] satisfies EthernetRepr[]) {
  const frame = new Uint8Array(1518);
  emitEthernet(repr, frame);
  const ours = () => {
    const r = parseEthernet(frame);
    if (r.ok) sink += emitEthernet(r.value, out, 0);
  };
  const peer = () => {
    const r = dvParse(frame);
    if (r) sink += dvEmit(r, out, 0);
  };
  for (let warm = 0; warm < 3; warm++) { time(ours); time(peer); }
  const a = time(ours);
  const b = time(peer);
  console.log(`${repr.vlan ? '802.1Q  ' : 'untagged'}  @stack/ethif ${a.toFixed(1)} ns/op  DataView peer ${b.toFixed(1)} ns/op  ratio ${(b / a).toFixed(2)}x`);
}
if (sink === 0) console.log('(sink)');
