/**
 * Flags of TUNSETIFF (linux/if_tun.h, `struct ifreq.ifr_flags`). IFF_TAP and
 * IFF_NO_PI are always set by `openTapHandle`; the others are options.
 */
export const IFF = {
  TUN: 0x0001,
  TAP: 0x0002,
  MULTI_QUEUE: 0x0100,
  NO_PI: 0x1000,
  VNET_HDR: 0x4000,
} as const;

/**
 * Offload bits of TUNSETOFFLOAD (linux/if_tun.h): what the kernel may hand
 * us and accept from us with a virtio-net header. CSUM: partial checksums
 * (NEEDS_CSUM); TSO4/TSO6: TCP segments up to 64 KiB; TSO_ECN: TSO with
 * CWR; UFO/USO: UDP fragmentation/segmentation.
 */
export const TUN_F = {
  CSUM: 0x01,
  TSO4: 0x02,
  TSO6: 0x04,
  TSO_ECN: 0x08,
  UFO: 0x10,
  USO4: 0x20,
  USO6: 0x40,
} as const;

/** Longest interface name, bytes (IFNAMSIZ 16 with the NUL). */
export const IFNAME_MAX = 15;

/** Size of `struct virtio_net_hdr_v1` (virtio_net_hdr_mrg_rxbuf): the header TUNSETVNETHDRSZ 12 puts before every frame. */
export const VNET_HDR_V1_LEN = 12;
