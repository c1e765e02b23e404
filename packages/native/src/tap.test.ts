import { describe, expect, it } from 'vitest';
import { StackError, isStackError } from '@stack/interfaces';
import { nativeStatus, loadNative } from './binding.js';
import { IFF, TUN_F } from './constants.js';
import { NativeError, errnoName, fromAddonError } from './errors.js';
import { checkOpenTapOptions, openTapHandle } from './tap.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as StackError).code;
  }
  return undefined;
}

describe('checkOpenTapOptions', () => {
  it('accepts good names and options', () => {
    expect(() => checkOpenTapOptions({ name: 'tap0' })).not.toThrow();
    expect(() => checkOpenTapOptions({ name: 'a'.repeat(15), vnetHdr: true, multiQueue: false, netns: 'stk-1' })).not.toThrow();
  });

  it.each([
    [{ name: '' }, /1\.\.15 bytes/],
    [{ name: 'a'.repeat(16) }, /1\.\.15 bytes/],
    [{ name: 'tap/0' }, /without '\/'/],
    [{ name: 'tap 0' }, /whitespace/],
    [{ name: '..' }, /name must be/],
    [{ name: 'tap0', vnetHdr: 1 }, /vnetHdr must be a boolean/],
    [{ name: 'tap0', multiQueue: 'yes' }, /multiQueue must be a boolean/],
    [{ name: 'tap0', netns: '' }, /netns must be/],
  ])('rejects %j', (options, message) => {
    expect(() => checkOpenTapOptions(options as never)).toThrowError(message);
    expect(code(() => checkOpenTapOptions(options as never))).toBe('ERR_INVALID_ARGUMENT');
  });

  it('openTapHandle validates before touching the addon', () => {
    expect(code(() => openTapHandle({ name: 'x'.repeat(20) }))).toBe('ERR_INVALID_ARGUMENT');
    expect(code(() => openTapHandle(null as never))).toBe('ERR_INVALID_ARGUMENT');
  });
});

describe('errors', () => {
  it('turns a failed system call into a NativeError with errno and syscall', () => {
    const raw = Object.assign(new Error('needs root (CAP_NET_ADMIN) to open a TAP'), { code: 'EPERM', errno: 1, syscall: 'ioctl(TUNSETIFF)' });
    const err = fromAddonError('openTapHandle', raw);
    expect(err).toBeInstanceOf(NativeError);
    expect(err.code).toBe('ERR_DEVICE');
    expect((err as NativeError).errno).toBe('EPERM');
    expect((err as NativeError).syscall).toBe('ioctl(TUNSETIFF)');
    expect(err.message).toBe('openTapHandle: needs root (CAP_NET_ADMIN) to open a TAP');
    expect(err.cause).toBe(raw);
  });

  it('turns bad arguments into ERR_INVALID_ARGUMENT and keeps StackErrors', () => {
    expect(fromAddonError('x', new RangeError('count')).code).toBe('ERR_INVALID_ARGUMENT');
    expect(fromAddonError('x', new TypeError('fd')).code).toBe('ERR_INVALID_ARGUMENT');
    expect(fromAddonError('x', new Error('?')).code).toBe('ERR_DEVICE');
    const own = new StackError('ERR_CLOSED', 'closed');
    expect(fromAddonError('x', own)).toBe(own);
  });

  it('names errno numbers', () => {
    expect(errnoName(1)).toBe('EPERM');
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(0)).toBe('0');
  });
});

const status = nativeStatus();
describe.runIf(status.available)('the built addon (no root needed)', () => {
  it('exports the constants this package hard-codes', () => {
    const c = loadNative().constants;
    expect(c.IFF_TAP).toBe(IFF.TAP);
    expect(c.IFF_NO_PI).toBe(IFF.NO_PI);
    expect(c.IFF_VNET_HDR).toBe(IFF.VNET_HDR);
    expect(c.IFF_MULTI_QUEUE).toBe(IFF.MULTI_QUEUE);
    expect(c.TUN_F_CSUM).toBe(TUN_F.CSUM);
    expect(c.TUN_F_TSO4).toBe(TUN_F.TSO4);
    expect(c.TUN_F_TSO6).toBe(TUN_F.TSO6);
    expect(c.TUN_F_TSO_ECN).toBe(TUN_F.TSO_ECN);
    expect(c.TUN_F_UFO).toBe(TUN_F.UFO);
    expect(c.TUN_F_USO4).toBe(TUN_F.USO4);
    expect(c.TUN_F_USO6).toBe(TUN_F.USO6);
  });

  it('checks arguments in C too (TypeError / RangeError, never a crash)', () => {
    const n = loadNative();
    expect(() => n.openTap(42 as never, 0)).toThrowError(TypeError);
    expect(() => n.openTap('tap0', 0x1)).toThrowError(/IFF_VNET_HDR/);
    expect(() => n.openTap('x'.repeat(16), 0)).toThrowError(RangeError);
    expect(() => n.setOffload(-1, 0)).toThrowError(RangeError);
    expect(() => n.writeFrames(0, new Uint8Array(4), new Int32Array([2]), new Int32Array([4]), 1)).toThrowError(/outside the 4-byte buffer/);
    expect(() => n.writeFrames(0, new Uint8Array(4), new Int32Array(1), new Int32Array(1), 2)).toThrowError(RangeError);
    expect(() => n.writeFrames(0, new Uint8Array(4), [0] as never, new Int32Array(1), 1)).toThrowError(/Int32Array/);
    expect(() => n.pollerSet({} as never, true, false)).toThrowError(/pollerCreate/);
    const lengths = new Int32Array(4);
    expect(() => n.pollerCreate(0, new ArrayBuffer(100), 64, 4, lengths, () => {}, () => {})).toThrowError(/fewer than slots \* slotSize/);
    expect(() => n.pollerCreate(0, new ArrayBuffer(256), 64, 4, new Int32Array(2), () => {}, () => {})).toThrowError(/lengths has 2/);
    expect(() => n.pollerCreate(0, new ArrayBuffer(256), 64, 4, lengths, 1 as never, () => {})).toThrowError(/onRead must be a function/);
  });

  it('errors of the netns step name the namespace', () => {
    const err = (() => {
      try {
        openTapHandle({ name: 'tap0', netns: '/nonexistent/netns/path' });
      } catch (e) {
        return e as NativeError;
      }
      throw new Error('expected a throw');
    })();
    expect(isStackError(err, 'ERR_DEVICE')).toBe(true);
    expect(err.errno).toBe('ENOENT');
    expect(err.message).toMatch(/no network namespace at \/nonexistent\/netns\/path/);
  });
});
