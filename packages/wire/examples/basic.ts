// Byte conventions every @stack codec shares. Run from the repo root:
//   node --conditions=@stack/source --import tsx packages/wire/examples/basic.ts
import { checksum, checksumValid, formatIpv4, formatMac, fromHex, ipv4, parseCidr, inNetwork, readU16, updateChecksum16, writeU16 } from '@stack/wire';

// The textbook IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) with its checksum field zeroed.
const header = fromHex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
writeU16(header, 10, checksum(header));
console.log(`header checksum 0x${readU16(header, 10).toString(16)}, verifies: ${checksumValid(header)}`);

// Decrement the TTL and patch the checksum incrementally (RFC 1624), as a router would.
const oldWord = readU16(header, 8);
header[8] = header[8]! - 1;
writeU16(header, 10, updateChecksum16(readU16(header, 10), oldWord, readU16(header, 8)));
console.log(`after TTL-1: still verifies: ${checksumValid(header)}`);

// Addresses are plain numbers; text is for people.
const net = parseCidr('10.77.0.0/24');
console.log(formatIpv4(ipv4('10.77.0.2')), 'in', '10.77.0.0/24:', inNetwork(ipv4('10.77.0.2'), net));
console.log(formatMac(0x027700000001));
