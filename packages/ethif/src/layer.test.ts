import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  isStackError, plainCapabilities, type DeviceCapabilities, type EthernetRxInfo, type FrameHandler, type NetDevice, type RxMeta,
  type TxMeta,
} from '@stack/interfaces';
import { SimScheduler } from '@stack/sim';
import { fromHex, toHex } from '@stack/wire';
import { createEthernet } from './layer.js';
import { ETHERNET_DEFAULTS } from './config.js';
import { EtherType } from './ethertype.js';
import { emitEthernet, parseEthernet, type EthernetRepr } from './wire/ethernet.js';
import { linuxFixture } from './fixtures/linux.js';

const OUR_MAC = 0x020000000001;
const PEER_MAC = 0x020000000002;
const META: RxMeta = { checksumVerified: false, checksumPartial: false };

/** A NetDevice that records copies of what is transmitted and lets the test inject frames. */
class RecordingDevice implements NetDevice {
  readonly name = 'fake0';
  readonly mac: number;
  readonly mtu: number;
  readonly capabilities: DeviceCapabilities;
  readonly stats = { rxFrames: 0, rxBytes: 0, txFrames: 0, txBytes: 0, rxDropped: 0, txDropped: 0 };
  readonly sent: Uint8Array[] = [];
  /** The buffers transmit was handed (not copies), to check they are views of one scratch buffer. */
  readonly handed: Uint8Array[] = [];
  /** Copies of the meta each transmit was handed (undefined: none). */
  readonly metas: (TxMeta | undefined)[] = [];
  handler: FrameHandler | undefined;
  up = true;

  constructor(capabilities: DeviceCapabilities = plainCapabilities(1500), mac = OUR_MAC) {
    this.mac = mac;
    this.capabilities = capabilities;
    this.mtu = capabilities.mtu;
  }
  transmit(frame: Uint8Array, meta?: TxMeta): boolean {
    if (!this.up) return false;
    this.metas.push(meta === undefined ? undefined : { ...meta });
    this.handed.push(frame);
    this.sent.push(frame.slice());
    return true;
  }
  onReceive(handler: FrameHandler): void {
    this.handler = handler;
  }
  deliver(frame: Uint8Array): void {
    this.handler?.(frame, META);
  }
  async close(): Promise<void> {
    this.up = false;
  }
}

function frame(repr: EthernetRepr, payload: Uint8Array | number[]): Uint8Array {
  const p = Uint8Array.from(payload);
  const buf = new Uint8Array((repr.vlan ? 18 : 14) + p.length);
  const n = emitEthernet(repr, buf);
  buf.set(p, n);
  return buf;
}

interface Got {
  payload: string;
  /** The info object as handed (shared between frames). */
  info: EthernetRxInfo;
  /** Its fields copied during the callback. */
  copy: { src: number; dst: number; etherType: number; vlan: number };
}

function setup(config = {}, capabilities?: DeviceCapabilities) {
  const device = new RecordingDevice(capabilities);
  const eth = createEthernet(device, { scheduler: new SimScheduler() }, config);
  const got: Got[] = [];
  const handler = (payload: Uint8Array, info: EthernetRxInfo): void => {
    // copy the fields now: the info object is reused for the next frame
    got.push({ payload: toHex(payload), info, copy: { src: info.src, dst: info.dst, etherType: info.etherType, vlan: info.vlan } });
  };
  eth.register(0x0800, handler);
  eth.register(0x0806, handler);
  return { device, eth, got };
}

