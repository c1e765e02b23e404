import type { Cancel, Scheduler } from '@stack/interfaces';
import { TcpTimeWait } from '../engine/timewait.js';
import type { Entry } from './conn.js';
import type { Tuple } from './demux.js';

/**
 * A connection in TIME-WAIT as the layer keeps it once the full connection
 * is let go (Linux's inet_timewait_sock): the engine's compact record
 * (`TcpTimeWait`) plus the 4-tuple it sits under in the demux table, the
 * route's checksum offload for its ACKs, and its place in the layer's
 * TIME-WAIT list (`TimeWaitList`).
 */
export class TimeWait extends TcpTimeWait implements Tuple<Entry> {
  nextInBucket: Entry | null = null;
  /** Neighbours in the TIME-WAIT list (earlier and later deadlines). Owned by `TimeWaitList`. */
  prev: TimeWait | null = null;
  next: TimeWait | null = null;
  constructor(
    readonly localAddr: number,
    readonly remoteAddr: number,
    /** The route's device finishes TCP checksums (we write the pseudo-header sum only). */
    readonly checksumOffload: boolean,
    /** The application was handed the connection's flow (the layer counts its end as the full connection's). */
    readonly hadFlow: boolean,
  ) {
    super();
  }
}

/**
 * The layer's TIME-WAIT records in the order of their deadlines behind one
 * scheduler timer (DESIGN.md: never a timer per connection): a doubly
 * linked list through the records, so adding, removing and expiring one
 * costs O(1) and nothing is allocated. Every deadline is set as now +
 * `timeWait`, one value per layer, so a new or restarted record belongs at
 * the end; `add` still walks back from the end past any later deadline,
 * so the order holds whatever the deadlines. The timer is armed for the
 * first record and cancelled when the list empties.
 */
export class TimeWaitList {
  private first: TimeWait | null = null;
  private last: TimeWait | null = null;
  private count = 0;
  private timer: Cancel | null = null;
  private timerAt = Infinity;
  private readonly fire = (): void => this.onTimer();

  constructor(
    private readonly scheduler: Scheduler,
    /** Called for each record whose deadline has come; it should end it and `remove` it. */
    private readonly due: (tw: TimeWait, now: number) => void,
  ) {}

  /** Records in the list. */
  get size(): number {
    return this.count;
  }

  /** Adds `tw` (not in the list) at the place of its deadline. */
  add(tw: TimeWait): void {
    const d = tw.expires;
    let p = this.last;
    while (p !== null && p.expires > d) p = p.prev;
    tw.prev = p;
    tw.next = p === null ? this.first : p.next;
    if (tw.next === null) this.last = tw;
    else tw.next.prev = tw;
    if (p === null) this.first = tw;
    else p.next = tw;
    this.count++;
    if (d < this.timerAt) this.arm(d);
  }

  /** Takes `tw` out (nothing when it is not in the list). */
  remove(tw: TimeWait): void {
    if (tw.prev === null && this.first !== tw) return;
    if (tw.prev === null) this.first = tw.next;
    else tw.prev.next = tw.next;
    if (tw.next === null) this.last = tw.prev;
    else tw.next.prev = tw.prev;
    tw.prev = null;
    tw.next = null;
    this.count--;
    if (this.first === null) this.disarm();
  }

  /** `tw`'s deadline changed (a retransmitted FIN restarted it): moves it to its new place. */
  moved(tw: TimeWait): void {
    this.remove(tw);
    this.add(tw);
  }

  /** Drops every record and the timer. */
  clear(): void {
    for (let tw = this.first; tw !== null; ) {
      const next: TimeWait | null = tw.next;
      tw.prev = null;
      tw.next = null;
      tw = next;
    }
    this.first = null;
    this.last = null;
    this.count = 0;
    this.disarm();
  }

  private arm(time: number): void {
    this.timer?.();
    this.timerAt = time;
    this.timer = this.scheduler.at(time, this.fire);
  }

  private disarm(): void {
    this.timer?.();
    this.timer = null;
    this.timerAt = Infinity;
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const now = this.scheduler.now();
    for (let tw = this.first; tw !== null && tw.expires <= now; tw = this.first) {
      this.due(tw, now);
      this.remove(tw); // `due` should have; never loop on one that stayed
    }
    if (this.first !== null) this.arm(this.first.expires);
  }
}
