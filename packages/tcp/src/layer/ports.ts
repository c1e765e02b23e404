import { writeU16, writeU32 } from '@stack/wire';
import { halfSipHash24, type IsnSecret } from '../engine/isn.js';

/** Size of RFC 6056 Algorithm 4's table of per-bucket increments. */
const TABLE_LENGTH = 256;

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
  private readonly msg = new Uint8Array(10);

  constructor(
    private readonly min: number,
    private readonly max: number,
    private readonly offsetKey: IsnSecret,
    private readonly indexKey: IsnSecret,
  ) {}

  /**
   * A port in min..max for a connection from `localAddr` to
   * `remoteAddr:remotePort` for which `free(port)` holds, or -1 when every
   * port is taken.
   */
  pick(localAddr: number, remoteAddr: number, remotePort: number, free: (port: number) => boolean): number {
    const m = this.msg;
    writeU32(m, 0, localAddr >>> 0);
    writeU32(m, 4, remoteAddr >>> 0);
    writeU16(m, 8, remotePort);
    const offset = halfSipHash24(this.offsetKey.k0, this.offsetKey.k1, m);
    const index = halfSipHash24(this.indexKey.k0, this.indexKey.k1, m) % TABLE_LENGTH;
    const num = this.max - this.min + 1;
    for (let count = num; count > 0; count--) {
      const port = this.min + ((offset + this.table[index]!) % num);
      this.table[index] = (this.table[index]! + 1) >>> 0;
      if (free(port)) return port;
    }
    return -1;
  }
}