describe('Ethernet layer: receive', () => {
  it('installs itself as the device handler and demuxes by EtherType', () => {
    const { device, eth, got } = setup();
    expect(device.handler).toBe(eth.input);
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800 }, [0x45, 0x00]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0806 }, [0x00, 0x01]));
    expect(got.map((g) => [g.payload, g.copy.etherType, g.copy.src, g.copy.dst, g.copy.vlan])).toEqual([
      ['4500', 0x0800, PEER_MAC, OUR_MAC, -1],
      ['0001', 0x0806, PEER_MAC, OUR_MAC, -1],
    ]);
    expect(eth.stats.rx).toBe(2);
  });

  it('reuses one info object for every frame (valid during the callback only)', () => {
    const { device, got } = setup();
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800 }, [1]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0806 }, [2]));
    expect(got[0]!.info).toBe(got[1]!.info);
    expect(got[0]!.info.meta).toBe(META);
  });

  it('hands the payload as a view of the frame, not a copy', () => {
    const { device, eth } = setup();
    const f = frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800 }, [9, 9, 9]);
    let seen: Uint8Array | undefined;
    eth.register(0x0800, (p) => { seen = p; });
    device.deliver(f);
    expect(seen!.buffer).toBe(f.buffer);
    expect(seen!.byteOffset).toBe(f.byteOffset + 14);
  });

  it('filters by destination MAC: ours, broadcast, joined multicast', () => {
    const { device, eth, got } = setup();
    const to = (dst: number): void => device.deliver(frame({ dst, src: PEER_MAC, etherType: 0x0800 }, [dst & 0xff]));
    to(OUR_MAC);
    to(0xffffffffffff);
    to(PEER_MAC); // someone else's unicast
    to(0x01005e0000fb); // multicast, not joined
    eth.joinMulticast(0x01005e0000fb);
    to(0x01005e0000fb);
    eth.leaveMulticast(0x01005e0000fb);
    to(0x01005e0000fb);
    expect(got.map((g) => g.payload)).toEqual(['01', 'ff', 'fb']);
    expect(eth.stats.dropped.notForUs).toBe(3);
  });

  it('counts multicast joins: two joins need two leaves', () => {
    const { device, eth, got } = setup();
    eth.joinMulticast(0x01005e000001);
    eth.joinMulticast(0x01005e000001);
    eth.leaveMulticast(0x01005e000001);
    device.deliver(frame({ dst: 0x01005e000001, src: PEER_MAC, etherType: 0x0800 }, [1]));
    eth.leaveMulticast(0x01005e000001);
    eth.leaveMulticast(0x01005e000001); // extra leave: no effect
    device.deliver(frame({ dst: 0x01005e000001, src: PEER_MAC, etherType: 0x0800 }, [2]));
    expect(got.map((g) => g.payload)).toEqual(['01']);
  });

  it('accepts configured multicast from the start, and everything when promiscuous', () => {
    const a = setup({ multicast: [0x333300000001] });
    a.device.deliver(frame({ dst: 0x333300000001, src: PEER_MAC, etherType: 0x0800 }, [1]));
    expect(a.got).toHaveLength(1);
    const p = setup({ promiscuous: true });
    p.device.deliver(frame({ dst: 0x0200000000aa, src: PEER_MAC, etherType: 0x0800 }, [2]));
    p.device.deliver(frame({ dst: 0x0100000000aa, src: PEER_MAC, etherType: 0x0800 }, [3]));
    expect(p.got.map((g) => [g.payload, g.copy.dst])).toEqual([['02', 0x0200000000aa], ['03', 0x0100000000aa]]);
  });

  it('refuses a unicast MAC as a multicast group', () => {
    const { eth } = setup();
    expect(() => eth.joinMulticast(0x020000000005)).toThrow(/group MAC/);
    expect(() => createEthernet(new RecordingDevice(), { scheduler: new SimScheduler() }, { multicast: [PEER_MAC] })).toThrow(/ethernet.multicast/);
  });

  it('in a VLAN: strips the tag of our VLAN, drops other VLANs, priority tags and untagged frames', () => {
    const { device, eth, got } = setup({ vlan: 100 });
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800, vlan: { pcp: 3, dei: true, vid: 100 } }, [0x45]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 200 } }, [0x46]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800 }, [0x47])); // untagged: not our VLAN
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800, vlan: { pcp: 5, dei: false, vid: 0 } }, [0x48])); // priority tag
    device.deliver(frame({ dst: 0xffffffffffff, src: PEER_MAC, etherType: 0x0806, vlan: { pcp: 0, dei: false, vid: 100 } }, [0x49]));
    expect(got.map((g) => [g.payload, g.copy.vlan, g.copy.etherType])).toEqual([
      ['45', 100, 0x0800],
      ['49', 100, 0x0806],
    ]);
    expect(eth.stats.dropped.vlan).toBe(3);
  });

  it('without a VLAN: drops tagged frames, but accepts priority-tagged ones (VID 0) as Linux does', () => {
    const { device, eth, got } = setup();
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 5 } }, [1]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 4095 } }, [2]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800, vlan: { pcp: 6, dei: false, vid: 0 } }, [3]));
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x0800 }, [4]));
    expect(got.map((g) => [g.payload, g.copy.vlan])).toEqual([['03', 0], ['04', -1]]);
    expect(eth.stats.dropped.vlan).toBe(2);
  });

  it('counts truncated frames and unknown EtherTypes', () => {
    const { device, eth, got } = setup({ vlan: 5 });
    device.deliver(new Uint8Array(13));
    device.deliver(fromHex('020000000001 020000000002 8100 0005')); // tag cut short
    device.deliver(frame({ dst: OUR_MAC, src: PEER_MAC, etherType: 0x88cc, vlan: { pcp: 0, dei: false, vid: 5 } }, [1]));
    expect(got).toHaveLength(0);
    expect(eth.stats.dropped).toMatchObject({ truncated: 2, unknownEthertype: 1, vlan: 0 });
    expect(eth.stats.rx).toBe(3);
  });

  it('validates config', () => {
    const mk = (config: object) => () => createEthernet(new RecordingDevice(), { scheduler: new SimScheduler() }, config);
    for (const vlan of [4095, 0, 1.5, -1, '100']) expect(mk({ vlan }), String(vlan)).toThrow(/ethernet.vlan: .*1..4094/);
    expect(mk({ promiscuous: 'yes' })).toThrow(/boolean/);
    expect(mk({ multicast: 0x01005e0000fb })).toThrow(/ethernet.multicast must be an array/);
    for (const bad of [{ vlan: 0 }, { promiscuous: 1 }, null, 'x']) {
      try {
        mk(bad as object)();
        expect.unreachable();
      } catch (e) {
        expect(isStackError(e, 'ERR_INVALID_CONFIG')).toBe(true);
      }
    }
    expect(createEthernet(new RecordingDevice(), { scheduler: new SimScheduler() }, { vlan: 4094 }).config.vlan).toBe(4094);
    expect(createEthernet(new RecordingDevice(), { scheduler: new SimScheduler() }, { vlan: 1 }).config.vlan).toBe(1);
  });

  it('refuses unknown config options (a typo), naming the option and the known ones', () => {
    const mk = (config: object) => () => createEthernet(new RecordingDevice(), { scheduler: new SimScheduler() }, config);
    expect(mk({ promiscous: true })).toThrow('ethernet.promiscous is not an option (known: promiscuous, multicast, vlan)');
    // the old list form is refused too, not silently ignored
    expect(mk({ vlans: [100] })).toThrow(/ethernet.vlans is not an option/);
    try {
      mk({ promiscuous: true, mtu: 9000 })();
      expect.unreachable();
    } catch (e) {
      expect(isStackError(e, 'ERR_INVALID_CONFIG')).toBe(true);
      expect((e as Error).message).toContain('mtu');
    }
    // explicit undefined for a known option is fine (exactOptionalPropertyTypes aside)
    expect(mk({ promiscuous: undefined, vlan: undefined }) ().config).toEqual({ promiscuous: false, multicast: [], vlan: null });
  });

  it('freezes its defaults, the EtherType table and resolved configs (strict mode: writes throw)', () => {
    const before = JSON.stringify(ETHERNET_DEFAULTS);
    expect(() => { (ETHERNET_DEFAULTS as { promiscuous: boolean }).promiscuous = true; }).toThrow(TypeError);
    expect(() => { (ETHERNET_DEFAULTS.multicast as number[]).push(0x01005e000001); }).toThrow(TypeError);
    expect(() => { (EtherType as Record<string, number>).IPv4 = 0x86dd; }).toThrow(TypeError);
    expect(() => { (EtherType as Record<string, number>).Mine = 0x1234; }).toThrow(TypeError);
    expect(JSON.stringify(ETHERNET_DEFAULTS)).toBe(before);
    expect(EtherType.IPv4).toBe(0x0800);
    const eth = setup({ multicast: [0x01005e0000fb] }).eth;
    expect(() => { (eth.config as { promiscuous: boolean }).promiscuous = true; }).toThrow(TypeError);
    expect(() => { (eth.config.multicast as number[]).length = 0; }).toThrow(TypeError);
    // and another layer made afterwards still gets the real defaults
    expect(setup().eth.config).toEqual({ promiscuous: false, multicast: [], vlan: null });
  });

  it('property: random frames never throw, and only well-formed frames for us are delivered', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }), fc.boolean(), fc.nat(3), (frames, prefix, vlan) => {
        const { device, eth, got } = setup(vlan === 0 ? {} : { vlan });
        for (const f of frames) {
          if (prefix && f.length >= 6) f.set([0x02, 0, 0, 0, 0, 0x01]);
          device.deliver(f);
        }
        const d = eth.stats.dropped;
        expect(eth.stats.rx).toBe(frames.length);
        expect(got.length + d.truncated + d.notForUs + d.vlan + d.unknownEthertype).toBe(frames.length);
        for (const f of frames) if (f.length >= 14) expect(parseEthernet(f).ok || f[12] === 0x81).toBe(true);
      }),
    );
  });
});

