// The demo's TCP exchanges: an RFC 862 echo service and client, an RFC 863
// discard sink and a bulk sender, and an `ss -ti`-like line per connection.
import { createHash } from 'node:crypto';
import type { Flow, Ipv4Address, Scheduler, TcpConnectionSnapshot } from '@stack/interfaces';
import type { DirectStack } from '@stack/stack-direct';
import { formatIpv4 } from '@stack/wire';
import type { Exchange } from './scenario.js';

/** RFC 862 echo and RFC 863 discard, the two services the demo runs over TCP. */
export const TCP_ECHO_PORT = 7;
export const TCP_DISCARD_PORT = 9;

/** How long (virtual ms) one TCP exchange may take before the demo calls it stalled and aborts it. */
const STALL_AFTER = 300_000;
/** How long a connect may take: room for a few lost SYNs (1 + 2 + 4 + 8 + 16 s of backoff). */
const CONNECT_TIMEOUT = 30_000;

type Tell = (line: string) => void;

/** Serves RFC 862 echo on `port`: everything read goes back; at the peer's FIN, close. */
export function serveEcho(stack: DirectStack, port = TCP_ECHO_PORT): { close(): Promise<void> } {
  return stack.tcp.listen(port, (flow) => {
    void (async () => {
      for (;;) {
        const r = await flow.read();
        if (!r.data) break;
        if ((await flow.write(r.data)) !== null) return;
      }
      await flow.close();
    })();
  });
}

/** What a discard sink saw on one connection. */
export interface SinkResult {
  readonly bytes: number;
  readonly sha256: string;
  /** Why reading stopped early, or null at a clean EOF. */
  readonly error: string | null;
}

/**
 * Serves RFC 863 discard on `port`, hashing what arrives: each connection's
 * byte count and SHA-256 go to `onDone` when the peer's FIN (or an error) ends it.
 */
export function serveDiscard(stack: DirectStack, onDone: (r: SinkResult) => void, port = TCP_DISCARD_PORT): { close(): Promise<void> } {
  return stack.tcp.listen(port, (flow) => {
    void (async () => {
      const hash = createHash('sha256');
      let bytes = 0;
      let error: string | null = null;
      for (;;) {
        const r = await flow.read();
        if (r.data) {
          hash.update(r.data);
          bytes += r.data.length;
        } else {
          if (r.error) error = r.error;
          break;
        }
      }
      await flow.close();
      onDone({ bytes, sha256: hash.digest('hex'), error });
    })();
  });
}

/**
 * One `ss -ti`-like line for a connection of `stack`: state, cwnd and
 * ssthresh in segments (as ss prints them), rtt as srtt/rttvar and rto in
 * ms, bytes in flight, and retransmitted segments / RTO expiries.
 */
export function ssLine(stack: DirectStack, c: TcpConnectionSnapshot): string {
  const n = (k: string): number => (typeof c[k] === 'number' ? (c[k] as number) : 0);
  const mss = n('mss') || 1;
  const counters = (c['counters'] ?? {}) as { retransmits?: number; timeouts?: number };
  const ssthresh = n('ssthresh');
  // TIME-WAIT is a compact record (as Linux's): no congestion or RTT state left to show, as `ss` shows none.
  if (c['cwnd'] === undefined) return `${stack.name} ${c.state} ${c.local} → ${c.remote} retrans:${counters.retransmits ?? 0}/${counters.timeouts ?? 0}`;
  return (
    `${stack.name} ${c.state} ${c.local} → ${c.remote} cwnd:${Math.floor(n('cwnd') / mss)}` +
    (ssthresh > 0 && ssthresh < 0x3fffffff ? ` ssthresh:${Math.floor(ssthresh / mss)}` : '') +
    ` rtt:${n('srtt').toFixed(3)}/${n('rttvar').toFixed(3)} rto:${n('rto').toFixed(0)} inflight:${n('bytesInFlight')}` +
    ` retrans:${counters.retransmits ?? 0}/${counters.timeouts ?? 0}`
  );
}

/** The connections of `stack` with `peer` (not its listeners). */
function connectionsWith(stack: DirectStack, peer: Ipv4Address, port: number): TcpConnectionSnapshot[] {
  const peerEnd = `${formatIpv4(peer)}:${port}`;
  return stack.inspect().tcp.connections.filter((c) => c.remote === peerEnd);
}

/**
 * Runs `body` with `flow`; if it takes longer than STALL_AFTER of virtual
 * time, aborts the flow, says so and answers a failed exchange (a TCP hang
 * shows as a failure, never as a demo that does not end).
 */
async function withStallGuard(clock: Scheduler, flow: Flow, what: string, tell: Tell, body: () => Promise<Exchange>): Promise<Exchange> {
  let cancel = (): void => {};
  const guard = new Promise<Exchange>((resolve) => {
    cancel = clock.at(clock.now() + STALL_AFTER, () => {
      tell(`${what}: stalled for ${STALL_AFTER / 1000} s of virtual time, aborted`);
      flow.abort();
      resolve({ what, ok: false, attempts: 1 });
    });
  });
  try {
    return await Promise.race([body(), guard]);
  } finally {
    cancel();
  }
}

async function connect(from: DirectStack, to: Ipv4Address, port: number, what: string, tell: Tell): Promise<Flow | undefined> {
  const r = await from.tcp.connect(to, port, { timeout: CONNECT_TIMEOUT });
  if (r.flow) return r.flow;
  tell(`${what}: connect failed: ${r.error}`);
  return undefined;
}

