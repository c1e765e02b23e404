import { checkKeys, intOption, invalid, numberOption } from '../config.js';

/** A time window, in scheduler milliseconds, during which every frame is dropped. */
export interface Blackout {
  /** Start, inclusive. */
  readonly from: number;
  /** End, exclusive (Infinity: for ever). */
  readonly to: number;
}

/** A token bucket (as Linux tbf): frames pass while tokens last, then queue, then drop. */
export interface RateSpec {
  /** Sustained rate, bits per second. */
  readonly bitsPerSecond: number;
  /** Bucket size, bytes (default: 10 ms at the rate, at least 1518). Frames larger than it are dropped. */
  readonly burst?: number;
  /** Bytes that may wait for tokens (default 65536); beyond it frames are dropped. */
  readonly limit?: number;
}

/** Reordering: a frame is held back this long, so the frames behind it overtake it. */
export interface ReorderSpec {
  /** Chance per frame, 0..1. */
  readonly probability: number;
  /** How much longer a held frame takes, ms (default 1). */
  readonly delay?: number;
}

/**
 * What `withFaults` does to frames. Every field is optional; an empty spec
 * passes frames unchanged. Order per frame: blackout, mtu, loss, corrupt,
 * duplicate, rate, then delay + jitter + reorder.
 */
export interface FaultSpec {
  /** Chance a frame is dropped, 0..1. */
  readonly loss?: number;
  /** Chance a frame is sent twice, 0..1. */
  readonly duplicate?: number;
  /** Chance one random bit of a frame is flipped, 0..1. */
  readonly corrupt?: number;
  /** Chance (or spec) a frame is held back so later ones overtake it. */
  readonly reorder?: number | ReorderSpec;
  /** Extra one-way delay, ms (default 0). */
  readonly delay?: number;
  /** Delay varies uniformly by ± this many ms (never below 0); frames may reorder, as with netem. */
  readonly jitter?: number;
  /**
   * Frames with more than this many payload bytes (frame - 14, - 4 more if
   * VLAN tagged) vanish: a path MTU black hole. The device still reports the
   * inner MTU.
   */
  readonly mtu?: number;
  /** Rate limit. */
  readonly rate?: RateSpec;
  /** Windows of scheduler time with no traffic at all. */
  readonly blackouts?: readonly Blackout[];
  /** Which frames the faults apply to: sent ('tx'), received ('rx'), or both (default). */
  readonly direction?: 'tx' | 'rx' | 'both';
}

/** A spec with every default filled in and checked. */
export interface ResolvedFaultSpec {
  loss: number;
  duplicate: number;
  corrupt: number;
  reorder: number;
  reorderDelay: number;
  delay: number;
  jitter: number;
  mtu: number;
  rate: { bitsPerSecond: number; burst: number; limit: number } | null;
  blackouts: readonly Blackout[];
  tx: boolean;
  rx: boolean;
}

const WHERE = 'withFaults';
const KEYS = ['loss', 'duplicate', 'corrupt', 'reorder', 'delay', 'jitter', 'mtu', 'rate', 'blackouts', 'direction'] as const;

function probability(what: string, value: unknown): number {
  return numberOption(WHERE, `${what} (a probability)`, value, 0, 0, { max: 1 });
}

/**
 * Checks a FaultSpec and fills in defaults. Throws ERR_INVALID_CONFIG naming
 * the field and what is allowed (probabilities 0..1, times >= 0, ...).
 */
export function resolveFaultSpec(spec: FaultSpec): ResolvedFaultSpec {
  if (typeof spec !== 'object' || spec === null) invalid(WHERE, 'the spec', 'an object', spec);
  checkKeys(WHERE, spec, KEYS);
  let reorder = 0;
  let reorderDelay = 1;
  if (typeof spec.reorder === 'object' && spec.reorder !== null) {
    checkKeys(`${WHERE}: reorder`, spec.reorder, ['probability', 'delay']);
    reorder = probability('reorder.probability', spec.reorder.probability);
    reorderDelay = numberOption(WHERE, 'reorder.delay (ms)', spec.reorder.delay, 1, 0);
  } else {
    reorder = probability('reorder', spec.reorder);
  }
  let rate: ResolvedFaultSpec['rate'] = null;
  if (spec.rate !== undefined) {
    if (typeof spec.rate !== 'object' || spec.rate === null) invalid(WHERE, 'rate', 'an object { bitsPerSecond, burst?, limit? }', spec.rate);
    checkKeys(`${WHERE}: rate`, spec.rate, ['bitsPerSecond', 'burst', 'limit']);
    if (spec.rate.bitsPerSecond === undefined) invalid(WHERE, 'rate.bitsPerSecond', 'a number > 0', undefined);
    const bitsPerSecond = numberOption(WHERE, 'rate.bitsPerSecond', spec.rate.bitsPerSecond, 0, 1);
    const burst = numberOption(WHERE, 'rate.burst (bytes)', spec.rate.burst, Math.max(1518, Math.ceil(bitsPerSecond / 800)), 1);
    const limit = numberOption(WHERE, 'rate.limit (bytes)', spec.rate.limit, 65_536, 0);
    rate = { bitsPerSecond, burst, limit };
  }
  const blackouts = spec.blackouts ?? [];
  if (!Array.isArray(blackouts)) invalid(WHERE, 'blackouts', 'an array of { from, to }', blackouts);
  blackouts.forEach((b: Blackout, i: number) => {
    const ok = typeof b === 'object' && b !== null && typeof b.from === 'number' && Number.isFinite(b.from)
      && typeof b.to === 'number' && !Number.isNaN(b.to) && b.to > b.from;
    if (!ok) invalid(WHERE, `blackouts[${i}]`, '{ from, to } with finite from < to (ms of scheduler time)', JSON.stringify(b));
  });
  const direction = spec.direction ?? 'both';
  if (direction !== 'tx' && direction !== 'rx' && direction !== 'both') invalid(WHERE, 'direction', "'tx', 'rx' or 'both'", direction);
  return {
    loss: probability('loss', spec.loss),
    duplicate: probability('duplicate', spec.duplicate),
    corrupt: probability('corrupt', spec.corrupt),
    reorder,
    reorderDelay,
    delay: numberOption(WHERE, 'delay (ms)', spec.delay, 0, 0),
    jitter: numberOption(WHERE, 'jitter (ms)', spec.jitter, 0, 0),
    mtu: intOption(WHERE, 'mtu', spec.mtu, Number.MAX_SAFE_INTEGER, 0, Number.MAX_SAFE_INTEGER),
    rate,
    blackouts: blackouts.map((b: Blackout) => ({ from: b.from, to: b.to })),
    tx: direction !== 'rx',
    rx: direction !== 'tx',
  };
}