describe('Ethernet layer: transmit', () => {
  it('writes the header and lets the upper layer fill the payload in place', () => {
    const { device, eth } = setup();
    const payload = Uint8Array.from({ length: 100 }, (_, i) => i);
    let region: Uint8Array | undefined;
    expect(eth.write(PEER_MAC, 0x0800, 100, (buf) => { region = buf; buf.set(payload); })).toBe(true);
    expect(region!.length).toBe(100);
    const sent = device.sent[0]!;
    expect(sent.length).toBe(114);
    expect(parseEthernet(sent)).toEqual({ ok: true, value: { dst: PEER_MAC, src: OUR_MAC, etherType: 0x0800 } });
    expect(toHex(sent.subarray(14))).toBe(toHex(payload));
    // the region was the frame buffer at headroom 14: no copy between fill and transmit
    expect(region!.buffer).toBe(device.handed[0]!.buffer);
    expect(region!.byteOffset).toBe(device.handed[0]!.byteOffset + 14);
    expect(eth.stats.tx).toBe(1);
  });

  it('reuses one transmit buffer for every frame', () => {
    const { device, eth } = setup();
    eth.write(PEER_MAC, 0x0800, 50, (b) => b.fill(1));
    eth.write(PEER_MAC, 0x0800, 1500, (b) => b.fill(2));
    expect(device.handed[0]!.buffer).toBe(device.handed[1]!.buffer);
  });

  it('writes into the device\'s memory when it offers txBuffer, and hands that very view over', () => {
    const device = new RecordingDevice();
    const memory = new Uint8Array(4096).fill(0xaa); // not zeroed, as a link's reused memory
    let at = 0;
    const asked: number[] = [];
    const owned = Object.assign(device, {
      txBuffer(n: number): Uint8Array {
        asked.push(n);
        const v = memory.subarray(at, at + n);
        at += n;
        return v;
      },
    });
    const eth = createEthernet(owned, { scheduler: new SimScheduler() });
    eth.write(PEER_MAC, 0x0800, 100, (b) => b.fill(1));
    eth.write(PEER_MAC, 0x0806, 28, (b) => b.fill(2)); // a runt: padded to 60 in device memory, with zeros
    expect(asked).toEqual([114, 60]);
    expect(device.handed[0]!.buffer).toBe(memory.buffer);
    expect(device.handed[0]!.byteOffset).toBe(0);
    expect(device.handed[1]!.byteOffset).toBe(114);
    expect(toHex(device.sent[1]!.subarray(14))).toBe('02'.repeat(28) + '00'.repeat(18));
    expect(parseEthernet(device.sent[0]!)).toEqual({ ok: true, value: { dst: PEER_MAC, src: OUR_MAC, etherType: 0x0800 } });
  });

  it('pads frames shorter than 60 bytes with zeros', () => {
    const { device, eth } = setup();
    eth.write(PEER_MAC, 0x0800, 1500, (b) => b.fill(0xaa)); // leaves 0xaa in the scratch buffer
    eth.write(0xffffffffffff, 0x0806, 28, (b) => b.fill(0x11));
    eth.write(PEER_MAC, 0x0800, 46, (b) => b.fill(0x22)); // exactly the minimum: no pad
    eth.write(PEER_MAC, 0x0800, 0, () => {});
    const [, arp, min, empty] = device.sent;
    expect(arp!.length).toBe(60);
    expect(toHex(arp!.subarray(14, 42))).toBe('11'.repeat(28));
    expect(toHex(arp!.subarray(42))).toBe('00'.repeat(18));
    expect(min!.length).toBe(60);
    expect(toHex(min!.subarray(14))).toBe('22'.repeat(46));
    expect(empty!.length).toBe(60);
    expect(toHex(empty!.subarray(14))).toBe('00'.repeat(46));
  });

  it('refuses a payload over the MTU (tooBig)', () => {
    const { device, eth } = setup({}, plainCapabilities(1500));
    let called = false;
    expect(eth.write(PEER_MAC, 0x0800, 1501, () => { called = true; })).toBe(false);
    expect(called).toBe(false);
    expect(device.sent).toHaveLength(0);
    expect(eth.stats.dropped.tooBig).toBe(1);
    expect(eth.write(PEER_MAC, 0x0800, 1500, () => {})).toBe(true);
  });

  it('accepts GSO frames (meta.gsoSize) up to the GSO limit when the device cuts segments, and passes the meta on', () => {
    const caps: DeviceCapabilities = { ...plainCapabilities(1500), gsoMaxSize: 65_535 };
    const { device, eth } = setup({}, caps);
    const meta: TxMeta = { gsoSize: 1448 };
    expect(eth.write(PEER_MAC, 0x0800, 65_535, (b) => b.fill(7), meta)).toBe(true);
    expect(device.sent[0]!.length).toBe(14 + 65_535);
    expect(device.metas[0]).toEqual({ gsoSize: 1448 });
    expect(eth.write(PEER_MAC, 0x0800, 65_536, () => {}, meta)).toBe(false);
    // without gsoSize a frame over the MTU is refused: the device would drop it
    expect(eth.write(PEER_MAC, 0x0800, 1501, () => {})).toBe(false);
    expect(eth.write(PEER_MAC, 0x0800, 1501, () => {}, { gsoSize: 0 })).toBe(false);
    expect(eth.stats.dropped.tooBig).toBe(3);
    expect(device.sent).toHaveLength(1);
  });

  it('refuses a GSO write to a device without GSO, even one that fits the MTU', () => {
    const { device, eth } = setup({}, plainCapabilities(1500));
    expect(eth.write(PEER_MAC, 0x0800, 3000, () => {}, { gsoSize: 1000 })).toBe(false);
    expect(eth.write(PEER_MAC, 0x0800, 100, () => {}, { gsoSize: 40 })).toBe(false);
    expect(eth.stats.dropped.tooBig).toBe(2);
    expect(device.sent).toHaveLength(0);
    // gsoSize 0 means no GSO: an ordinary write
    expect(eth.write(PEER_MAC, 0x0800, 100, () => {}, { gsoSize: 0 })).toBe(true);
  });

  it('counts frames the device refused', () => {
    const { device, eth } = setup();
    device.up = false;
    expect(eth.write(PEER_MAC, 0x0800, 20, () => {})).toBe(false);
    expect(eth.stats.dropped.deviceDown).toBe(1);
    expect(eth.stats.tx).toBe(0);
  });

  it('throws on misuse: bad arguments, re-entrant write', () => {
    const { eth } = setup();
    expect(() => eth.write(PEER_MAC, 0x0800, -1, () => {})).toThrow(/length/);
    expect(() => eth.write(2 ** 48, 0x0800, 1, () => {})).toThrow(/MAC/);
    expect(() => eth.write(PEER_MAC, 0x10000, 1, () => {})).toThrow(/EtherType/);
    expect(() => eth.register(-1, () => {})).toThrow(/EtherType/);
    let inner: unknown;
    eth.write(PEER_MAC, 0x0800, 10, () => {
      try { eth.write(PEER_MAC, 0x0800, 10, () => {}); } catch (e) { inner = e; }
    });
    expect(isStackError(inner, 'ERR_INVALID_ARGUMENT')).toBe(true);
    // after the throw the layer still works
    expect(eth.write(PEER_MAC, 0x0800, 10, () => {})).toBe(true);
  });
});

