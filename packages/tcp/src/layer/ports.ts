import { halfSipHashWords, swap16, swap32, type IsnSecret } from '../engine/isn.js';

/** Size of RFC 6056 Algorithm 4's table of per-bucket increments. */
const TABLE_LENGTH = 256;

/** Says whether a local port is free for a connection (the layer: not listening, the 4-tuple unused). */
export interface PortCheck {
  portFree(localAddr: number, localPort: number, remoteAddr: number, remotePort: number): boolean;
}

/**
 * Ephemeral ports for active opens by RFC 6056 §3.3.4 (Algorithm 4,
 * "double-hash port selection", which Linux uses): the search starts at a
 * keyed hash of the destination plus a per-bucket counter, so ports to one
 * destination move on sequentially (no early reuse of a TIME-WAIT tuple)
 * while ports to different destinations are unrelated and unpredictable
 * off-path. Allocation-free.
 */
export class EphemeralPorts {
  private readonly table = new Uint32Array(TABLE_LENGTH);

  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly offsetKey: IsnSecret,
    private readonly indexKey: IsnSecret,
  ) {}

  /**
   * A port in min..max for a connection from `localAddr` to
   * `remoteAddr:remotePort` that `free.portFree` accepts, or -1 when every
   * port is taken.
   */
  pick(localAddr: number, remoteAddr: number, remotePort: number, free: PortCheck): number {
    // The keyed hashes of the 10 bytes local address, remote address, remote port (network order).
    const a = swap32(localAddr);
    const b = swap32(remoteAddr);
    const last = (10 << 24) | swap16(remotePort);
    const offset = halfSipHashWords(this.offsetKey.k0, this.offsetKey.k1, 2, a, b, 0, 0, 0, last);
    const index = halfSipHashWords(this.indexKey.k0, this.indexKey.k1, 2, a, b, 0, 0, 0, last) % TABLE_LENGTH;
    const num = this.max - this.min + 1;
    for (let count = num; count > 0; count--) {
      const port = this.min + ((offset + this.table[index]!) % num);
      this.table[index] = (this.table[index]! + 1) >>> 0;
      if (free.portFree(localAddr, port, remoteAddr, remotePort)) return port;
    }
    return -1;
  }
}
