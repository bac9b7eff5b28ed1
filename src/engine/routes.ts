/**
 * A routed network's routes on a host: each other host's range through that host's LAN address. Made, read and
 * removed through a short-lived helper on the host network (NET_ADMIN), like the shims. mvnet's routes carry
 * their own protocol number (`proto 77`); a route is this topology's when it has that protocol and its
 * destination lies inside one of the topology's routed subnets. Fixed scripts; values arrive as arguments.
 */
import { contains, formatCidr, formatIp, parseCidr, type Cidr } from '../net/ipv4.ts';
import type { HostPlan } from '../plan/types.ts';
import { HostError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { PROBE_IMAGE } from './image.ts';
import { labels } from './labels.ts';

export const ROUTE_PROTO = '77';

export interface RouteSpec { to: string; via: string; dev: string }

export function desiredRoutes(h: HostPlan): RouteSpec[] {
  return h.networks.flatMap((n) => (n.routes ?? []).map((r) => ({ to: formatCidr(r.to), via: formatIp(r.via), dev: h.interface })));
}

function helper(e: Engine, topology: string, cmd: string[], what: string) {
  return e.helper({ image: PROBE_IMAGE, cmd, network: 'host', labels: labels(topology, 'helper', e.host, what) });
}

/** Parses `ip -4 route show proto 77` lines: `10.100.2.0/24 via 192.168.140.201 dev ens33 ...`. */
export function parseRoutes(out: string): RouteSpec[] {
  const routes: RouteSpec[] = [];
  for (const l of out.split('\n')) {
    const m = /^(\S+) via (\S+) dev (\S+)/.exec(l.trim());
    if (m) routes.push({ to: m[1].includes('/') ? m[1] : `${m[1]}/32`, via: m[2], dev: m[3] });
  }
  return routes;
}

/** This topology's routes on a host: mvnet's protocol, destination inside one of `subnets`. */
export async function liveRoutes(e: Engine, topology: string, subnets: Cidr[]): Promise<RouteSpec[]> {
  if (subnets.length === 0) return [];
  const r = await helper(e, topology, ['ip', '-4', 'route', 'show', 'proto', ROUTE_PROTO], 'route-list');
  if (r.code !== 0) throw new HostError(e.host, `could not list routes: ${(r.stderr || r.stdout).trim()}`);
  return parseRoutes(r.stdout).filter((x) => {
    const c = parseCidr(x.to);
    return c.ok && subnets.some((s) => contains(s, c.cidr.base) && c.cidr.prefix >= s.prefix);
  });
}

const SET = `
proto=$1; shift
while [ $# -ge 4 ]; do
  op=$1; to=$2; via=$3; dev=$4; shift 4
  if [ "$op" = add ]; then
    ip route replace "$to" via "$via" dev "$dev" proto "$proto" || { echo "cannot add $to via $via dev $dev" >&2; exit 1; }
  else
    ip route del "$to" via "$via" proto "$proto" 2>/dev/null || ! ip route show "$to" via "$via" proto "$proto" | grep -q . ||
      { echo "cannot remove $to via $via" >&2; exit 1; }
  fi
done
echo ok
`;

/** Adds (or replaces) and removes routes on a host in one helper run; removals go first. */
export async function setRoutes(e: Engine, topology: string, add: RouteSpec[], del: RouteSpec[]): Promise<void> {
  if (add.length + del.length === 0) return;
  const args = [...del.map((r) => ['del', r.to, r.via, r.dev]), ...add.map((r) => ['add', r.to, r.via, r.dev])].flat();
  const r = await helper(e, topology, ['sh', '-c', SET, 'mvnet-routes', ROUTE_PROTO, ...args], 'routes');
  if (r.code !== 0) throw new HostError(e.host, `could not set routes: ${(r.stderr || r.stdout).trim()}`);
}
