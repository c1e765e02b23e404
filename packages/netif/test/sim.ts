// The virtual-time scheduler and seeded PRNG of @stack/sim, for netif's tests.
// Imported by path, not as a package: @stack/sim depends on @stack/netif, and
// a dependency back (even a devDependency) would make the workspace graph
// cyclic, which turbo rejects.
export { SimScheduler } from '../../sim/src/scheduler.js';
export { SeededRandom } from '../../sim/src/random.js';
