// A minimal stand-in for @stack/ipv4 so the example runs on its own: two
// hosts joined by a wire with a fixed delay, in virtual time. Each write
// builds a real IPv4 header (so ICMP errors can quote it) and is delivered
// to the other host's protocol handler later, through the scheduler.
// A real stack uses createIpv4 from @stack/ipv4 (or @stack/stack-direct).
import type { IcmpErrorSender, IpErrorInfo, IpFill, IpLayer, IpProtocolHandler, IpWriteOptions, Scheduler } from '@stack/interfaces';
import { checksum, readU32, writeU16, writeU32 } from '@stack/wire';

interface Host {
  readonly address: number;
  readonly layer: IpLayer;
  link(other: Host): void;
  receive(packet: Uint8Array): void;
}

export function wiredHosts(scheduler: Scheduler, a: number, b: number, delayMs: number): [IpLayer, IpLayer] {
  const hosts = [host(a), host(b)] as const;
  function host(address: number): Host {
    const handlers = new Map<number, IpProtocolHandler>();
    let peer: Host;
    const layer: IpLayer = {
      addresses: [{ address, prefix: 24 }],
      input() {},
      register: (protocol, handler) => void handlers.set(protocol, handler),
      write(dst: number, protocol: number, length: number, fill: IpFill, options?: IpWriteOptions) {
        if (dst !== peer.address) return null; // sent, but nobody is there: lost
        const packet = new Uint8Array(20 + length);
        packet[0] = 0x45;
        writeU16(packet, 2, packet.length);
        packet[8] = options?.ttl ?? 64;
        packet[9] = protocol;
        writeU32(packet, 12, options?.src ?? address);
        writeU32(packet, 16, dst);
        writeU16(packet, 10, checksum(packet, 0, 20));
        fill(packet.subarray(20), address, dst);
        scheduler.at(scheduler.now() + delayMs, () => peer.receive(packet));
        return null;
      },
      source: () => address,
      mtu: () => 1500,
      updatePathMtu() {},
      deliverError: (err: IpErrorInfo) => handlers.get(err.protocol)?.error?.(err),
      setErrorSender(_sender: IcmpErrorSender) {},
      isLocal: (addr) => addr === address,
      addRoute() {},
      routes: () => [],
      stats: { rx: 0, tx: 0, dropped: {}, fragmentsIn: 0, fragmentsOut: 0, reassembled: 0 },
      reassembly: () => ({ datagrams: 0, bytes: 0 }),
      close() {},
    };
    return {
      address,
      layer,
      link(other: Host) { peer = other; },
      receive(packet: Uint8Array) {
        handlers.get(packet[9]!)?.input(packet.subarray(20), {
          src: readU32(packet, 12), dst: readU32(packet, 16), protocol: packet[9]!, ttl: packet[8]!, tos: 0,
          broadcast: false, packet, headerLength: 20, checksumVerified: false,
        });
      },
    };
  }
  hosts[0].link(hosts[1]);
  hosts[1].link(hosts[0]);
  return [hosts[0].layer, hosts[1].layer];
}
