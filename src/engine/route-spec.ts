/** A routed network's routes as planned: each other host's range through that host's LAN address. Pure. */
import { formatCidr, formatIp } from '../net/ipv4.ts';
import { formatCidr6 } from '../net/ipv6.ts';
import type { HostPlan } from '../plan/types.ts';

export const ROUTE_PROTO = '77';

export interface RouteSpec {
  to: string;
  via: string;
  dev: string;
  family?: 6;
}

/** Where each host's IPv6 routes point: the IPv6 link-local address of that host's LAN interface. */
export type Hops6 = Map<string, string>;

/**
 * A host's routes: IPv4 through the other hosts' LAN addresses; with IPv6, through their link-local addresses
 * (the LAN has no IPv6 of its own; routers do the same). A host whose link-local is unknown gets no IPv6 route.
 */
export function desiredRoutes(h: HostPlan, hops6: Hops6 = new Map()): RouteSpec[] {
  return h.networks.flatMap((n) =>
    (n.routes ?? []).flatMap((r) => {
      const v4: RouteSpec = { to: formatCidr(r.to), via: formatIp(r.via), dev: h.interface };
      const hop = hops6.get(r.host);
      return r.to6 && hop ? [v4, { to: formatCidr6(r.to6), via: hop, dev: h.interface, family: 6 as const }] : [v4];
    }),
  );
}
