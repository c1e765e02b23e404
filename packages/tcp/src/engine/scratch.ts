import type { TcpOptions } from '../wire/options.js';
import { SegmentOut, type MutableTimestamps } from './segment.js';

/** A SACK block the engine refills for every segment it sends. */
export interface MutableSackBlock {
  left: number;
  right: number;
}

/**
 * What a connection fills to send a segment: the `SegmentOut` handed to
 * `TcpOutput.emit` and the option objects it points at. A segment is only
 * valid during `emit`, so connections need not own one each: `poll`
 * borrows this for its duration (`borrowTx`) and gives it back
 * (`returnTx`). One is kept per process; a poll that starts while another
 * is running (an `emit` that re-enters some other connection's `poll`)
 * gets a fresh one, so the two never share.
 */
export class TxScratch {
  readonly seg = new SegmentOut();
  readonly ts: MutableTimestamps = { value: 0, echo: 0 };
  readonly tsOptions: TcpOptions = { timestamps: this.ts };
  /** The SACK blocks (RFC 2018 §3: at most 4; 3 beside timestamps) and the array of those in use. */
  readonly sackPool: MutableSackBlock[] = [{ left: 0, right: 0 }, { left: 0, right: 0 }, { left: 0, right: 0 }, { left: 0, right: 0 }];
  readonly sackBlocks: MutableSackBlock[] = [];
  readonly sackOptions: TcpOptions = { sack: this.sackBlocks };
  readonly tsSackOptions: TcpOptions = { timestamps: this.ts, sack: this.sackBlocks };
  /** Option bytes the SACK blocks take in the segment being built (0 without): payload room they cost. */
  sackOptLen = 0;
}

let spare: TxScratch | null = null;

/** The process's scratch, or a new one when it is in use. */
export function borrowTx(): TxScratch {
  const tx = spare ?? new TxScratch();
  spare = null;
  return tx;
}

/** Gives `tx` back after the poll that borrowed it. */
export function returnTx(tx: TxScratch): void {
  tx.seg.source = null;
  spare = tx;
}
