// Parse + emit of an Ethernet II header: @stack/ethif against a plain
// DataView codec (the "obvious" JS implementation) in the same run. vitest
// prints the ratio ("x times faster than"). Not a test: nothing asserts on time.
//   npx vitest bench --run --project unit packages/ethif/bench
// Caveat: vitest reads every imported binding through module-namespace
// getters, which penalises a codec built from shared helpers (@stack/wire,
// fields.ts) and not the DataView peer; here the peer comes out ahead.
// ethernet-node.ts runs the same pair as a plain Node loop, linked the way an
// application links them, where @stack/ethif is ~4x faster.
import { bench, describe } from 'vitest';
import { emitEthernet, parseEthernet } from '../src/index.js';
import { dvEmit, dvParse } from './dataview-peer.js';

const frame = new Uint8Array(1514);
emitEthernet({ dst: 0x020000000002, src: 0x020000000001, etherType: 0x0800 }, frame);
const tagged = new Uint8Array(1518);
emitEthernet({ dst: 0x020000000002, src: 0x020000000001, etherType: 0x0800, vlan: { pcp: 3, dei: false, vid: 100 } }, tagged);
const out = new Uint8Array(1518);
let sink = 0;

describe('Ethernet header parse + emit (untagged)', () => {
  bench('@stack/ethif', () => {
    const r = parseEthernet(frame);
    if (r.ok) sink += emitEthernet(r.value, out, 0);
  });
  bench('DataView peer', () => {
    const r = dvParse(frame);
    if (r) sink += dvEmit(r, out, 0);
  });
});

describe('Ethernet header parse + emit (802.1Q)', () => {
  bench('@stack/ethif', () => {
    const r = parseEthernet(tagged);
    if (r.ok) sink += emitEthernet(r.value, out, 0);
  });
  bench('DataView peer', () => {
    const r = dvParse(tagged);
    if (r) sink += dvEmit(r, out, 0);
  });
});

export { sink };