/**
 * RFC 862 echo over TCP: connects, sends each line and reads it back whole,
 * then closes. Succeeds when every line came back intact and both FINs passed.
 */
export async function tcpEcho(clock: Scheduler, from: DirectStack, to: DirectStack, lines: readonly string[], tell: Tell): Promise<Exchange> {
  const what = `${from.name} → ${to.name} tcp echo`;
  const fail = { what, ok: false, attempts: 1 };
  const start = clock.now();
  const flow = await connect(from, to.address, TCP_ECHO_PORT, what, tell);
  if (!flow) return fail;
  tell(`${what}: connected ${formatIpv4(flow.local.address)}:${flow.local.port} → ${formatIpv4(flow.remote.address)}:${flow.remote.port} in ${(clock.now() - start).toFixed(3)} ms`);
  return withStallGuard(clock, flow, what, tell, async () => {
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    for (const line of lines) {
      const sent = enc.encode(`${line}\r\n`);
      const at = clock.now();
      const err = await flow.write(sent);
      if (err !== null) {
        tell(`${what}: write failed: ${err}`);
        return fail;
      }
      let got = '';
      while (got.length < sent.length) {
        const r = await flow.read();
        if (!r.data) {
          tell(`${what}: "${line}" came back short: ${r.error ?? 'eof'} after ${got.length} bytes`);
          return fail;
        }
        got += dec.decode(r.data, { stream: true });
      }
      if (got !== `${line}\r\n`) {
        tell(`${what}: "${line}" came back as ${JSON.stringify(got)}`);
        return fail;
      }
      tell(`${what}: "${line}" echoed intact in ${(clock.now() - at).toFixed(3)} ms`);
    }
    await flow.shutdown();
    const last = await flow.read();
    await flow.close();
    if (!last.eof) {
      tell(`${what}: expected the server's FIN, got ${last.error ?? 'more data'}`);
      return fail;
    }
    tell(`${what}: closed after ${lines.length} lines, ${(clock.now() - start).toFixed(3)} ms in all`);
    return { what, ok: true, attempts: 1 };
  });
}

/** Deterministic bulk data: a byte pattern that shows up shifted or swapped segments. */
export function pattern(length: number, salt = 0): Uint8Array {
  const out = new Uint8Array(length);
  let x = (0x9e3779b9 ^ salt) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * Sends `size` bytes from `from` to the discard sink on `to`, in 64 KiB
 * writes (each waits for room in the send buffer), printing the `ss` lines
 * of both ends halfway; then shuts down and waits for the sink to confirm
 * the SHA-256 of what it read.
 */
export async function tcpBulk(clock: Scheduler, from: DirectStack, to: DirectStack, size: number, tell: Tell): Promise<Exchange> {
  const what = `${from.name} → ${to.name} tcp ${size % (1 << 20) === 0 ? `${size >> 20} MiB` : `${size} bytes`}`;
  const fail = { what, ok: false, attempts: 1 };
  const data = pattern(size, size);
  const want = createHash('sha256').update(data).digest('hex');
  let done: (r: SinkResult) => void = () => {};
  const sunk = new Promise<SinkResult>((resolve) => (done = resolve));
  const sink = serveDiscard(to, (r) => done(r));
  try {
    const start = clock.now();
    const flow = await connect(from, to.address, TCP_DISCARD_PORT, what, tell);
    if (!flow) return fail;
    return await withStallGuard(clock, flow, what, tell, async () => {
      const chunk = 65_536;
      for (let at = 0; at < size; at += chunk) {
        const err = await flow.write(data.subarray(at, Math.min(at + chunk, size)));
        if (err !== null) {
          tell(`${what}: write failed after ${at} bytes: ${err}`);
          return fail;
        }
        if (at < size / 2 && at + chunk >= size / 2) {
          tell(`${what}: halfway, ${(clock.now() - start).toFixed(3)} ms in; both ends:`);
          for (const c of connectionsWith(from, to.address, TCP_DISCARD_PORT)) tell(`  ss ${ssLine(from, c)}`);
          for (const c of connectionsWith(to, from.address, flow.local.port)) tell(`  ss ${ssLine(to, c)}`);
        }
      }
      await flow.shutdown();
      const got = await sunk;
      const eof = await flow.read(); // the sink's FIN
      await flow.close();
      const ms = clock.now() - start;
      const conn = connectionsWith(from, to.address, TCP_DISCARD_PORT)[0];
      const counters = (conn?.['counters'] ?? {}) as { retransmits?: number; fastRetransmits?: number; timeouts?: number };
      const intact = got.error === null && got.bytes === size && got.sha256 === want;
      tell(
        `${what}: sink read ${got.bytes} bytes` +
          (intact ? `, sha256 ${want.slice(0, 16)}… matches` : `${got.error ? ` then ${got.error}` : ''}, sha256 ${got.sha256.slice(0, 16)}… but sent ${want.slice(0, 16)}…`),
      );
      tell(
        `${what}: ${ms.toFixed(3)} ms of virtual time from SYN to FIN, ${((size * 8) / (ms * 1000)).toFixed(1)} Mbit/s,` +
          ` ${counters.retransmits ?? 0} segments retransmitted (${counters.fastRetransmits ?? 0} fast retransmits, ${counters.timeouts ?? 0} RTO expiries); at the end:`,
      );
      if (conn) tell(`  ss ${ssLine(from, conn)}`);
      if (!eof.eof) {
        tell(`${what}: expected the sink's FIN, got ${eof.error ?? 'data'}`);
        return fail;
      }
      return intact ? { what, ok: true, attempts: 1 } : fail;
    });
  } finally {
    await sink.close();
  }
}
