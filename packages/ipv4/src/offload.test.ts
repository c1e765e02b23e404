// Offloads on the IPv4 write path: GSO (one large TCP frame the device cuts)
// and transmit checksum offload (the transport writes the pseudo-header sum,
// the device completes it), as IpWriteOptions.gsoSize / l4ChecksumOffset ask.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isStackError, type DeviceCapabilities, type IpRxInfo, type Ipv4Config } from '@stack/interfaces';
import { SeededRandom, SimScheduler } from '@stack/sim';
import { checksum, checksumValid, fold, ipv4, parseCidr, pseudoHeaderSum, readU16, writeU16 } from '@stack/wire';
import { createIpv4, type Ipv4Layer } from './layer.js';
import { parseIpv4Header, type Ipv4Repr } from './wire/header.js';
import { FakeArp, FakeEthernet, buildPacket, pattern } from './fixtures/fakes.js';

const US = ipv4('10.77.0.2');
const PEER = ipv4('10.77.0.3');
const GW = ipv4('10.77.0.1');
const FAR = ipv4('192.0.2.9');
const TCP = 6;
const UDP = 17;
/** What a virtio-net TAP with TSO and checksum offload says. */
const OFFLOADS: Partial<DeviceCapabilities> = { txChecksumOffload: true, gsoMaxSize: 65_535, gro: true };

interface Rig {
  ip: Ipv4Layer;
  eth: FakeEthernet;
  arp: FakeArp;
  sched: SimScheduler;
  got: { payload: Uint8Array; info: IpRxInfo }[];
}

function rig(caps: Partial<DeviceCapabilities> = {}, mtu = 1500, config: Partial<Ipv4Config> = {}): Rig {
  const eth = new FakeEthernet(mtu, caps);
  const arp = new FakeArp();
  const sched = new SimScheduler();
  const ip = createIpv4(eth, arp, { scheduler: sched, random: new SeededRandom(1) }, { address: parseCidr('10.77.0.2/24'), gateway: GW, ...config });
  const got: Rig['got'] = [];
  const keep = (payload: Uint8Array, info: IpRxInfo): void => {
    got.push({ payload: payload.slice(), info: { ...info, packet: info.packet.slice() } });
  };
  ip.register(TCP, { input: keep });
  ip.register(UDP, { input: keep });
  return { ip, eth, arp, sched, got };
}

