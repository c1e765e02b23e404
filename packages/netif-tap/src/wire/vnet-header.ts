import { fail, ok, type ParseResult } from '@stack/wire';
import { VNET_HDR_LEN, VnetField, VnetFlags, VnetGso, readU16LE, writeU16LE } from './fields.js';

/** A decoded `virtio_net_hdr_v1` (Virtio 1.2 §5.1.6). Unknown flag bits and GSO types stay numbers. */
export interface VnetHeaderRepr {
  /** VnetFlags bits. */
  flags: number;
  /** VnetGso type, ECN bit included. */
  gsoType: number;
  hdrLen: number;
  gsoSize: number;
  csumStart: number;
  csumOffset: number;
  numBuffers: number;
}

/** Bytes `emitVnetHeader` writes: always 12. */
export function vnetHeaderBufferLen(_repr?: VnetHeaderRepr): number {
  return VNET_HDR_LEN;
}

/** True for the GSO types a TAP may hand over (TCPv4/v6 with or without ECN, UFO, USO) and NONE. */
export function knownGsoType(gsoType: number): boolean {
  const base = gsoType & ~VnetGso.ECN;
  if (base === VnetGso.NONE) return gsoType === VnetGso.NONE;
  if (base === VnetGso.TCPV4 || base === VnetGso.TCPV6) return true;
  return gsoType === VnetGso.UDP || gsoType === VnetGso.UDP_L4;
}

/**
 * Why a received header (followed by `frameLen` bytes of Ethernet frame)
 * cannot be used, or null when it can: a GSO type we do not know, a GSO
 * frame without a segment size, or a NEEDS_CSUM range outside the frame.
 * Reads in place, allocates nothing (the receive path calls it per frame).
 */
export function checkVnetHeader(buf: Uint8Array, offset: number, frameLen: number): string | null {
  const gsoType = buf[offset + VnetField.GSO_TYPE]!;
  if (!knownGsoType(gsoType)) return `unknown gso_type 0x${gsoType.toString(16)}`;
  if (gsoType !== VnetGso.NONE && readU16LE(buf, offset + VnetField.GSO_SIZE) === 0) return 'a GSO frame with gso_size 0';
  if ((buf[offset + VnetField.FLAGS]! & VnetFlags.NEEDS_CSUM) !== 0) {
    const end = readU16LE(buf, offset + VnetField.CSUM_START) + readU16LE(buf, offset + VnetField.CSUM_OFFSET) + 2;
    if (end > frameLen) return `NEEDS_CSUM field ends at ${end}, past the ${frameLen}-byte frame`;
  }
  return null;
}

/**
 * Parses the header at the start of `bytes`, the Ethernet frame after it
 * (Virtio 1.2 §5.1.6). Never throws: `truncated` when fewer than 12 bytes,
 * `unsupported` for an unknown GSO type, `malformed` for a GSO frame without
 * gso_size or a checksum range outside the frame.
 */
export function parseVnetHeader(bytes: Uint8Array): ParseResult<VnetHeaderRepr> {
  if (bytes.length < VNET_HDR_LEN) return fail('truncated', bytes.length, `virtio-net header needs ${VNET_HDR_LEN} bytes, got ${bytes.length}`);
  const problem = checkVnetHeader(bytes, 0, bytes.length - VNET_HDR_LEN);
  if (problem !== null) {
    return fail(problem.startsWith('unknown') ? 'unsupported' : 'malformed', problem.startsWith('unknown') ? VnetField.GSO_TYPE : VnetField.FLAGS, problem);
  }
  return ok({
    flags: bytes[VnetField.FLAGS]!,
    gsoType: bytes[VnetField.GSO_TYPE]!,
    hdrLen: readU16LE(bytes, VnetField.HDR_LEN),
    gsoSize: readU16LE(bytes, VnetField.GSO_SIZE),
    csumStart: readU16LE(bytes, VnetField.CSUM_START),
    csumOffset: readU16LE(bytes, VnetField.CSUM_OFFSET),
    numBuffers: readU16LE(bytes, VnetField.NUM_BUFFERS),
  });
}

/** Writes `repr` as 12 bytes at `offset` (Virtio 1.2 §5.1.6); returns the bytes written. */
export function emitVnetHeader(repr: VnetHeaderRepr, buf: Uint8Array, offset: number): number {
  buf[offset + VnetField.FLAGS] = repr.flags & 0xff;
  buf[offset + VnetField.GSO_TYPE] = repr.gsoType & 0xff;
  writeU16LE(buf, offset + VnetField.HDR_LEN, repr.hdrLen);
  writeU16LE(buf, offset + VnetField.GSO_SIZE, repr.gsoSize);
  writeU16LE(buf, offset + VnetField.CSUM_START, repr.csumStart);
  writeU16LE(buf, offset + VnetField.CSUM_OFFSET, repr.csumOffset);
  writeU16LE(buf, offset + VnetField.NUM_BUFFERS, repr.numBuffers);
  return VNET_HDR_LEN;
}
