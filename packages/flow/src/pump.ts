import type { Flow, FlowError } from '@stack/interfaces';

/** What `echo` returns: bytes echoed, and why it stopped early (null: the peer's FIN). */
export interface EchoResult {
  readonly bytes: number;
  readonly error: FlowError | null;
}

/** What `pipeFlows` returns: bytes each way, and the first flow error (null: both ended with FIN). */
export interface PipeFlowsResult {
  readonly aToB: number;
  readonly bToA: number;
  readonly error: FlowError | null;
}

/** Copies `from` to `to` until eof (then shuts `to` down) or a flow error. */
async function pump(from: Flow, to: Flow): Promise<EchoResult> {
  let bytes = 0;
  for (;;) {
    const result = await from.read();
    if (result.error !== undefined) return { bytes, error: result.error };
    if (result.eof) {
      await to.shutdown();
      return { bytes, error: null };
    }
    const written = await to.write(result.data);
    if (written !== null) return { bytes, error: written };
    bytes += result.data.length;
  }
}

/**
 * The Echo Protocol (RFC 862) over one flow: sends back every byte it
 * receives, waiting for each write (backpressure), until the peer's FIN,
 * then shuts down and closes the flow. It owns the flow: after a flow error
 * (a value, never thrown) it leaves the dead flow as it is. For a server:
 * `stack.tcp.listen(7, (flow) => void echo(flow))`.
 */
export async function echo(flow: Flow): Promise<EchoResult> {
  const result = await pump(flow, flow);
  if (result.error === null) await flow.close();
  return result;
}

/**
 * Joins two flows, as a TCP proxy does: bytes from each go to the other,
 * a FIN is passed on as `shutdown()`, and once both ways ended both flows
 * are closed. When either fails (reset, timeout, ...) both are aborted, so
 * the failure reaches the other peer as an RST, and the result says which
 * error came first.
 */
export async function pipeFlows(a: Flow, b: Flow): Promise<PipeFlowsResult> {
  let first: FlowError | null = null;
  const failBoth = (): void => {
    a.abort();
    b.abort();
  };
  const run = async (from: Flow, to: Flow): Promise<number> => {
    try {
      const result = await pump(from, to);
      if (result.error !== null && first === null) {
        first = result.error;
        failBoth();
      }
      return result.bytes;
    } catch (err) {
      if (first !== null) return 0; // the other way failed first and we aborted: writes after abort may throw
      first = 'aborted';
      failBoth();
      throw err;
    }
  };
  const [aToB, bToA] = await Promise.all([run(a, b), run(b, a)]);
  if (first === null) await Promise.all([a.close(), b.close()]);
  return { aToB, bToA, error: first };
}
