import {
  StackError,
  type Counters, type IcmpConfig, type IcmpErrorKind, type IcmpLayer, type IpErrorInfo, type IpLayer, type IpRxInfo, type IpWriteOptions,
  type PingOptions, type PingResult, type Random, type Scheduler,
} from '@stack/interfaces';
import { broadcastOf, checksum, networkOf, readU16, readU32, updateChecksum16, writeU16, writeU32 } from '@stack/wire';
import { resolveIcmpConfig, type ResolvedIcmpConfig } from './config.js';
import { datagramErrorSuppression, notAHost } from './engine/error-policy.js';
import { nextHopMtu } from './engine/path-mtu.js';
import { TokenBucket } from './engine/token-bucket.js';
import { Pinger } from './ping.js';
import {
  ERROR_DATAGRAM_MAX, ICMP_CHECKSUM, ICMP_CODE, ICMP_ECHO_ID, ICMP_ECHO_SEQ, ICMP_HEADER_LEN, ICMP_NEXT_HOP_MTU, ICMP_REST, ICMP_TYPE,
  IP_DST, IP_MIN_HEADER_LEN, IP_SRC,
} from './wire/fields.js';
import { checkIcmp } from './wire/icmp.js';
import { checkQuotedDatagram, parseQuotedDatagram, quotedDatagramEnd } from './wire/quoted.js';
import { IcmpType, TimeExceededCode, UnreachableCode } from './wire/types.js';

/** What the ICMP layer needs besides IP: time and randomness (DESIGN.md, "Contracts"). */
export interface IcmpDeps {
  readonly scheduler: Scheduler;
  readonly random: Random;
}

/** The ICMP layer's counters (the contract's, plus `dropped` reasons documented in the README). */
export interface IcmpStats {
  rx: number;
  tx: number;
  dropped: Counters;
  errorsSent: number;
  errorsRateLimited: number;
  echoReplies: number;
}

const PROTOCOL_ICMP = 1;
/** Bytes of the original datagram an error may quote so the error datagram stays ≤ 576 (RFC 1812 §4.3.2.3). */
const MAX_QUOTE = ERROR_DATAGRAM_MAX - IP_MIN_HEADER_LEN - ICMP_HEADER_LEN;
/** The first header word of an echo request and of its reply (type, code), for the RFC 1624 update. */
const ECHO_REQUEST_WORD = IcmpType.EchoRequest << 8;
const ECHO_REPLY_WORD = IcmpType.EchoReply << 8;
/** TOS of the errors we send: precedence 6, internetwork control (RFC 1812 §4.3.2.5). */
const ERROR_TOS = 0xc0;

const ERROR_TYPES: Readonly<Record<IcmpErrorKind, readonly [type: number, code: number]>> = Object.freeze({
  'port-unreachable': [IcmpType.DestinationUnreachable, UnreachableCode.Port],
  'protocol-unreachable': [IcmpType.DestinationUnreachable, UnreachableCode.Protocol],
  'fragmentation-needed': [IcmpType.DestinationUnreachable, UnreachableCode.FragmentationNeeded],
  'ttl-exceeded': [IcmpType.TimeExceeded, TimeExceededCode.TtlExceeded],
  'reassembly-time-exceeded': [IcmpType.TimeExceeded, TimeExceededCode.ReassemblyTimeExceeded],
} as const);

/** Write options of an error IP picks the source of: never changed, so shared. */
const ERROR_OPTIONS_ANY: IpWriteOptions = Object.freeze({ tos: ERROR_TOS });

function newDropped(): Counters {
  return {
    truncated: 0, malformed: 0, checksum: 0, unsupported: 0, unknownType: 0,
    echoIgnored: 0, broadcastEcho: 0, badSource: 0, unmatchedReply: 0, notOurs: 0, sourceQuench: 0, txFailed: 0,
    rateLimited: 0, aboutError: 0, toBroadcast: 0, fragment: 0, badOriginal: 0,
  };
}

class Icmp implements IcmpLayer {
  readonly stats: IcmpStats = { rx: 0, tx: 0, dropped: newDropped(), errorsSent: 0, errorsRateLimited: 0, echoReplies: 0 };
  private readonly pinger: Pinger;
  private readonly bucket: TokenBucket;
  private closed = false;

  // The message being written by the preallocated fills below; ip.write
  // calls a fill synchronously, so one slot each is enough and no closure
  // is allocated per packet.
  private echoRequest: Uint8Array = new Uint8Array(0);
  private readonly echoFill = (buf: Uint8Array): void => this.writeEchoReply(buf);
  private errorType = 0;
  private errorCode = 0;
  private errorMtu = 0;
  private errorQuote: Uint8Array = new Uint8Array(0);
  private readonly errorFill = (buf: Uint8Array): void => this.writeError(buf);
  // Prebuilt write options, one object per shape, filled in per message
  // (never a `delete`, which would turn them into slow dictionary objects):
  // a reply from the address the request was sent to, or from one IP picks.
  private readonly replyFrom: { src: number; tos: number } = { src: 0, tos: 0 };
  private readonly replyAny: { tos: number } = { tos: 0 };
  private readonly errorFrom: { src: number; tos: number } = { src: 0, tos: ERROR_TOS };
  private readonly isBroadcastFn = (addr: number): boolean => this.isBroadcast(addr);

