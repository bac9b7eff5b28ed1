/**
 * Dual stack by mirroring: a network's IPv6 address for an IPv4 one is the IPv6 subnet's base plus the IPv4
 * address's offset in its subnet, and a host's IPv6 range mirrors its IPv4 range the same way. So every IPv6
 * address is planned, pinned and kept out of Docker's reach together with its IPv4 twin. Pure.
 */
import { type Cidr, type Ip } from '../net/ipv4.ts';
import type { Cidr6, Ip6 } from '../net/ipv6.ts';
import type { NetworkSpec } from '../topology/types.ts';

export function mirror6(net: NetworkSpec, ip: Ip): Ip6 | undefined {
  return net.subnet6 ? net.subnet6.base + BigInt((ip - net.subnet.base) >>> 0) : undefined;
}

export function mirrorRange6(net: NetworkSpec, range: Cidr): Cidr6 | undefined {
  return net.subnet6 ? { base: mirror6(net, range.base)!, prefix: 96 + range.prefix } : undefined;
}
