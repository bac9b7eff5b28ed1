/** The IPAM body of a network Docker is asked to create, from mvnet's NetworkCreate. */
import type Docker from 'dockerode';
import type { NetworkCreate } from './engine.ts';

type Pool = NonNullable<Docker.IPAM['Config']>[number];

/**
 * `ranges`: the host's ip-range goes in (macvlan and config-only networks; a routed network's bridge segment is
 * the host's range itself). `v6`: the IPv6 side too, when the network has one.
 */
export function ipamOf(n: NetworkCreate, opts: { ranges: boolean; v6: boolean }): Docker.IPAM {
  const pool = (subnet: string, gateway?: string, range?: string, aux?: Record<string, string>): Pool => ({
    Subnet: subnet,
    Gateway: gateway,
    ...(opts.ranges ? { IPRange: range } : {}),
    AuxiliaryAddresses: aux,
  });
  const config = [pool(n.subnet, n.gateway, n.ipRange, n.aux)];
  if (opts.v6 && n.subnet6) config.push(pool(n.subnet6, n.gateway6, n.ipRange6, n.aux6));
  return { Driver: 'default', Config: config };
}
