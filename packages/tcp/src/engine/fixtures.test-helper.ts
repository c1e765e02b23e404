// Shared openers for the engine tests (test-only, not built).
import { resolveTcpConfig, type TcpConfig } from '../config.js';
import { TcpConnection } from './connection.js';
import { Script, type Step } from './script.test-helper.js';

/** Our ISS in scripts: near the wrap, so every test crosses 2^32 in sequence space. */
export const ISS = 0xffff_fff0;

/**
 * Scripts acknowledge every segment at once (`delayedAck: 0`) unless a test
 * says otherwise: ACK timing is then the point of the delayed-ACK tests only.
 */
function scriptConfig(config: TcpConfig) {
  return resolveTcpConfig({ delayedAck: 0, ...config });
}

/** An active connection (local 40000 → remote 5555) and its script runner. */
export function active(config: TcpConfig = {}, tsOffset = 0): Script {
  return new Script(TcpConnection.connect({ localPort: 40000, remotePort: 5555, iss: ISS, config: scriptConfig(config), tsOffset }));
}

/** A passive runner: the connection is built from the first injected segment (a SYN to port 80 from 5555). */
export function passive(config: TcpConfig = {}, tsOffset = 0): Script {
  return new Script(
    (syn) => TcpConnection.accept(syn, { localPort: 80, remotePort: 5555, iss: ISS, config: scriptConfig(config), tsOffset }),
    { localPort: 80, remotePort: 5555 },
  );
}

/**
 * The handshake both ways with every option (our TS clock = now; the peer's TSval 100 + t):
 * ends ESTABLISHED at t=10 with MSS 1000 (988 of data beside timestamps), peer shift 0, ours 7.
 */
export const ACTIVE_HANDSHAKE: readonly Step[] = [
  [0, '>', 'S 0:0(0) win 65535 <mss 1460,sackOK,TS val 0 ecr 0,nop,wscale 1>'],
  [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1000,sackOK,TS val 110 ecr 0,nop,wscale 0>'],
  [10, '>', '. 1:1(0) ack 1 win 32768 <TS val 10 ecr 110>'],
];

/** Established through a passive open at t=10 (same options as ACTIVE_HANDSHAKE). */
export const PASSIVE_HANDSHAKE: readonly Step[] = [
  [0, '<', 'S 0:0(0) win 65535 <mss 1000,sackOK,TS val 100 ecr 0,nop,wscale 0>'],
  [0, '>', 'S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,TS val 0 ecr 100,nop,wscale 1>'],
  [10, '<', '. 1:1(0) ack 1 win 65535 <TS val 110 ecr 0>'],
];

/** An established connection (active open) with the given config. */
export function established(config: TcpConfig = {}): Script {
  return active(config).run(ACTIVE_HANDSHAKE);
}

/** Config without options beyond MSS: shorter scripts where timestamps are not the point. */
export const PLAIN: TcpConfig = Object.freeze({ timestamps: false, sack: false, windowScaling: false });

/** Active open without options, ESTABLISHED at t=10: MSS 1000, windows 65535 both ways, RTO 200. */
export function plain(config: TcpConfig = {}): Script {
  return active({ ...PLAIN, ...config }).run([
    [0, '>', 'S 0:0(0) <mss 1460>'],
    [10, '<', 'S. 0:0(0) ack 1 win 65535 <mss 1000>'],
    [10, '>', '. 1:1(0) ack 1 <>'],
  ]);
}
