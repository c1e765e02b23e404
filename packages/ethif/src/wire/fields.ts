// Field offsets and lengths of the Ethernet II header and the IEEE 802.1Q
// tag, in one place (STYLE.md, "one fields.ts per codec"). Offsets are from
// the first byte of the frame (the destination MAC); there is no preamble and
// no FCS: devices hand frames without them.

/** Destination MAC, 6 bytes. */
export const ETH_DST = 0;
/** Source MAC, 6 bytes. */
export const ETH_SRC = 6;
/** EtherType (or the 802.1Q TPID when tagged), 2 bytes. */
export const ETH_TYPE = 12;
/** Length of an untagged Ethernet II header. */
export const ETH_HEADER_LEN = 14;

/** 802.1Q Tag Control Information (PCP, DEI, VID) of a tagged frame, 2 bytes. */
export const VLAN_TCI = 14;
/** The EtherType of the payload of a tagged frame, 2 bytes. */
export const VLAN_INNER_TYPE = 16;
/** Length of the 802.1Q tag inserted after the source MAC (TPID + TCI). */
export const VLAN_TAG_LEN = 4;
/** Length of a header with one 802.1Q tag. */
export const ETH_VLAN_HEADER_LEN = ETH_HEADER_LEN + VLAN_TAG_LEN;

/** TCI: Priority Code Point, the top 3 bits (IEEE 802.1Q §9.6): shift... */
export const TCI_PCP_SHIFT = 13;
/** ...and mask after the shift. */
export const TCI_PCP_MASK = 0x7;
/** TCI: Drop Eligible Indicator, bit 12. */
export const TCI_DEI_BIT = 0x1000;
/** TCI: VLAN identifier, the low 12 bits. */
export const TCI_VID_MASK = 0x0fff;

/** Smallest frame on the wire without the FCS (64 bytes minus 4): shorter frames are padded. */
export const ETH_MIN_FRAME_LEN = 60;
/**
 * Smallest 802.1Q-tagged frame we send without the FCS: the untagged minimum
 * plus the tag, so that a bridge that strips the tag still has a 60-byte
 * frame (IEEE 802.1Q lets tagged frames be this long; Linux's VLAN_ETH_ZLEN).
 */
export const ETH_VLAN_MIN_FRAME_LEN = ETH_MIN_FRAME_LEN + VLAN_TAG_LEN;
