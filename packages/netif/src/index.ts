/**
 * @stack/netif — platform-free network devices: memory links, a hub and a
 * learning bridge; and decorators that are devices too: faults (loss,
 * duplication, corruption, reordering, delay, jitter, MTU, rate, blackouts),
 * pcap capture and a decoded trace; software GSO, GRO and checksum
 * completion for links between a device with offloads and one without. Everything runs on a Scheduler and a
 * Random handed in, so it is deterministic in simulation.
 * @packageDocumentation
 */
export { LINK_DEFAULTS, BRIDGE_DEFAULTS } from './config.js';
export { macFromName, frameFits } from './ethernet.js';
export {
  memoryLink, type MemoryLinkOptions, type LinkProperties, type CapabilityOverrides, type LinkDevice, type LinkStats,
  type LinkDropCounters,
} from './link/memory-link.js';
export { segmentGso, completeChecksum, resolveOffloads, gsoSegmentLength, checkChecksumMeta } from './link/software-offload.js';
export { TcpCoalescer, type GroStats } from './link/gro.js';
export type { Segment, SegmentOptions, PortOptions } from './switch/segment.js';
export { createHub, type Hub, type HubStats } from './switch/hub.js';
export { createBridge, type Bridge, type BridgeOptions, type BridgeStats, type BridgeEntry } from './switch/bridge.js';
export { DeviceDecorator } from './decorators/decorator.js';
export { withFaults, type FaultDeps, type FaultStats, type FaultyDevice } from './decorators/faults.js';
export { resolveFaultSpec, type FaultSpec, type RateSpec, type ReorderSpec, type Blackout, type ResolvedFaultSpec } from './decorators/fault-spec.js';
export { withPcap, type PcapDeps } from './decorators/pcap.js';
export { withTrace, type TraceDeps } from './decorators/trace.js';
export { summarizeFrame, formatTraceLine } from './trace/summary.js';
export type { PacketRecorder, PacketDirection } from '@stack/pcap';
