import { StackError } from '@stack/interfaces';
import { getSystemErrorName } from 'node:util';

/**
 * A system call of the native addon failed: a StackError('ERR_DEVICE') whose
 * message says what to do ("needs root (CAP_NET_ADMIN) to open a TAP"), with
 * the errno name (`EPERM`) and the system call (`ioctl(TUNSETIFF)`).
 */
export class NativeError extends StackError {
  /** The errno name, e.g. 'EPERM', 'ENOENT', 'EBUSY'. */
  readonly errno: string;
  /** The system call that failed, e.g. 'open', 'ioctl(TUNSETIFF)', 'setns'. */
  readonly syscall: string;

  constructor(message: string, errno: string, syscall: string, options?: { cause?: unknown }) {
    super('ERR_DEVICE', message, options);
    this.name = 'NativeError';
    this.errno = errno;
    this.syscall = syscall;
  }
}

interface AddonError extends Error {
  code?: string;
  errno?: number;
  syscall?: string;
}

/**
 * Turns what the addon threw into a StackError: a failed system call into a
 * NativeError, a bad argument (TypeError/RangeError) into
 * ERR_INVALID_ARGUMENT, anything else into ERR_DEVICE. `where` prefixes the message.
 */
export function fromAddonError(where: string, err: unknown): StackError {
  if (err instanceof StackError) return err;
  const e = err as AddonError;
  const message = `${where}: ${e?.message ?? String(err)}`;
  if (typeof e?.syscall === 'string' && typeof e.code === 'string') return new NativeError(message, e.code, e.syscall, { cause: err });
  if (err instanceof TypeError || err instanceof RangeError) return new StackError('ERR_INVALID_ARGUMENT', message, { cause: err });
  return new StackError('ERR_DEVICE', message, { cause: err });
}

/** The name of an errno number ('EAGAIN' for 11), as the addon's callbacks report plain numbers. */
export function errnoName(errno: number): string {
  if (!Number.isInteger(errno) || errno <= 0) return String(errno);
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `E${errno}`;
  }
}
