import { createSocket, type RemoteInfo, type Socket as DgramSocket } from 'node:dgram';
import {
  StackError,
  type Counters, type Fill, type Ipv4Address, type Ipv4Like, type StackUdp, type UdpBindOptions, type UdpDatagram,
  type UdpHandler, type UdpSendError, type UdpSocket,
} from '@stack/interfaces';
import { formatIpv4, ipv4, parseIpv4 } from '@stack/wire';
import type { ResolvedSocketUdpConfig } from './config.js';
import { bindError, errnoOf, udpSendErrorOf, validPort } from './errno.js';

/** The largest UDP payload in one IPv4 datagram: 65535 - 20 (IPv4 header) - 8 (UDP header). */
export const UDP_MAX_PAYLOAD = 65_507;

/** What a send the kernel refused after `send` returned is reported with (`SocketUdpBindOptions.onSendError`). */
export interface UdpSendFailure {
  /** The kernel's errno name (`ENETUNREACH`, `EMSGSIZE`...). */
  readonly errno: string;
  readonly dst: Ipv4Address;
  readonly dstPort: number;
}

/** `UdpBindOptions`, plus how a socket stack reports send errors that come after `send` returned. */
export interface SocketUdpBindOptions extends UdpBindOptions {
  /**
   * Called when the kernel refused a datagram after `send` had returned
   * null: Node's sends complete asynchronously, so errors such as no route
   * (ENETUNREACH → 'no-route') arrive a tick later. They are counted in
   * `inspect().udp.stats.sendErrors` either way.
   */
  onSendError?: (error: UdpSendError, failure: UdpSendFailure) => void;
}

/** Counters of a socket stack's UDP. `sendErrors`: kernel send errors by `UdpSendError` reason; `errors`: every errno, by name. */
export interface SocketUdpStats {
  rx: number;
  tx: number;
  dropped: Counters;
  sendErrors: Counters;
  errors: Counters;
}

/** A bound socket as `inspect()` lists it. */
export interface SocketUdpSnapshot {
  readonly local: string;
  readonly port: number;
  readonly address: string;
  readonly rx: number;
  readonly tx: number;
}

/** A UDP socket of a socket stack, over a `dgram` socket. */
export interface SocketUdpSocket extends UdpSocket {
  /** The address it is bound to (0: every address). */
  readonly address: Ipv4Address;
  /** Resolves once the socket's handle is released (after `close()`). */
  readonly whenClosed: Promise<void>;
}

/** The UDP part of a socket stack. */
export interface SocketStackUdp extends StackUdp {
  bind(port: number, handler: UdpHandler, options?: SocketUdpBindOptions): SocketUdpSocket;
}

/**
 * dgram resolves the address before it binds or sends. Given only IPv4
 * literals, this lookup answers at once, which makes `bind()` synchronous:
 * a taken port throws at once, and the ephemeral port is known when `bind`
 * returns, as the `StackUdp` contract wants.
 */
function literalLookup(hostname: string, _options: unknown, callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  callback(null, hostname, 4);
}

class UdpSocketImpl implements SocketUdpSocket {
  isClosed = false;
  rx = 0;
  tx = 0;
  readonly whenClosed: Promise<void>;

