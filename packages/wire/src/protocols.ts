/** EtherType values (IEEE 802.3). Unknown ones stay numbers and round-trip. */
export const EtherType = {
  IPv4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPv6: 0x86dd,
  QinQ: 0x88a8,
} as const;

/** IP protocol numbers (IANA). */
export const IpProtocol = {
  ICMP: 1,
  TCP: 6,
  UDP: 17,
} as const;
