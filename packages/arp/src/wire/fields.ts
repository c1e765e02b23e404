// Field offsets of an ARP packet for Ethernet/IPv4 (RFC 826, "Packet
// format"), in one place. Offsets are from the start of the ARP packet (the
// Ethernet payload).

/** Hardware type (ar$hrd), 2 bytes. */
export const ARP_HTYPE = 0;
/** Protocol type (ar$pro), 2 bytes: an EtherType. */
export const ARP_PTYPE = 2;
/** Hardware address length (ar$hln), 1 byte. */
export const ARP_HLEN = 4;
/** Protocol address length (ar$pln), 1 byte. */
export const ARP_PLEN = 5;
/** Operation (ar$op), 2 bytes. */
export const ARP_OPER = 6;
/** The fixed part before the addresses: what must be present to know the variant. */
export const ARP_FIXED_LEN = 8;
/** Sender hardware address (ar$sha), 6 bytes for Ethernet. */
export const ARP_SHA = 8;
/** Sender protocol address (ar$spa), 4 bytes for IPv4. */
export const ARP_SPA = 14;
/** Target hardware address (ar$tha), 6 bytes. */
export const ARP_THA = 18;
/** Target protocol address (ar$tpa), 4 bytes. */
export const ARP_TPA = 24;
/** Length of an Ethernet/IPv4 ARP packet. */
export const ARP_LEN = 28;

/** ar$hrd for Ethernet (IANA ARP parameters: hardware type 1). */
export const HTYPE_ETHERNET = 1;
/** ar$pro for IPv4: the IPv4 EtherType. */
export const PTYPE_IPV4 = 0x0800;
/** ar$hln for Ethernet. */
export const HLEN_ETHERNET = 6;
/** ar$pln for IPv4. */
export const PLEN_IPV4 = 4;