  constructor(
    private readonly udp: SocketUdp,
    readonly socket: DgramSocket,
    readonly port: number,
    readonly address: Ipv4Address,
    readonly onSendError: SocketUdpBindOptions['onSendError'],
  ) {
    this.whenClosed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  send(dst: Ipv4Address, dstPort: number, data: Uint8Array): UdpSendError | null {
    const to = this.check(dst, dstPort);
    if (!(data instanceof Uint8Array)) throw new StackError('ERR_INVALID_ARGUMENT', 'udp: send needs a Uint8Array');
    if (data.length > UDP_MAX_PAYLOAD) return 'too-big';
    // A copy, as the contract says: a datagram the kernel cannot take at once waits in libuv's queue.
    return this.udp.transmit(this, this.socket, to, dstPort, Buffer.from(data));
  }

  write(dst: Ipv4Address, dstPort: number, length: number, fill: Fill): UdpSendError | null {
    const to = this.check(dst, dstPort);
    if (!Number.isInteger(length) || length < 0) throw new StackError('ERR_INVALID_ARGUMENT', `udp: length must be an integer >= 0, got ${length}`);
    if (length > UDP_MAX_PAYLOAD) return 'too-big';
    const buf = Buffer.alloc(length);
    fill(buf);
    return this.udp.transmit(this, this.socket, to, dstPort, buf);
  }

  /** Checks a send's arguments; returns the destination as a number. */
  private check(dst: unknown, dstPort: number): Ipv4Address {
    if (this.isClosed) throw new StackError('ERR_CLOSED', `udp: send on closed socket (port ${this.port})`);
    const to = typeof dst === 'string' ? parseIpv4(dst) : typeof dst === 'number' && Number.isInteger(dst) && dst >= 0 && dst <= 0xffff_ffff ? dst : undefined;
    if (to === undefined) throw new StackError('ERR_INVALID_ARGUMENT', `udp: destination must be an IPv4 address (integer 0..2^32-1), got ${String(dst)}`);
    if (!validPort(dstPort, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `udp: destination port must be an integer 1..65535, got ${String(dstPort)}`);
    return to;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.udp.unbind(this);
    this.socket.close();
  }

  snapshot(): SocketUdpSnapshot {
    return { local: `${formatIpv4(this.address)}:${this.port}`, port: this.port, address: formatIpv4(this.address), rx: this.rx, tx: this.tx };
  }
}

/**
 * The UDP of a socket stack: `bind` over `dgram` (synchronous, see
 * `literalLookup`), `send` from a fresh ephemeral port per datagram (as
 * stack-direct) or from a bound one (`srcPort`).
 *
 * Send errors: `send` validates (misuse throws, a payload over 65507 bytes
 * is 'too-big') and hands the datagram to the kernel, returning null; what
 * the kernel refuses then arrives asynchronously and is counted
 * (`stats.sendErrors`) and passed to the socket's `onSendError`.
 */
export class SocketUdp implements SocketStackUdp {
  readonly stats: SocketUdpStats = { rx: 0, tx: 0, dropped: {}, sendErrors: {}, errors: {} };
  private readonly sockets = new Set<UdpSocketImpl>();
  /** Handles being closed (one-shot senders, failed binds), so `close()` can wait for them. */
  private readonly closing = new Set<Promise<void>>();
  /** One-shot senders of `send` without `srcPort`, open until their datagram is through. */
  private readonly senders = new Set<DgramSocket>();
  private closed = false;

  constructor(
    private readonly stackName: string,
    private readonly bindAddress: Ipv4Address,
    /** What a datagram's `dst` says on a socket bound to every address (Node does not tell the real one). */
    private readonly stackAddress: Ipv4Address,
    readonly config: ResolvedSocketUdpConfig,
  ) {}

  private assertOpen(op: string): void {
    if (this.closed) throw new StackError('ERR_CLOSED', `${op}: the stack "${this.stackName}" is closed`);
  }

  bind(port: number, handler: UdpHandler, options: SocketUdpBindOptions = {}): SocketUdpSocket {
    this.assertOpen('udp.bind');
    if (!validPort(port, 0)) {
      throw new StackError('ERR_INVALID_ARGUMENT', `udp: port must be an integer 0..65535 (0 picks an ephemeral port), got ${String(port)}`);
    }
    if (typeof handler !== 'function') throw new StackError('ERR_INVALID_ARGUMENT', 'udp: bind needs a handler function');
    let address = this.bindAddress;
    if (options.address !== undefined) {
      try {
        address = ipv4(options.address);
      } catch (err) {
        throw new StackError('ERR_INVALID_ARGUMENT', `udp: cannot bind to ${String(options.address)}: not an IPv4 address`, { cause: err });
      }
      if (this.bindAddress !== 0 && address !== this.bindAddress && address !== 0) {
        throw new StackError('ERR_INVALID_ARGUMENT', `udp: cannot bind to ${formatIpv4(address)}: the stack is bound to ${formatIpv4(this.bindAddress)}`);
      }
    }
    if (port !== 0) {
      for (const s of this.sockets) {
        if (s.port === port && (s.address === 0 || address === 0 || s.address === address)) {
          throw new StackError('ERR_PORT_IN_USE', `udp: port ${port} is already bound`);
        }
      }
    }
    const socket = this.open(address, port);
    socket.setBroadcast(options.broadcast !== false);
    const dst = address === 0 ? this.stackAddress : address;
    const s = new UdpSocketImpl(this, socket, socket.address().port, address, options.onSendError);
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
      this.stats.rx++;
      s.rx++;
      const data = new Uint8Array(msg.buffer, msg.byteOffset, msg.length); // plain, as stack-direct hands out
      const datagram: UdpDatagram = { data, src: parseIpv4(rinfo.address) ?? 0, srcPort: rinfo.port, dst, dstPort: s.port, ttl: 0 };
      handler(datagram);
    });
    socket.on('error', (err: Error) => this.countErrno(errnoOf(err)));
    this.sockets.add(s);
    return s;
  }

