import { writeU16, writeU32 } from '@stack/wire';
import { halfSipHash24, type IsnSecret } from '../engine/isn.js';

/**
 * MSS values a cookie can carry (3 bits): the largest not above the peer's
 * MSS is chosen, so the connection runs with at most what the peer asked
 * for (the values Linux's table holds, widened for jumbo frames).
 */
export const COOKIE_MSS = [216, 536, 1200, 1300, 1440, 1460, 4312, 8960] as const;
/** How long a cookie's time slot lasts, ms (as Linux: 64 s); a cookie is good in its slot and the next. */
export const COOKIE_SLOT_MS = 64_000;
/** TSval bits that carry the options when timestamps are on (Linux's TSBITS). */
const TS_BITS = 6;
const TS_MASK = (1 << TS_BITS) - 1;
/** Window-scale value meaning "the peer offered none". */
const NO_WSCALE = 0xf;
const SACK_BIT = 0x10;

/** What a SYN cookie remembers of the SYN (RFC 4987 §3.6). */
export interface CookieSyn {
  /** The MSS the connection will use (one of COOKIE_MSS). */
  readonly mss: number;
  /** The peer's window scale, or -1 when it offered none or timestamps are off (then it cannot be carried). */
  readonly windowScale: number;
  readonly sackPermitted: boolean;
  /** Timestamps were on in the SYN and our SYN-ACK. */
  readonly timestamps: boolean;
}

/**
 * SYN cookies (RFC 4987 §3.6): the ISN of a SYN-ACK sent without keeping
 * state encodes a 5-bit time slot, a 3-bit MSS index and 24 bits of a keyed
 * hash (HalfSipHash-2-4) of the 4-tuple, the slot and the peer's ISN. The
 * ACK that completes the handshake acknowledges ISN + 1, which is checked
 * and decoded. Window scale and SACK-permitted ride in the low 6 bits of
 * our TSval when timestamps are on, as Linux does; without timestamps they
 * are lost, and the connection runs without them.
 */
export class SynCookies {
  private readonly msg = new Uint8Array(20);

  constructor(private readonly secret: IsnSecret) {}

  private hash(localAddr: number, localPort: number, remoteAddr: number, remotePort: number, slot: number, peerIsn: number): number {
    const m = this.msg;
    writeU32(m, 0, localAddr >>> 0);
    writeU32(m, 4, remoteAddr >>> 0);
    writeU16(m, 8, localPort);
    writeU16(m, 10, remotePort);
    writeU32(m, 12, slot >>> 0);
    writeU32(m, 16, peerIsn >>> 0);
    return halfSipHash24(this.secret.k0, this.secret.k1, m) & 0xff_ffff;
  }

  /** The index into COOKIE_MSS of the largest MSS not above `peerMss`. */
  static mssIndex(peerMss: number): number {
    let i = COOKIE_MSS.length - 1;
    while (i > 0 && COOKIE_MSS[i]! > peerMss) i--;
    return i;
  }

  /** Our ISN for a SYN from `remote` with ISN `peerIsn`, received at `now`, granting MSS COOKIE_MSS[mssIndex]. */
  isn(localAddr: number, localPort: number, remoteAddr: number, remotePort: number, peerIsn: number, mssIndex: number, now: number): number {
    const slot = Math.floor(now / COOKIE_SLOT_MS);
    return (((slot & 0x1f) << 27) | ((mssIndex & 7) << 24) | this.hash(localAddr, localPort, remoteAddr, remotePort, slot, peerIsn)) >>> 0;
  }

  /**
   * Checks the ACK completing a cookie handshake: `ack` is its SEG.ACK,
   * `peerIsn` its SEG.SEQ − 1. Returns the granted MSS, or -1 when the
   * cookie is not ours or older than one slot.
   */
  check(localAddr: number, localPort: number, remoteAddr: number, remotePort: number, peerIsn: number, ack: number, now: number): number {
    const cookie = (ack - 1) >>> 0;
    const slotNow = Math.floor(now / COOKIE_SLOT_MS);
    // This slot or the one before (no array per ACK: this runs for every ACK a SYN flood's cookies draw).
    for (let slot = slotNow; slot >= slotNow - 1; slot--) {
      if (slot < 0 || (slot & 0x1f) !== cookie >>> 27) continue;
      if (this.hash(localAddr, localPort, remoteAddr, remotePort, slot, peerIsn) === (cookie & 0xff_ffff)) return COOKIE_MSS[(cookie >>> 24) & 7]!;
    }
    return -1;
  }

  /** Our TSval for the cookie SYN-ACK: `tsNow` with its low bits carrying window scale and SACK-permitted, never ahead of `tsNow`. */
  static encodeTsval(tsNow: number, windowScale: number, sackPermitted: boolean): number {
    const bits = (windowScale < 0 ? NO_WSCALE : Math.min(windowScale, 14)) | (sackPermitted ? SACK_BIT : 0);
    let ts = ((tsNow & ~TS_MASK) | bits) >>> 0;
    if (ts > tsNow >>> 0) ts = (ts - (1 << TS_BITS)) >>> 0;
    return ts;
  }

  /** Window scale (-1: none) and SACK-permitted from the TSecr of the completing ACK. */
  static decodeTsecr(tsecr: number): { windowScale: number; sackPermitted: boolean } {
    const ws = tsecr & 0xf;
    return { windowScale: ws === NO_WSCALE ? -1 : ws, sackPermitted: (tsecr & SACK_BIT) !== 0 };
  }
}
