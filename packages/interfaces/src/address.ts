/**
 * An IPv4 address as an unsigned 32-bit integer in host order
 * (`10.0.0.1` is `0x0a000001`). A plain number: comparing, hashing and masking
 * cost nothing and no object is allocated per packet. `@stack/wire` parses
 * and formats them.
 */
export type Ipv4Address = number;

/**
 * A MAC address as a 48-bit unsigned integer (`02:00:00:00:00:01` is
 * `0x020000000001`). Exact in a JavaScript number (< 2^53).
 */
export type MacAddress = number;

/** What a user may pass where an address is expected: a dotted quad or the number. */
export type Ipv4Like = Ipv4Address | string;

/** An IPv4 network: an address and a prefix length (0..32). */
export interface Ipv4Cidr {
  readonly address: Ipv4Address;
  readonly prefix: number;
}

/** An IPv4 address and port: one end of a UDP exchange or a TCP connection. */
export interface Endpoint {
  readonly address: Ipv4Address;
  readonly port: number;
}
