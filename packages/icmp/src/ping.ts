import { StackError, type Cancel, type IpErrorInfo, type IpLayer, type IpWriteOptions, type PingOptions, type PingResult, type Scheduler } from '@stack/interfaces';
import { checksum, readU16, writeU16 } from '@stack/wire';
import type { ResolvedIcmpConfig } from './config.js';
import { ICMP_CHECKSUM, ICMP_CODE, ICMP_ECHO_ID, ICMP_ECHO_SEQ, ICMP_HEADER_LEN, ICMP_TYPE } from './wire/fields.js';
import { IcmpType } from './wire/types.js';

/** Largest echo data: 65535 minus the 20-byte IP and 8-byte ICMP headers. */
export const MAX_PING_SIZE = 65_535 - 20 - ICMP_HEADER_LEN;
/** Bytes at the start of the echo data that carry the send time (a float64 of `scheduler.now()`). */
const TIMESTAMP_LEN = 8;
const PROTOCOL_ICMP = 1;

interface Outstanding {
  readonly seq: number;
  readonly dst: number;
  /** Any source may answer (a ping to a broadcast or multicast address). */
  readonly anySource: boolean;
  readonly sentAt: number;
  cancel: Cancel;
  readonly resolve: (result: PingResult) => void;
}

/**
 * The ping client of the ICMP layer (RFC 792 echo): one identifier per
 * layer, a sequence number per ping, one timer per outstanding ping on the
 * Scheduler, RTT in scheduler milliseconds.
 */
export class Pinger {
  /** The echo identifier of this layer, drawn once from `Random`. */
  readonly id: number;
  private nextSeq = 1;
  private readonly outstanding = new Map<number, Outstanding>();
  private readonly stampBytes = new Uint8Array(TIMESTAMP_LEN);
  private readonly stamp = new DataView(this.stampBytes.buffer);
  private closed = false;
  // The echo being written: read by `fill`, which ip.write calls synchronously.
  private fillSeq = 0;
  private fillSentAt = 0;
  private readonly fill = (buf: Uint8Array): void => this.writeEcho(buf);

  constructor(
    private readonly ip: IpLayer,
    private readonly scheduler: Scheduler,
    private readonly config: ResolvedIcmpConfig,
    private readonly isBroadcast: (addr: number) => boolean,
    private readonly onSent: () => void,
    id: number,
  ) {
    this.id = id & 0xffff;
  }

  /** Pings outstanding now. */
  get pending(): number {
    return this.outstanding.size;
  }

