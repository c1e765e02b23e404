import type { Cancel, Scheduler } from '@stack/interfaces';

interface Held<M> {
  time: number;
  seq: number;
  frame: Uint8Array;
  meta: M;
}

/**
 * Frames held until a time each, released in (time, arrival) order by one
 * timer armed for the earliest. Used for delay, jitter and reordering, where
 * frames may leave in another order than they came.
 */
export class DelayLine<M> {
  private heap: Held<M>[] = [];
  private seq = 0;
  private timer: Cancel | null = null;
  private armedFor = Infinity;
  private flushing = false;
  private readonly fire = (): void => this.flush();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly release: (frame: Uint8Array, meta: M) => void,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  /** Holds `frame` (owned by the line now) until `time`. */
  hold(time: number, frame: Uint8Array, meta: M): void {
    this.push({ time, seq: this.seq++, frame, meta });
    if (!this.flushing) this.arm();
  }

  /** Drops everything held and cancels the timer. */
  clear(): void {
    this.timer?.();
    this.timer = null;
    this.armedFor = Infinity;
    this.heap.length = 0;
  }

  private arm(): void {
    const head = this.heap[0];
    if (head === undefined || head.time >= this.armedFor) return;
    this.timer?.();
    this.armedFor = head.time;
    this.timer = this.scheduler.at(head.time, this.fire);
  }

  private flush(): void {
    this.timer = null;
    this.armedFor = Infinity;
    this.flushing = true;
    const now = this.scheduler.now();
    while (this.heap.length > 0 && this.heap[0]!.time <= now) {
      const h = this.pop()!;
      this.release(h.frame, h.meta);
    }
    this.flushing = false;
    this.arm();
  }

  private less(a: Held<M>, b: Held<M>): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private push(x: Held<M>): void {
    const h = this.heap;
    h.push(x);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): Held<M> | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined) return undefined;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
