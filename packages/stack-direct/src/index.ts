/**
 * @stack/stack-direct — the composition root: a whole @stack network stack
 * (Ethernet, ARP, IPv4, ICMP, UDP) over any NetDevice, behind the Stack
 * contract of @stack/interfaces.
 * @packageDocumentation
 */
export { createDirectStack, type DirectStack, type DirectStackDeps, type DirectStackLayers, type DirectStackSnapshot } from './stack.js';
export { toStackConfig, type DirectStackOptions } from './config.js';
