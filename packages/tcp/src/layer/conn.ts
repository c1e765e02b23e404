import type { ConnectError } from '@stack/interfaces';
import type { TcpConnection } from '../engine/connection.js';
import type { TcpError } from '../engine/state.js';
import type { Tuple } from './demux.js';
import type { TcpFlow } from './flow.js';
import type { ListenerImpl } from './listener.js';
import type { Timed } from './timers.js';
import type { TimeWait } from './timewait.js';

/** How a pending `connect` is settled. */
export type ConnectSettle = (r: { flow: TcpFlow; error?: undefined } | { error: ConnectError; flow?: undefined }) => void;

/** What the demux table holds under a 4-tuple: a full connection, or one in TIME-WAIT kept compact. */
export type Entry = Conn | TimeWait;

/**
 * The layer's record of one connection: the engine, its 4-tuple (the demux
 * key), its place in the timer queue, and who is waiting on it — the
 * application's flow, a pending connect, or the listener it came from.
 */
export class Conn implements Tuple<Entry>, Timed {
  nextInBucket: Entry | null = null;
  deadline = Infinity;
  queued = Infinity;
  heapIndex = -1;
  /** The application's flow, once established and handed over (null again once let go in TIME-WAIT: `flowReleased`). */
  flow: TcpFlow | null = null;
  /** The flow was handed over and, in TIME-WAIT with nothing pending, let go by the layer. */
  flowReleased = false;
  /** Passive: the listener whose SYN queue (then accept queue) holds it until handed over. */
  listener: ListenerImpl | null = null;
  /** Active: settles the `connect` promise. */
  connectSettle: ConnectSettle | null = null;
  /** Active: when `connect` gives up (ConnectOptions.timeout), absolute ms. */
  connectDeadline = Infinity;
  /** An ICMP error seen during the handshake (RFC 1122 §4.2.3.9 soft error): reported if it then times out. */
  softError: ConnectError | null = null;
  /** Set when the layer ended it without the engine (ICMP hard error, connect timeout, layer close). */
  failed: TcpError | null = null;
  /**
   * In TIME-WAIT the layer swapped it for this compact record (and it is
   * `retired`); kept only when the application was handed the flow, so an
   * abort through the flow still ends the record.
   */
  timeWait: TimeWait | null = null;
  /** Out of the table: nothing more happens to it. */
  retired = false;
  /** Passive, counted in its listener's SYN queue (SYN-RECEIVED). */
  halfOpen = false;
  /** The layer is servicing it now; `again`: something asked for another pass meanwhile. */
  busy = false;
  again = false;
  constructor(
    readonly engine: TcpConnection,
    readonly localAddr: number,
    readonly localPort: number,
    readonly remoteAddr: number,
    readonly remotePort: number,
    /** The route's device finishes TCP checksums (we write the pseudo-header sum only). */
    readonly checksumOffload = false,
  ) {}
}