/**
 * Two (or more) devices on one in-memory wire: transmit copies the frame and
 * delivers it to every other device 1 ms later, never synchronously.
 */
function wire(scheduler: SimScheduler, macs: number[]): RecordingDevice[] {
  const devices = macs.map((m) => new RecordingDevice(plainCapabilities(1500), m));
  for (const d of devices) {
    const transmit = d.transmit.bind(d);
    d.transmit = (f: Uint8Array): boolean => {
      if (!transmit(f)) return false;
      const copy = f.slice();
      for (const to of devices) if (to !== d) scheduler.at(scheduler.now() + 1, () => to.deliver(copy));
      return true;
    };
  }
  return devices;
}

describe('Ethernet layer: 802.1Q VLAN (access port)', () => {
  it('sends every frame tagged with its VLAN; the MTU stays the payload MTU', () => {
    const { device, eth } = setup({ vlan: 100 });
    expect(eth.mtu).toBe(1500);
    let region: Uint8Array | undefined;
    expect(eth.write(PEER_MAC, 0x0800, 1500, (b) => { region = b; b.fill(0x5a); })).toBe(true);
    const sent = device.sent[0]!;
    expect(sent.length).toBe(18 + 1500);
    expect(toHex(sent.subarray(12, 18))).toBe('8100' + '0064' + '0800'); // TPID, TCI (PCP 0, DEI 0, VID 100), inner type
    expect(parseEthernet(sent)).toEqual({ ok: true, value: { dst: PEER_MAC, src: OUR_MAC, etherType: 0x0800, vlan: { pcp: 0, dei: false, vid: 100 } } });
    expect(sent.subarray(18).every((b) => b === 0x5a)).toBe(true);
    expect(region!.byteOffset).toBe(device.handed[0]!.byteOffset + 18); // headroom 18: still zero-copy
    expect(eth.write(PEER_MAC, 0x0800, 1501, () => {})).toBe(false);
    expect(eth.stats.dropped.tooBig).toBe(1);
  });

  it('pads a tagged frame to 64 bytes (60 once a bridge strips the tag), with zeros', () => {
    const { device, eth } = setup({ vlan: 4094 });
    eth.write(PEER_MAC, 0x0800, 1500, (b) => b.fill(0xaa)); // leaves 0xaa in the scratch buffer
    eth.write(0xffffffffffff, 0x0806, 28, (b) => b.fill(0x11));
    eth.write(PEER_MAC, 0x0800, 46, (b) => b.fill(0x22)); // exactly the minimum: no pad
    eth.write(PEER_MAC, 0x88b5, 0, () => {});
    const [, arp, min, empty] = device.sent;
    expect(arp!.length).toBe(64);
    expect(toHex(arp!.subarray(12, 18))).toBe('8100' + '0ffe' + '0806');
    expect(toHex(arp!.subarray(18, 46))).toBe('11'.repeat(28));
    expect(toHex(arp!.subarray(46))).toBe('00'.repeat(18));
    expect(min!.length).toBe(64);
    expect(toHex(min!.subarray(18))).toBe('22'.repeat(46));
    expect(empty!.length).toBe(64);
    expect(toHex(empty!.subarray(16))).toBe('88b5' + '00'.repeat(46));
  });

  it('two layers in VLAN 100 exchange payloads over a shared wire; an untagged host and VLAN 200 hear nothing', () => {
    const scheduler = new SimScheduler();
    const [dA, dB, dC, dD] = wire(scheduler, [0x02000000000a, 0x02000000000b, 0x02000000000c, 0x02000000000d]);
    const a = createEthernet(dA!, { scheduler }, { vlan: 100 });
    const b = createEthernet(dB!, { scheduler }, { vlan: 100 });
    const c = createEthernet(dC!, { scheduler }, { promiscuous: true }); // untagged, hears everything on the wire
    const d = createEthernet(dD!, { scheduler }, { vlan: 200, promiscuous: true });
    const log: string[] = [];
    for (const [name, eth] of [['a', a], ['b', b], ['c', c], ['d', d]] as const) {
      eth.register(0x0800, (p, info) => log.push(`${name}<${(info.src & 0xff).toString(16)} vlan ${info.vlan} ${toHex(p.subarray(0, 3))}`));
    }
    a.write(b.mac, 0x0800, 3, (buf) => buf.set([1, 2, 3]));
    scheduler.runFor(5);
    b.write(a.mac, 0x0800, 3, (buf) => buf.set([4, 5, 6]));
    b.write(0xffffffffffff, 0x0800, 3, (buf) => buf.set([7, 8, 9]));
    scheduler.runFor(5);
    expect(log).toEqual(['b<a vlan 100 010203', 'a<b vlan 100 040506', 'a<b vlan 100 070809']);
    expect([c.stats.dropped.vlan, d.stats.dropped.vlan]).toEqual([3, 3]);
    // and A ignores the untagged host's frames
    c.write(a.mac, 0x0800, 3, (buf) => buf.set([0xc, 0xc, 0xc]));
    scheduler.runFor(5);
    expect(log).toHaveLength(3);
    expect(a.stats.dropped.vlan).toBe(1);
  });

  it('accepts the tagged frame that went over a Linux veth (VID 100) only when in VLAN 100', () => {
    const linux = linuxFixture('linux-ethernet-vlan.hex', 'frame');
    const inVlan = new RecordingDevice(undefined, 0x027700000002);
    const untagged = new RecordingDevice(undefined, 0x027700000002);
    const e1 = createEthernet(inVlan, { scheduler: new SimScheduler() }, { vlan: 100 });
    const e2 = createEthernet(untagged, { scheduler: new SimScheduler() });
    const seen: [number, number, number][] = [];
    e1.register(0x0800, (p, info) => seen.push([p.length, p[0]!, info.vlan]));
    e2.register(0x0800, (p, info) => seen.push([p.length, p[0]!, info.vlan]));
    inVlan.deliver(linux);
    untagged.deliver(linux);
    expect(seen).toEqual([[84, 0x45, 100]]);
    expect([e1.stats.dropped.vlan, e2.stats.dropped.vlan]).toEqual([0, 1]);
  });
});

