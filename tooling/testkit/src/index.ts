/**
 * @stack/testkit — private helpers for @stack's peer tests (DESIGN.md,
 * "Testing, ring 4"): requirements that skip locally but fail CI, tshark
 * verdicts on pcaps, a network-namespace harness that always cleans up, and
 * a reader for the hex fixtures of tooling/fixtures/capture-linux.sh.
 * @packageDocumentation
 */
export { needPeer, describePeer, peersRequired, which, type PeerRequirements, type PeerCheck } from './peer.js';
export {
  tsharkCheck, parseTsharkFields, tsharkArgs, CHECKSUM_PREFS, TSHARK_FIELDS,
  type TsharkReport, type TsharkIssue, type TsharkOptions,
} from './tshark.js';
export { withNetns, type Netns, type NetnsProcess, type NetnsOptions, type TapOptions, type VethOptions } from './netns.js';
export { run, ExecError, isAlive, type ExecResult, type ExecOptions } from './process.js';
export { hexFixture, loadHexBlocks, parseHexBlocks } from './hex.js';
