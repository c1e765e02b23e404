import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StackError } from '@stack/interfaces';

/** An opaque handle of a native poller (a libuv uv_poll_t behind an N-API External). */
export interface PollerHandle {
  readonly __brand: 'stack_native.poller';
}

/** Numbers from the Linux headers the addon was built against. */
export interface NativeConstants {
  readonly IFF_TAP: number;
  readonly IFF_NO_PI: number;
  readonly IFF_VNET_HDR: number;
  readonly IFF_MULTI_QUEUE: number;
  readonly TUN_F_CSUM: number;
  readonly TUN_F_TSO4: number;
  readonly TUN_F_TSO6: number;
  readonly TUN_F_TSO_ECN: number;
  readonly TUN_F_UFO: number;
  readonly TUN_F_USO4: number;
  readonly TUN_F_USO6: number;
  readonly IFNAMSIZ: number;
}

/**
 * The addon's raw functions (src/*.c). Prefer the typed wrappers
 * (`openTapHandle`, `TapHandle`, `FramePoller`): they validate, own the fd
 * and turn errors into StackErrors. A failed system call throws an Error with
 * `code` (errno name), `errno` and `syscall`; a bad argument a TypeError or
 * RangeError.
 */
export interface NativeBinding {
  /** Opens /dev/net/tun and attaches (creating if needed) TAP `name` (IFF_TAP | IFF_NO_PI | flags), inside `netns` when given. Non-blocking, close-on-exec. */
  openTap(name: string, flags: number, netns?: string | null): { fd: number; name: string; flags: number };
  /** TUNSETVNETHDRSZ. */
  setVnetHdrSize(fd: number, size: number): void;
  /** TUNSETOFFLOAD with the wanted TUN_F_* bits; on EINVAL adds them one by one. Returns the bits the kernel accepted. */
  setOffload(fd: number, flags: number): number;
  /** A uv_poll over `fd`; see src/poll.c. */
  pollerCreate(
    fd: number,
    slab: ArrayBuffer,
    slotSize: number,
    slots: number,
    lengths: Int32Array,
    onRead: (count: number, errno: number) => void,
    onWritable: () => void,
  ): PollerHandle;
  pollerSet(poller: PollerHandle, readable: boolean, writable: boolean): void;
  pollerRef(poller: PollerHandle, ref: boolean): void;
  pollerClose(poller: PollerHandle): void;
  /** One write() per frame; stops at EAGAIN; returns frames consumed; a failed frame's length becomes -errno. */
  writeFrames(fd: number, buf: Uint8Array | ArrayBuffer, offsets: Int32Array, lengths: Int32Array, count: number): number;
  closeFd(fd: number): void;
  readonly constants: NativeConstants;
  readonly abiVersion: number;
}

/** Where the built addon lives, relative to this file (src/ and dist/ are both one level below the package). */
export const ADDON_PATH = fileURLToPath(new URL('../build/Release/stack_native.node', import.meta.url));
/** Where scripts/build.mjs records why the addon was not built. */
export const UNAVAILABLE_PATH = fileURLToPath(new URL('../build/unavailable.txt', import.meta.url));

const HOW_TO_BUILD =
  'build it with `node scripts/build.mjs` in the @stack/native package (needs Linux, python3, make and g++); ' +
  'pnpm 10 runs the build on install only for allowed packages: add "@stack/native" to onlyBuiltDependencies (or run `pnpm approve-builds`) and reinstall';

/**
 * Loads an addon file, or throws StackError('ERR_NATIVE_UNAVAILABLE') saying
 * why: the reason recorded by the build script when there is one, else what
 * went wrong loading it. Exposed for tests; use `loadNative()`.
 */
export function loadAddon(addonPath: string, reasonPath: string, platform: string = process.platform): NativeBinding {
  if (platform !== 'linux') {
    throw new StackError('ERR_NATIVE_UNAVAILABLE', `@stack/native is not available: it is Linux-only (TAP devices through /dev/net/tun), and this is ${platform}`);
  }
  if (!existsSync(addonPath)) {
    let recorded = '';
    try {
      recorded = readFileSync(reasonPath, 'utf8').trim();
    } catch {
      // no record: the build script never ran
    }
    // The reason and its fix are the record's first paragraph; build output follows in the file.
    const summary = recorded.split(/\n\s*\n/)[0]!.replace(/\n+/g, '; ');
    const reason = recorded !== ''
      ? `the build failed or was skipped: ${summary} (details: ${reasonPath})`
      : `${addonPath} does not exist (the install script did not run); ${HOW_TO_BUILD}`;
    throw new StackError('ERR_NATIVE_UNAVAILABLE', `@stack/native is not available: ${reason}`);
  }
  try {
    const require = createRequire(import.meta.url);
    return require(addonPath) as NativeBinding;
  } catch (err) {
    throw new StackError(
      'ERR_NATIVE_UNAVAILABLE',
      `@stack/native is not available: ${addonPath} exists but does not load (${(err as Error).message}); rebuild it: ${HOW_TO_BUILD}`,
      { cause: err },
    );
  }
}

let loaded: NativeBinding | undefined;
let failure: StackError | undefined;

/**
 * The addon, loaded once. Throws StackError('ERR_NATIVE_UNAVAILABLE') with
 * the reason (not built, not Linux, failed to load) every time it is asked
 * for when it is missing.
 */
export function loadNative(): NativeBinding {
  if (loaded !== undefined) return loaded;
  if (failure !== undefined) throw failure;
  try {
    loaded = loadAddon(ADDON_PATH, UNAVAILABLE_PATH);
    return loaded;
  } catch (err) {
    failure = err as StackError;
    throw failure;
  }
}

/** Whether the addon loads here, and if not why: for tests and tools that want to skip rather than throw. */
export function nativeStatus(): { available: true } | { available: false; reason: string } {
  try {
    loadNative();
    return { available: true };
  } catch (err) {
    return { available: false, reason: (err as Error).message };
  }
}