  constructor(
    private readonly ip: IpLayer,
    private readonly deps: IcmpDeps,
    readonly config: ResolvedIcmpConfig,
  ) {
    this.bucket = new TokenBucket(config.errorBurst, config.errorsPerSecond, deps.scheduler.now());
    this.pinger = new Pinger(ip, deps.scheduler, config, this.isBroadcastFn, () => this.stats.tx++, deps.random.u32());
  }

  // ---------------------------------------------------------------- receive

  input(payload: Uint8Array, info: IpRxInfo): void {
    if (this.closed) return;
    this.stats.rx++;
    const bad = checkIcmp(payload, !info.checksumVerified);
    if (bad !== null) {
      this.drop(bad.kind);
      return;
    }
    const type = payload[ICMP_TYPE]!;
    const code = payload[ICMP_CODE]!;
    switch (type) {
      case IcmpType.EchoRequest:
        if (code === 0) return this.answerEcho(payload, info);
        break;
      case IcmpType.EchoReply:
        if (code === 0) {
          const matched = this.pinger.reply(readU16(payload, ICMP_ECHO_ID), readU16(payload, ICMP_ECHO_SEQ), info.src, info.ttl, payload.length);
          if (!matched) this.drop('unmatchedReply');
          return;
        }
        break;
      case IcmpType.DestinationUnreachable:
      case IcmpType.TimeExceeded:
      case IcmpType.ParameterProblem:
        return this.receiveError(type, code, payload, info);
      case IcmpType.SourceQuench:
        // RFC 6633 §3: deprecated; hosts MUST silently discard it (no
        // transport protocol hears of it). Counted only.
        return this.drop('sourceQuench');
    }
    this.drop('unknownType');
  }

  /** Errors about ICMP datagrams we sent (IP hands them back to protocol 1): settle the ping they quote. */
  error(err: IpErrorInfo): void {
    this.pinger.error(err);
  }

  /** RFC 792 echo → echo reply; RFC 1122 §3.2.2.6: same identifier, sequence number and data. */
  private answerEcho(request: Uint8Array, info: IpRxInfo): void {
    if (!this.config.replyToEcho) return this.drop('echoIgnored');
    if (info.broadcast && !this.config.replyToBroadcastEcho) return this.drop('broadcastEcho');
    if (notAHost(info.src) || this.isBroadcast(info.src)) return this.drop('badSource');
    // Answer from the address the request was sent to; for a broadcast
    // request let IP pick one of ours (RFC 1122 §3.2.2.6).
    let options: IpWriteOptions;
    if (info.broadcast) {
      this.replyAny.tos = info.tos;
      options = this.replyAny;
    } else {
      this.replyFrom.src = info.dst;
      this.replyFrom.tos = info.tos;
      options = this.replyFrom;
    }
    this.echoRequest = request;
    const error = this.ip.write(info.src, PROTOCOL_ICMP, request.length, this.echoFill, options);
    this.echoRequest = EMPTY;
    if (error !== null) return this.drop('txFailed');
    this.stats.tx++;
    this.stats.echoReplies++;
  }

  /** One copy of the request into IP's region, then the type flip and an RFC 1624 checksum update. */
  private writeEchoReply(buf: Uint8Array): void {
    buf.set(this.echoRequest);
    buf[ICMP_TYPE] = IcmpType.EchoReply;
    writeU16(buf, ICMP_CHECKSUM, updateChecksum16(readU16(buf, ICMP_CHECKSUM), ECHO_REQUEST_WORD, ECHO_REPLY_WORD));
  }

  /** An error about a datagram we sent: parse the quote, learn the path MTU, hand it to the protocol. */
  private receiveError(type: number, code: number, payload: Uint8Array, info: IpRxInfo): void {
    const quoted = parseQuotedDatagram(payload.subarray(ICMP_HEADER_LEN));
    if (!quoted.ok) return this.drop(quoted.error.kind);
    const q = quoted.value;
    // The quoted datagram must be one of ours, or the error is forged or misrouted (RFC 5927 §4).
    if (!this.ip.isLocal(q.src)) return this.drop('notOurs');
    let mtu = 0;
    if (type === IcmpType.DestinationUnreachable && code === UnreachableCode.FragmentationNeeded) {
      mtu = nextHopMtu(readU16(payload, ICMP_NEXT_HOP_MTU), q.totalLength);
      this.ip.updatePathMtu(q.dst, mtu);
    }
    this.ip.deliverError({
      kind:
        type === IcmpType.DestinationUnreachable ? 'unreachable'
        : type === IcmpType.TimeExceeded ? 'time-exceeded'
        : 'parameter-problem',
      code,
      reporter: info.src,
      mtu,
      src: q.src,
      dst: q.dst,
      protocol: q.protocol,
      quoted: q.transport,
    });
  }