function header(bytes: Uint8Array): Ipv4Repr {
  const r = parseIpv4Header(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/**
 * A fill writing a TCP segment: a 20-byte header (seq 1000, ACK|PSH) and
 * `data`, its checksum field (16) holding the full checksum, or with
 * `partial` only the folded pseudo-header sum ('partial' mode of emitTcp).
 */
function tcpFill(data: Uint8Array, partial: boolean) {
  return (buf: Uint8Array, src: number, dst: number): void => {
    buf.fill(0, 0, 20);
    writeU16(buf, 0, 40000);
    writeU16(buf, 2, 80);
    buf[7] = 0xe8; // seq 1000
    buf[12] = 0x50;
    buf[13] = 0x18;
    writeU16(buf, 14, 65535);
    buf.set(data, 20);
    const pseudo = pseudoHeaderSum(src, dst, TCP, buf.length);
    writeU16(buf, 16, partial ? fold(pseudo) : checksum(buf, 0, buf.length, pseudo));
  };
}

/** The same for UDP (checksum at 6; 0 is sent as 0xffff, RFC 768). */
function udpFill(data: Uint8Array, partial: boolean) {
  return (buf: Uint8Array, src: number, dst: number): void => {
    writeU16(buf, 0, 5353);
    writeU16(buf, 2, 53);
    writeU16(buf, 4, buf.length);
    writeU16(buf, 6, 0);
    buf.set(data, 8);
    const pseudo = pseudoHeaderSum(src, dst, UDP, buf.length);
    const full = checksum(buf, 0, buf.length, pseudo);
    writeU16(buf, 6, partial ? fold(pseudo) : full === 0 ? 0xffff : full);
  };
}

/** True when the transport checksum of `packet` (a whole IP datagram) verifies. */
function l4Verifies(packet: Uint8Array): boolean {
  const h = header(packet);
  return checksumValid(packet, h.headerLength, packet.length, pseudoHeaderSum(h.src, h.dst, h.protocol, h.payloadLength));
}

describe('IPv4 offloads(): what the device can do', () => {
  it('nothing on a plain device; the device\'s GSO limit and checksum offload otherwise; nothing without a route', () => {
    expect(rig().ip.offloads(PEER)).toEqual({ gsoMaxSize: 0, txChecksumOffload: false });
    const { ip } = rig(OFFLOADS);
    expect(ip.offloads(PEER)).toEqual({ gsoMaxSize: 65_535, txChecksumOffload: true });
    expect(ip.offloads(FAR)).toEqual({ gsoMaxSize: 65_535, txChecksumOffload: true }); // via the gateway, same device
    expect(ip.offloads(ipv4('127.0.0.1'))).toEqual({ gsoMaxSize: 0, txChecksumOffload: false });
    const lonely = rig(OFFLOADS, 1500, { gateway: null });
    expect(lonely.ip.offloads(FAR)).toEqual({ gsoMaxSize: 0, txChecksumOffload: false });
    // Linux's default gso_max_size is 65536: an IP datagram stops at 65535
    expect(rig({ gsoMaxSize: 65_536 }).ip.offloads(PEER).gsoMaxSize).toBe(65_535);
    // one object: asking allocates nothing
    expect(ip.offloads(PEER)).toBe(ip.offloads(GW));
  });
});

describe('IPv4 write with gsoSize (GSO)', () => {
  it('sends a TCP datagram larger than the MTU whole, with DF, the gsoSize in the meta, and no fragments', () => {
    const { ip, arp } = rig(OFFLOADS);
    const data = pattern(3 * 1448 + 100);
    expect(ip.write(PEER, TCP, 20 + data.length, tcpFill(data, false), { gsoSize: 1448 })).toBeNull();
    expect(arp.writes).toHaveLength(1);
    const w = arp.writes[0]!;
    expect(w.bytes.length).toBe(20 + 20 + data.length);
    expect(header(w.bytes)).toMatchObject({ protocol: TCP, dontFragment: true, moreFragments: false, fragmentOffset: 0, payloadLength: 20 + data.length });
    expect(checksumValid(w.bytes, 0, 20)).toBe(true);
    expect(w.meta).toEqual({ gsoSize: 1448 });
    expect(l4Verifies(w.bytes)).toBe(true);
    expect(ip.stats).toMatchObject({ tx: 1, fragmentsOut: 0 });
  });

  it('goes through the gateway\'s ARP entry too, and a GSO write within the MTU still carries its meta', () => {
    const { ip, arp } = rig(OFFLOADS);
    expect(ip.write(FAR, TCP, 1000, tcpFill(pattern(980), false), { gsoSize: 500 })).toBeNull();
    expect(arp.writes[0]).toMatchObject({ nextHop: GW, meta: { gsoSize: 500 } });
    expect(header(arp.writes[0]!.bytes).dontFragment).toBe(true);
  });

  it('refuses with too-big: a device without GSO, over gsoMaxSize, segments that would not fit the path MTU', () => {
    const plain = rig();
    expect(plain.ip.write(PEER, TCP, 3000, tcpFill(pattern(2980), false), { gsoSize: 1448 })).toBe('too-big');
    expect(plain.ip.write(PEER, TCP, 1000, tcpFill(pattern(980), false), { gsoSize: 500 })).toBe('too-big'); // even within the MTU
    expect(plain.ip.stats.dropped['tooBig']).toBe(2);
    expect(plain.arp.writes).toHaveLength(0);

    const small = rig({ gsoMaxSize: 16_000 });
    expect(small.ip.write(PEER, TCP, 16_000 - 20, tcpFill(pattern(16_000 - 40), false), { gsoSize: 1448 })).toBeNull();
    expect(small.ip.write(PEER, TCP, 16_000 - 19, tcpFill(pattern(16_000 - 39), false), { gsoSize: 1448 })).toBe('too-big');

    const { ip, arp } = rig(OFFLOADS);
    expect(ip.write(PEER, TCP, 10_000, tcpFill(pattern(9980), false), { gsoSize: 1481 })).toBe('too-big'); // 20 + 1481 > 1500
    ip.updatePathMtu(PEER, 1280);
    expect(ip.write(PEER, TCP, 10_000, tcpFill(pattern(9980), false), { gsoSize: 1448 })).toBe('too-big');
    expect(ip.write(PEER, TCP, 10_000, tcpFill(pattern(9980), false), { gsoSize: 1240 })).toBeNull();
    expect(arp.writes).toHaveLength(1);
    expect(ip.stats.dropped['tooBig']).toBe(2);
  });

  it('gsoSize is for TCP only, and must be an integer 0..65535 (0: off)', () => {
    const { ip, arp } = rig(OFFLOADS);
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isStackError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(() => ip.write(PEER, UDP, 3000, () => {}, { gsoSize: 1000 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => ip.write(PEER, TCP, 3000, () => {}, { gsoSize: -1 }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => ip.write(PEER, TCP, 3000, () => {}, { gsoSize: 2.5 }))).toBe('ERR_INVALID_ARGUMENT');
    // gsoSize 0 is an ordinary write: fragmented when too large, no meta
    expect(ip.write(PEER, UDP, 2000, () => {}, { gsoSize: 0 })).toBeNull();
    expect(arp.writes.length).toBe(2);
    expect(arp.writes.every((w) => w.meta === undefined)).toBe(true);
  });

  it('reserves one IP id per segment the device will cut (it numbers them id, id+1, ...)', () => {
    const { ip, arp } = rig(OFFLOADS);
    const data = pattern(3 * 1448 + 100); // 4 segments
    ip.write(PEER, TCP, 20 + data.length, tcpFill(data, false), { gsoSize: 1448 });
    ip.write(PEER, TCP, 20, tcpFill(new Uint8Array(0), false));
    const [a, b] = arp.writes.map((w) => readU16(w.bytes, 4));
    expect(b).toBe((a! + 4) & 0xffff);
  });

  it('to our own address: delivered whole (like lo), DF set', () => {
    const { ip, sched, got, arp } = rig(OFFLOADS);
    const data = pattern(20_000);
    expect(ip.write(US, TCP, 20 + data.length, tcpFill(data, true), { gsoSize: 1448, l4ChecksumOffset: 16 })).toBeNull();
    expect(got).toHaveLength(0); // never inside write
    sched.runUntilIdle();
    expect(arp.writes).toHaveLength(0);
    expect(got).toHaveLength(1);
    expect(got[0]!.payload.length).toBe(20 + data.length);
    expect(got[0]!.info.checksumVerified).toBe(true);
    expect(header(got[0]!.info.packet).dontFragment).toBe(true);
  });
});

describe('IPv4 write with l4ChecksumOffset (transmit checksum offload)', () => {
  it('asks the device to complete the checksum: checksumStart = IP header length (payload-relative), checksumOffset as given', () => {
    const { ip, arp } = rig(OFFLOADS);
    const data = pattern(100);
    expect(ip.write(PEER, TCP, 120, tcpFill(data, true), { l4ChecksumOffset: 16 })).toBeNull();
    const w = arp.writes[0]!;
    expect(w.meta).toEqual({ checksumStart: 20, checksumOffset: 16, gsoSize: 0 });
    // IP left the field as the transport wrote it: the pseudo-header sum only
    expect(readU16(w.bytes, 20 + 16)).toBe(fold(pseudoHeaderSum(US, PEER, TCP, 120)));
    // with GSO both at once
    const big = pattern(5000);
    ip.write(PEER, TCP, 5020, tcpFill(big, true), { l4ChecksumOffset: 16, gsoSize: 1448 });
    expect(arp.writes[1]!.meta).toEqual({ checksumStart: 20, checksumOffset: 16, gsoSize: 1448 });
  });

  it('the device\'s completion (fold from checksumStart, write at the field) gives the bytes a full computation gives', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 1400 }), fc.boolean(), (data, isTcp) => {
        const full = rig(OFFLOADS);
        const part = rig(OFFLOADS);
        const [proto, field, fill] = isTcp ? [TCP, 16, tcpFill] : [UDP, 6, udpFill];
        const len = (isTcp ? 20 : 8) + data.length;
        full.ip.write(PEER, proto, len, fill(data, false));
        part.ip.write(PEER, proto, len, fill(data, true), { l4ChecksumOffset: field });
        const a = full.arp.writes[0]!.bytes;
        const b = part.arp.writes[0]!.bytes.slice();
        const m = part.arp.writes[0]!.meta!;
        // what a virtio device does with NEEDS_CSUM (Ethernet payload relative here)
        const start = m.checksumStart!;
        const c = checksum(b, start, b.length);
        writeU16(b, start + m.checksumOffset!, c === 0 ? 0xffff : c);
        const fullSum = readU16(a, 20 + field);
        // TCP's full computation writes 0 where the completion writes 0xffff (the same in ones' complement)
        if (isTcp && fullSum === 0) writeU16(a, 20 + field, 0xffff);
        expect(b).toEqual(a);
        expect(l4Verifies(b)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('completes the checksum itself before fragmenting (no device can fill one across fragments)', () => {
    const { ip, arp } = rig(OFFLOADS);
    const data = pattern(4000, 3);
    expect(ip.write(PEER, UDP, 8 + data.length, udpFill(data, true), { l4ChecksumOffset: 6 })).toBeNull();
    expect(arp.writes.length).toBe(3);
    expect(arp.writes.every((w) => w.meta === undefined)).toBe(true);
    // reassemble through our own input and check the UDP checksum of the whole
    const loop = rig();
    for (const w of arp.writes) {
      const h = header(w.bytes);
      const copy = buildPacket({ src: PEER, dst: US, protocol: UDP, identification: h.identification, fragmentOffset: h.fragmentOffset, moreFragments: h.moreFragments, payload: w.bytes.subarray(20) });
      loop.eth.deliver(copy);
    }
    expect(loop.got).toHaveLength(1);
    const udp = loop.got[0]!.payload;
    expect(udp.length).toBe(8 + data.length);
    const reference = new Uint8Array(8 + data.length);
    udpFill(data, false)(reference, US, PEER);
    expect(udp).toEqual(reference);
  });

  it('l4ChecksumOffset must put the field inside the payload', () => {
    const { ip } = rig(OFFLOADS);
    expect(() => ip.write(PEER, TCP, 20, () => {}, { l4ChecksumOffset: 19 })).toThrow(/l4ChecksumOffset/);
    expect(() => ip.write(PEER, TCP, 20, () => {}, { l4ChecksumOffset: -2 })).toThrow(/l4ChecksumOffset/);
  });
});

describe('IPv4 receive: coalesced (GRO) datagrams and partial checksums', () => {
  it('accepts a TCP datagram far over the MTU (a GRO device coalesced it), with a partial checksum: verified for TCP', () => {
    const { eth, got, ip } = rig(OFFLOADS);
    const tcp = new Uint8Array(20 + 60_000);
    tcpFill(pattern(60_000), true)(tcp, PEER, US); // checksum field: pseudo-header sum only
    const pkt = buildPacket({ src: PEER, dst: US, protocol: TCP, dontFragment: true, payload: tcp });
    eth.deliver(pkt, { checksumPartial: true });
    expect(got).toHaveLength(1);
    expect(got[0]!.payload.length).toBe(60_020);
    expect(got[0]!.info.checksumVerified).toBe(true);
    expect(ip.stats.dropped['tooBig']).toBe(0);
  });

  it('without partial or verified flags the transport is told to verify, whatever the size', () => {
    const { eth, got } = rig(OFFLOADS);
    const tcp = new Uint8Array(20 + 9000);
    tcpFill(pattern(9000), false)(tcp, PEER, US);
    eth.deliver(buildPacket({ src: PEER, dst: US, protocol: TCP, payload: tcp }));
    expect(got[0]!.info.checksumVerified).toBe(false);
    expect(l4Verifies(got[0]!.info.packet)).toBe(true);
    // a partial datagram still has its IP header checked (checksumPartial speaks of L4 only)
    const bad = buildPacket({ src: PEER, dst: US, protocol: TCP, payload: tcp });
    bad[10]! ^= 1;
    eth.deliver(bad, { checksumPartial: true });
    expect(got).toHaveLength(1);
  });
});

describe('IPv4 offloads allocate nothing per write on the fast path', () => {
  it('reuses one meta object per kind', () => {
    const { ip, arp } = rig(OFFLOADS);
    const handed: unknown[] = [];
    const write = arp.write.bind(arp);
    arp.write = (nextHop, etherType, length, fill, meta) => {
      handed.push(meta);
      return write(nextHop, etherType, length, fill, meta);
    };
    ip.write(PEER, TCP, 120, tcpFill(pattern(100), true), { l4ChecksumOffset: 16 });
    ip.write(PEER, TCP, 120, tcpFill(pattern(100), true), { l4ChecksumOffset: 16 });
    ip.write(PEER, TCP, 3020, tcpFill(pattern(3000), false), { gsoSize: 1448 });
    ip.write(PEER, TCP, 3020, tcpFill(pattern(3000), false), { gsoSize: 1000 });
    ip.write(PEER, TCP, 120, tcpFill(pattern(100), false));
    expect(handed[0]).toBe(handed[1]);
    expect(handed[2]).toBe(handed[3]);
    expect(handed[4]).toBeUndefined();
    expect(arp.writes.map((w) => w.meta)).toEqual([
      { checksumStart: 20, checksumOffset: 16, gsoSize: 0 },
      { checksumStart: 20, checksumOffset: 16, gsoSize: 0 },
      { gsoSize: 1448 },
      { gsoSize: 1000 },
      undefined,
    ]);
  });
});
