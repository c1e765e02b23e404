// The IPv4 header parser of @stack/ipv4, for netif's tests (checking the
// segments software GSO cuts). Imported by path, not as a package, like
// test/sim.ts: netif does not depend on a protocol layer.
export { parseIpv4Header } from '../../ipv4/src/wire/header.js';