  // ------------------------------------------------------------------- send

  ping(dst: number, options?: PingOptions): Promise<PingResult> {
    return this.pinger.ping(dst, options);
  }

  sendError(kind: IcmpErrorKind, original: Uint8Array, mtu?: number): boolean {
    const typeCode = ERROR_TYPES[kind];
    if (typeCode === undefined) {
      throw new StackError('ERR_INVALID_ARGUMENT', `icmp: unknown error kind "${String(kind)}" (want one of ${Object.keys(ERROR_TYPES).join(', ')})`);
    }
    if (this.closed) return false;
    // The cheap checks first, read straight from the bytes (no parse, no
    // allocation); then the token, so a rate-limited flood costs no more.
    if (checkQuotedDatagram(original) !== null) {
      this.drop('badOriginal');
      return false;
    }
    const suppressed = datagramErrorSuppression(original, this.isBroadcastFn);
    if (suppressed !== null) {
      this.drop(suppressed);
      return false;
    }
    if (!this.bucket.take(this.deps.scheduler.now())) {
      this.stats.errorsRateLimited++;
      this.drop('rateLimited');
      return false;
    }
    // RFC 792 asks for the header and 64 bits of data; RFC 1812 §4.3.2.3
    // allows as much as keeps the error datagram within 576 bytes, which
    // is what Linux sends. Never past the original's Total Length.
    const quoteLen = Math.min(quotedDatagramEnd(original), MAX_QUOTE);
    const origSrc = readU32(original, IP_SRC);
    const origDst = readU32(original, IP_DST);
    this.errorType = typeCode[0];
    this.errorCode = typeCode[1];
    this.errorMtu = kind === 'fragmentation-needed' ? Math.max(0, Math.min(0xffff, Math.floor(mtu ?? 0))) : 0;
    this.errorQuote = original.subarray(0, quoteLen);
    // Answer from the address the offending datagram was sent to when it is
    // ours; precedence 6, internetwork control (RFC 1812 §4.3.2.5), as Linux does.
    let options: IpWriteOptions = ERROR_OPTIONS_ANY;
    if (this.ip.isLocal(origDst)) {
      this.errorFrom.src = origDst;
      options = this.errorFrom;
    }
    const error = this.ip.write(origSrc, PROTOCOL_ICMP, ICMP_HEADER_LEN + quoteLen, this.errorFill, options);
    this.errorQuote = EMPTY;
    if (error !== null) {
      this.drop('txFailed');
      return false;
    }
    this.stats.tx++;
    this.stats.errorsSent++;
    return true;
  }

  private writeError(buf: Uint8Array): void {
    buf[ICMP_TYPE] = this.errorType;
    buf[ICMP_CODE] = this.errorCode;
    writeU16(buf, ICMP_CHECKSUM, 0);
    writeU32(buf, ICMP_REST, 0);
    writeU16(buf, ICMP_NEXT_HOP_MTU, this.errorMtu);
    buf.set(this.errorQuote, ICMP_HEADER_LEN);
    writeU16(buf, ICMP_CHECKSUM, checksum(buf));
  }

  // ------------------------------------------------------------------ misc

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pinger.close();
  }

  /** A directed broadcast (or the all-zeros network address) of one of our networks, or a limited/multicast address. */
  private isBroadcast(addr: number): boolean {
    if (addr >>> 28 >= 0xe) return true;
    for (const cidr of this.ip.addresses) {
      if (cidr.prefix <= 30 && (addr === broadcastOf(cidr) || addr === networkOf(cidr))) return true;
    }
    return false;
  }

  private drop(reason: string): void {
    this.stats.dropped[reason] = (this.stats.dropped[reason] ?? 0) + 1;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * Creates the ICMPv4 layer (RFC 792, RFC 1122 §3.2.2) over `ip`: registers
 * itself for protocol 1 and as IP's error sender. It answers echo requests,
 * pings (`ping`), turns received errors into `IpErrorInfo` for the quoted
 * datagram's protocol (and path MTU updates, RFC 1191), and sends rate-limited
 * errors for IP and UDP (`sendError`). Throws ERR_INVALID_CONFIG on a bad config.
 */
export function createIcmp(ip: IpLayer, deps: IcmpDeps, config?: IcmpConfig): IcmpLayer {
  const layer = new Icmp(ip, deps, resolveIcmpConfig(config));
  ip.register(PROTOCOL_ICMP, layer);
  ip.setErrorSender(layer);
  return layer;
}
