// One iperf3 data stream (a TCP connection after its cookie), on either
// end: the sender writes one reused block again and again, awaiting each
// write (the flow's backpressure); the receiver counts the bytes of each
// chunk it reads and keeps no reference to them (no copy).
import type { Flow, FlowError } from '@stack/interfaces';
import { waitUntil, type Iperf3Clock, type Wait } from './clock.js';

/** A shared limit on what the sending streams of a test move (`-n` bytes, `-k` blocks; 0: none). */
export class SendBudget {
  bytes = 0;
  blocks = 0;
  constructor(
    readonly maxBytes: number,
    readonly maxBlocks: number,
  ) {}

  /** True once the limit is reached. */
  get spent(): boolean {
    return (this.maxBytes > 0 && this.bytes >= this.maxBytes) || (this.maxBlocks > 0 && this.blocks >= this.maxBlocks);
  }
}

/** How the sending loop runs. */
export interface SendOptions {
  /** The bytes written each time; never changed, shared by every stream. */
  readonly block: Uint8Array;
  readonly clock: Iperf3Clock;
  /** Pace to this many bits per second (0: as fast as the flow takes it), as iperf3's `-b` does per stream. */
  readonly bitsPerSecond: number;
  readonly budget: SendBudget;
}

/**
 * A data stream: its id, its direction, its flow, and the bytes it moved
 * while the test ran.
 */
export class DataStream {
  /** Bytes sent (a sender: every write the flow took) or received while counting. */
  bytes = 0;
  /** When it began and stopped counting, ms on the test's clock. */
  startTime = 0;
  endTime = 0;
  /** How the flow ended during the test, if it did. */
  ended: FlowError | 'eof' | null = null;
  /** Called after bytes were counted (ends tests by byte count). */
  onProgress: (() => void) | null = null;

  readonly #flow: Flow;
  #counting = false;
  #stopped = false;
  #loop: Promise<void> | null = null;
  #wait: Wait | null = null;

  constructor(
    readonly id: number,
    /** True when this end sends on it. */
    readonly sender: boolean,
    flow: Flow,
  ) {
    this.#flow = flow;
  }

  get flow(): Flow {
    return this.#flow;
  }

  /**
   * Starts reading and counting. `early` are bytes that came with the cookie
   * (counted now). Reading goes on after `stop()` (draining, not counting)
   * until the flow ends, so the peer never blocks on a full window.
   */
  startReceiving(now: number, early: readonly Uint8Array[] = []): void {
    this.startTime = now;
    this.#counting = true;
    for (const c of early) this.bytes += c.length;
    this.#loop = this.#receive();
  }

  async #receive(): Promise<void> {
    const flow = this.#flow;
    for (;;) {
      const r = await flow.read();
      if (r.data === undefined) {
        if (this.#counting) this.ended = r.eof ? 'eof' : r.error;
        return;
      }
      if (this.#counting) {
        this.bytes += r.data.length;
        this.onProgress?.();
      }
    }
  }

  /** Starts writing `options.block` until `stop()`, the budget is spent, or the flow fails. */
  startSending(now: number, options: SendOptions): void {
    this.startTime = now;
    this.#counting = true;
    this.#loop = this.#send(options);
  }

  async #send(o: SendOptions): Promise<void> {
    const flow = this.#flow;
    const size = o.block.length;
    while (!this.#stopped && !o.budget.spent) {
      if (o.bitsPerSecond > 0) {
        // iperf3's throttle: send only while the average since the start is below the rate.
        const due = this.startTime + ((this.bytes * 8) / o.bitsPerSecond) * 1000;
        if (due > o.clock.now()) {
          this.#wait = waitUntil(o.clock, due);
          await this.#wait.done;
          this.#wait = null;
          continue;
        }
      }
      let r;
      try {
        r = await flow.write(o.block);
      } catch {
        r = 'closed' as const; // closed under us (the test ended): not a peer's doing
      }
      if (r !== null) {
        this.ended = r;
        return;
      }
      // Taken by the send buffer: counted even when stop() came meanwhile (the bytes go out).
      this.bytes += size;
      o.budget.bytes += size;
      o.budget.blocks++;
      this.onProgress?.();
    }
  }

  /**
   * Stops counting at `now`. A sender stops writing; the promise resolves
   * once its last write was taken or failed (so `bytes` is final). A
   * receiver goes on draining without counting.
   */
  async stop(now: number): Promise<void> {
    if (!this.#counting) return;
    this.#counting = this.sender; // a sender still counts the write under way
    this.#stopped = true;
    this.endTime = now;
    this.#wait?.cancel();
    if (this.sender) {
      await this.#loop;
      this.#counting = false;
    }
  }

  /** Resolves when the read or write loop has ended (after the flow ended, for a receiver). */
  get finished(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  /** Seconds it counted. */
  get seconds(): number {
    return Math.max(0, this.endTime - this.startTime) / 1000;
  }
}
