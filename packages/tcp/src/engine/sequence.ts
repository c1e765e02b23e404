// Sequence numbers inside the engine (RFC 9293 §3.4): held as int32, the
// u32 of the wire reinterpreted (`x | 0`), so that V8 keeps them as small
// integers: a u32 field past 2^31 would be a boxed heap number in every
// connection. Comparisons and distances (`seqLt`, `seqDiff`, ...) look at
// the 32-bit difference and so hold for either form; equality between a
// wire value and an engine value must compare the int32 forms. Values
// leave the engine (SegmentOut, `sequenceBase`) as u32 again (`x >>> 0`).
export { seqDiff, seqGe, seqGt, seqLe, seqLt } from '../wire/seq.js';

/** `seq + n` modulo 2^32, as an int32 (`n` may be negative). */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) | 0;
}