  /** A dgram socket bound to `address:port` now, or a StackError saying why not. */
  private open(address: Ipv4Address, port: number): DgramSocket {
    const { recvBufferSize, sendBufferSize } = this.config;
    const socket = createSocket({
      type: 'udp4',
      lookup: literalLookup,
      ...(recvBufferSize > 0 ? { recvBufferSize } : {}),
      ...(sendBufferSize > 0 ? { sendBufferSize } : {}),
    });
    let failure: unknown = null;
    const onError = (err: Error): void => {
      failure = err;
    };
    socket.on('error', onError);
    try {
      socket.bind({ port, address: formatIpv4(address), exclusive: true });
    } catch (err) {
      failure = err;
    }
    socket.off('error', onError);
    if (failure === null && !bound(socket)) failure = new Error('bind did not complete synchronously');
    if (failure !== null) {
      this.track(socket);
      socket.close();
      const errno = errnoOf(failure);
      this.countErrno(errno);
      throw bindError('udp: cannot bind', errno, address, port, failure);
    }
    return socket;
  }

  private track(socket: DgramSocket): void {
    const p = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  unbind(s: UdpSocketImpl): void {
    this.sockets.delete(s);
    this.closing.add(s.whenClosed);
    void s.whenClosed.then(() => this.closing.delete(s.whenClosed));
  }

  /** Hands a datagram to the kernel; errors come back later (see the class comment). */
  transmit(owner: UdpSocketImpl | null, socket: DgramSocket, dst: Ipv4Address, dstPort: number, data: Buffer, done?: () => void): null {
    socket.send(data, dstPort, formatIpv4(dst), (err) => {
      if (err !== null && err !== undefined) {
        const errno = errnoOf(err);
        const reason = udpSendErrorOf(errno);
        this.countErrno(errno);
        this.stats.sendErrors[reason] = (this.stats.sendErrors[reason] ?? 0) + 1;
        owner?.onSendError?.(reason, { errno, dst, dstPort });
      }
      done?.();
    });
    this.stats.tx++;
    if (owner !== null) owner.tx++;
    return null;
  }

  send(dst: Ipv4Like, dstPort: number, data: Uint8Array, options?: { srcPort?: number }): UdpSendError | null {
    this.assertOpen('udp.send');
    const to = ipv4(dst);
    if (options?.srcPort !== undefined) {
      let from: UdpSocketImpl | undefined;
      for (const s of this.sockets) if (s.port === options.srcPort) from = s;
      if (from === undefined) {
        throw new StackError('ERR_INVALID_ARGUMENT', `udp.send: srcPort ${options.srcPort} is not bound on this stack; bind it with stack.udp.bind first, or omit srcPort`);
      }
      return from.send(to, dstPort, data);
    }
    if (!validPort(dstPort, 1)) throw new StackError('ERR_INVALID_ARGUMENT', `udp: destination port must be an integer 1..65535, got ${String(dstPort)}`);
    if (!(data instanceof Uint8Array)) throw new StackError('ERR_INVALID_ARGUMENT', 'udp: send needs a Uint8Array');
    if (data.length > UDP_MAX_PAYLOAD) return 'too-big';
    // A fresh ephemeral port per datagram, as stack-direct does: nothing listens on it, bind a socket to hear replies.
    const socket = this.open(this.bindAddress, 0);
    this.track(socket);
    this.senders.add(socket);
    return this.transmit(null, socket, to, dstPort, Buffer.from(data), () => {
      if (this.senders.delete(socket)) socket.close();
    });
  }

  private countErrno(errno: string): void {
    this.stats.errors[errno] = (this.stats.errors[errno] ?? 0) + 1;
  }

  snapshot(): SocketUdpSnapshot[] {
    return [...this.sockets].map((s) => s.snapshot());
  }

  /** Closes every socket and one-shot sender (datagrams still queued are dropped); resolves when their handles are released. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sockets]) s.close();
    for (const socket of [...this.senders]) {
      this.senders.delete(socket);
      socket.close();
    }
    await Promise.all([...this.closing]);
  }
}

/** True once a dgram socket is bound (its address known). */
function bound(socket: DgramSocket): boolean {
  try {
    socket.address();
    return true;
  } catch {
    return false;
  }
}