  /** Sends one echo request and resolves with its outcome; see `IcmpLayer.ping`. */
  ping(dst: number, options: PingOptions = {}): Promise<PingResult> {
    if (this.closed) return Promise.reject(new StackError('ERR_CLOSED', 'icmp: ping after close'));
    if (!Number.isInteger(dst) || dst < 0 || dst > 0xffffffff) {
      return Promise.reject(new StackError('ERR_INVALID_ARGUMENT', `icmp: ping destination must be an IPv4 address (integer 0..2^32-1), got ${dst}`));
    }
    const size = options.size ?? 56;
    if (!Number.isInteger(size) || size < 0 || size > MAX_PING_SIZE) {
      return Promise.reject(new StackError('ERR_INVALID_ARGUMENT', `icmp: ping size must be an integer 0..${MAX_PING_SIZE}, got ${size}`));
    }
    const timeout = options.timeout ?? this.config.pingTimeout;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      return Promise.reject(new StackError('ERR_INVALID_ARGUMENT', `icmp: ping timeout must be a finite number of ms > 0, got ${timeout}`));
    }
    if (options.ttl !== undefined && (!Number.isInteger(options.ttl) || options.ttl < 1 || options.ttl > 255)) {
      return Promise.reject(new StackError('ERR_INVALID_ARGUMENT', `icmp: ping ttl must be an integer 1..255, got ${options.ttl}`));
    }
    if (this.outstanding.size >= this.config.maxOutstandingPings) {
      return Promise.reject(
        new StackError(
          'ERR_INVALID_ARGUMENT',
          `icmp: ${this.outstanding.size} pings outstanding, the limit (maxOutstandingPings) is ${this.config.maxOutstandingPings}; await some first`,
        ),
      );
    }
    const seq = this.takeSeq();
    const writeOptions: IpWriteOptions = {};
    if (options.ttl !== undefined) writeOptions.ttl = options.ttl;
    if (options.dontFragment !== undefined) writeOptions.dontFragment = options.dontFragment;
    const sentAt = this.scheduler.now();
    this.fillSeq = seq;
    this.fillSentAt = sentAt;
    const error = this.ip.write(dst, PROTOCOL_ICMP, ICMP_HEADER_LEN + size, this.fill, writeOptions);
    if (error !== null) {
      return Promise.resolve({ ok: false, error: error === 'no-route' ? 'no-route' : 'unreachable', seq });
    }
    this.onSent();
    return new Promise<PingResult>((resolve) => {
      const entry: Outstanding = { seq, dst, anySource: this.isBroadcast(dst), sentAt, cancel: noop, resolve };
      entry.cancel = this.scheduler.at(sentAt + timeout, () => this.finish(entry, { ok: false, error: 'timeout', seq }));
      this.outstanding.set(seq, entry);
    });
  }

  /**
   * An echo reply came in. Returns true when it answered one of our pings
   * (identifier, sequence number and source match) and resolved it.
   */
  reply(id: number, seq: number, from: number, ttl: number, bytes: number): boolean {
    if (id !== this.id) return false;
    const entry = this.outstanding.get(seq);
    if (entry === undefined || (!entry.anySource && entry.dst !== from)) return false;
    this.finish(entry, { ok: true, rtt: this.scheduler.now() - entry.sentAt, ttl, bytes, seq, from });
    return true;
  }

  /**
   * An ICMP error quoting one of our echo requests (delivered back to ICMP by
   * IP): the ping resolves `unreachable`. Returns true when it matched.
   */
  error(err: IpErrorInfo): boolean {
    if (err.kind === 'source-quench') return false; // RFC 6633: ignored
    const q = err.quoted;
    if (q.length < ICMP_HEADER_LEN || q[ICMP_TYPE] !== IcmpType.EchoRequest || readU16(q, ICMP_ECHO_ID) !== this.id) return false;
    const entry = this.outstanding.get(readU16(q, ICMP_ECHO_SEQ));
    if (entry === undefined || entry.dst !== err.dst) return false;
    this.finish(entry, { ok: false, error: 'unreachable', seq: entry.seq });
    return true;
  }

  /** Cancels every timer; outstanding pings resolve `timeout` at once. No more pings. */
  close(): void {
    this.closed = true;
    for (const entry of [...this.outstanding.values()]) this.finish(entry, { ok: false, error: 'timeout', seq: entry.seq });
  }

  private finish(entry: Outstanding, result: PingResult): void {
    entry.cancel();
    this.outstanding.delete(entry.seq);
    entry.resolve(result);
  }

  /** The next sequence number not in use (16 bits, wraps; the limit keeps some free). */
  private takeSeq(): number {
    let seq = this.nextSeq;
    while (this.outstanding.has(seq)) seq = (seq + 1) & 0xffff;
    this.nextSeq = (seq + 1) & 0xffff;
    return seq;
  }

  /** Echo request: header, then a float64 send timestamp (scheduler time) and a byte pattern, like ping(8). */
  private writeEcho(buf: Uint8Array): void {
    buf[ICMP_TYPE] = IcmpType.EchoRequest;
    buf[ICMP_CODE] = 0;
    writeU16(buf, ICMP_CHECKSUM, 0);
    writeU16(buf, ICMP_ECHO_ID, this.id);
    writeU16(buf, ICMP_ECHO_SEQ, this.fillSeq);
    const data = buf.subarray(ICMP_HEADER_LEN);
    let i = 0;
    if (data.length >= TIMESTAMP_LEN) {
      this.stamp.setFloat64(0, this.fillSentAt);
      data.set(this.stampBytes, 0);
      i = TIMESTAMP_LEN;
    }
    for (; i < data.length; i++) data[i] = i & 0xff;
    writeU16(buf, ICMP_CHECKSUM, checksum(buf));
  }
}

function noop(): void {}