describe('Ethernet layer: against frames Linux sent', () => {
  const LINUX_A = 0x020000005101;
  const LINUX_B = 0x020000005102;

  it('accepts the broadcast ARP request and the unicast ping for us', () => {
    const device = new RecordingDevice(undefined, LINUX_B);
    const eth = createEthernet(device, { scheduler: new SimScheduler() });
    const seen: [number, number, number][] = [];
    eth.register(0x0806, (p, info) => seen.push([0x0806, p.length, info.src]));
    eth.register(0x0800, (p, info) => seen.push([0x0800, p.length, info.src]));
    device.deliver(linuxFixture('linux-ethernet.hex', 'arp-request'));
    device.deliver(linuxFixture('linux-ethernet.hex', 'ping'));
    expect(seen).toEqual([[0x0806, 28, LINUX_A], [0x0800, 84, LINUX_A]]);
  });

  it('sends the same ARP frame as Linux, padded to 60 bytes as a NIC would', () => {
    const device = new RecordingDevice(undefined, LINUX_A);
    const eth = createEthernet(device, { scheduler: new SimScheduler() });
    const linux = linuxFixture('linux-ethernet.hex', 'arp-request');
    eth.write(0xffffffffffff, 0x0806, 28, (buf) => buf.set(linux.subarray(14)));
    expect(toHex(device.sent[0]!)).toBe(toHex(linux) + '00'.repeat(18));
  });
});

describe('Ethernet layer: transmit offloads (meta)', () => {
  const OFFLOAD: DeviceCapabilities = { ...plainCapabilities(1500), txChecksumOffload: true, gsoMaxSize: 65_535 };
  /** A 40-byte "IP packet": 20-byte header, then an L4 part whose checksum field (offset 6) holds a partial sum. */
  const fillPacket = (b: Uint8Array): void => {
    for (let i = 0; i < b.length; i++) b[i] = (i * 37 + 11) & 0xff;
    b[26] = 0x12; // the partial (pseudo-header) sum
    b[27] = 0x34;
  };

  it('shifts checksumStart by the 14-byte header and passes the rest on, untagged', () => {
    const { device, eth } = setup({}, OFFLOAD);
    expect(eth.write(PEER_MAC, 0x0800, 40, fillPacket, { checksumStart: 20, checksumOffset: 6 })).toBe(true);
    expect(device.metas[0]).toEqual({ checksumStart: 34, checksumOffset: 6, gsoSize: 0 });
    // the field is left as the caller wrote it: the device completes it
    expect(toHex(device.sent[0]!.subarray(40, 42))).toBe('1234');
    expect(eth.write(PEER_MAC, 0x0800, 3000, (b) => b.fill(1), { checksumStart: 20, checksumOffset: 16, gsoSize: 1448 })).toBe(true);
    expect(device.metas[1]).toEqual({ checksumStart: 34, checksumOffset: 16, gsoSize: 1448 });
  });

  it('shifts checksumStart by the 18-byte header in a VLAN', () => {
    const { device, eth } = setup({ vlan: 7 }, OFFLOAD);
    expect(eth.write(PEER_MAC, 0x0800, 40, fillPacket, { checksumStart: 20, checksumOffset: 6 })).toBe(true);
    expect(device.metas[0]).toEqual({ checksumStart: 38, checksumOffset: 6, gsoSize: 0 });
    expect(toHex(device.sent[0]!.subarray(44, 46))).toBe('1234');
  });

  it('does not copy or keep the caller\'s meta: the object may be reused at once', () => {
    const { device, eth } = setup({}, OFFLOAD);
    const meta = { checksumStart: 20, checksumOffset: 6 };
    eth.write(PEER_MAC, 0x0800, 40, fillPacket, meta);
    meta.checksumStart = 0;
    eth.write(PEER_MAC, 0x0800, 40, fillPacket, meta);
    expect(device.metas.map((m) => m!.checksumStart)).toEqual([34, 14]);
  });

  it('a meta with only gsoSize goes to the device as is', () => {
    const { device, eth } = setup({}, OFFLOAD);
    const meta: TxMeta = { gsoSize: 500 };
    eth.write(PEER_MAC, 0x0800, 2000, () => {}, meta);
    expect(device.metas[0]).toEqual({ gsoSize: 500 });
  });

  for (const vlan of [undefined, 9]) {
    it(`completes the checksum itself when the device cannot offload it (${vlan === undefined ? 'untagged' : 'VLAN'})`, () => {
      const { device, eth } = setup(vlan === undefined ? {} : { vlan }, plainCapabilities(1500));
      expect(eth.write(PEER_MAC, 0x0800, 40, fillPacket, { checksumStart: 20, checksumOffset: 6 })).toBe(true);
      expect(device.metas[0]).toBeUndefined();
      const hl = vlan === undefined ? 14 : 18;
      const f = device.sent[0]!;
      // Naive RFC 1071 over the 20 L4 bytes as fillPacket wrote them (partial sum 0x1234 in the field).
      const ref = new Uint8Array(40);
      fillPacket(ref);
      const naiveFold = (words: number[]): number => {
        let sum = words.reduce((a, w) => a + w, 0);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
        return sum;
      };
      const wordsOf = (b: Uint8Array, from: number, to: number): number[] => {
        const w: number[] = [];
        for (let i = from; i < to; i += 2) w.push((b[i]! << 8) | b[i + 1]!);
        return w;
      };
      const expected = ~naiveFold(wordsOf(ref, 20, 40)) & 0xffff;
      expect(f[hl + 26]! * 256 + f[hl + 27]!).toBe(expected === 0 ? 0xffff : expected);
      // and it verifies: the pseudo-header sum the partial field stood for, plus the L4 bytes, is 0xffff
      expect(naiveFold([0x1234, ...wordsOf(f, hl + 20, hl + 40)])).toBe(0xffff);
      expect(toHex(f.subarray(hl, hl + 26))).toBe(toHex(ref.subarray(0, 26))); // nothing else touched
    });
  }

  it('throws on a meta that points outside the payload or a bad gsoSize', () => {
    const { eth } = setup({}, OFFLOAD);
    expect(() => eth.write(PEER_MAC, 0x0800, 40, fillPacket, { checksumStart: 20, checksumOffset: 19 })).toThrow(/checksum field inside/);
    expect(() => eth.write(PEER_MAC, 0x0800, 40, fillPacket, { checksumStart: -1, checksumOffset: 6 })).toThrow(/checksum/);
    expect(() => eth.write(PEER_MAC, 0x0800, 40, fillPacket, { gsoSize: 1.5 })).toThrow(/gsoSize/);
    expect(eth.write(PEER_MAC, 0x0800, 40, fillPacket, { checksumStart: 20, checksumOffset: 18 })).toBe(true); // last 2 bytes: fine
  });
});
