/**
 * A routed network's routes on a host: each other host's range through that host's LAN address. Made, read and
 * removed through a short-lived helper on the host network (NET_ADMIN), like the shims. mvnet's routes carry
 * their own protocol number (`proto 77`); a route is this topology's when it has that protocol and its
 * destination lies inside one of the topology's routed subnets. Fixed scripts; values arrive as arguments.
 */
import { contains, parseCidr, type Cidr } from '../net/ipv4.ts';
import { contains6, parseCidr6, type Cidr6 } from '../net/ipv6.ts';
import { ROUTE_PROTO, type RouteSpec } from './route-spec.ts';
import { HostError } from '../errors.ts';
import type { Engine, LiveNetwork } from './engine.ts';
import { onHost } from './helpers.ts';
import { LABEL } from './labels.ts';

export { desiredRoutes, ROUTE_PROTO, type Hops6, type RouteSpec } from './route-spec.ts';

/** The routed subnets a topology's routes lie in, per family. */
export interface RoutedSubnets {
  v4: Cidr[];
  v6: Cidr6[];
}

function helper(e: Engine, topology: string, cmd: string[], what: string) {
  return onHost(e, topology, what, cmd);
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

/**
 * iproute2's ip (ip-full in the probe image): busybox's ip ignores `proto` when listing, which would read a
 * foreign route as mvnet's. Without it the listing fails rather than guess.
 */
const LIST =
  'command -v ip-full >/dev/null || ' +
  '{ echo "the probe image has no ip-full (iproute2): cannot tell routes apart" >&2; exit 3; }; ' +
  `ip-full -4 route show proto ${ROUTE_PROTO}; echo ---; ` +
  `ip-full -6 route show proto ${ROUTE_PROTO} 2>/dev/null; true`;

/** This topology's routes on a host: mvnet's protocol, destination inside one of its routed subnets. */
export async function liveRoutes(e: Engine, topology: string, subnets: RoutedSubnets): Promise<RouteSpec[]> {
  if (subnets.v4.length + subnets.v6.length === 0) return [];
  const r = await helper(e, topology, ['sh', '-c', LIST], 'route-list');
  if (r.code !== 0) throw new HostError(e.host, `could not list routes: ${(r.stderr || r.stdout).trim()}`);
  const [four, six] = r.stdout.split('---');
  const v4 = parseRoutes(four ?? '').filter((x) => {
    const c = parseCidr(x.to);
    return c.ok && subnets.v4.some((s) => contains(s, c.cidr.base) && c.cidr.prefix >= s.prefix);
  });
  const v6 = parseRoutes6(six ?? '').filter((x) => {
    const c = parseCidr6(x.to);
    return c.ok && subnets.v6.some((s) => contains6(s, c.cidr.base) && c.cidr.prefix >= s.prefix);
  });
  return [...v4, ...v6];
}

/** `ip -6 route` lines: `fd00:101::200/120 via fe80::1 dev ens33 ...`. */
export function parseRoutes6(out: string): RouteSpec[] {
  return parseRoutes(out).map((r) => ({
    ...r,
    to: r.to.endsWith('/32') && r.to.includes(':') ? `${r.to.slice(0, -3)}/128` : r.to,
    family: 6 as const,
  }));
}

/**
 * Removals first, then additions. An addition never replaces: a route to the same destination that is not mvnet's
 * (another protocol) is named and left as it is; one of mvnet's own (a stale next hop) is replaced.
 */
const SET = `
proto=$1; shift
command -v ip-full >/dev/null || { echo "the probe image has no ip-full (iproute2)" >&2; exit 3; }
while [ $# -ge 5 ]; do
  op=$1; fam=$2; to=$3; via=$4; dev=$5; shift 5
  if [ "$op" = add ]; then
    other=$(ip-full "-$fam" route show to exact "$to" |
      awk -v p="$proto" '{ f = 0; for (i = 1; i < NF; i++) if ($i == "proto" && $(i + 1) == p) f = 1; if (!f) print }')
    [ -z "$other" ] ||
      { echo "the host already has a route to $to that is not mvnet's: $other; not replacing it" >&2; exit 4; }
    ip-full "-$fam" route replace "$to" via "$via" dev "$dev" proto "$proto" ||
      { echo "cannot add $to via $via dev $dev" >&2; exit 1; }
  else
    ip-full "-$fam" route del "$to" via "$via" dev "$dev" proto "$proto" 2>/dev/null ||
      ! ip-full "-$fam" route show to exact "$to" proto "$proto" | grep -q . ||
      { echo "cannot remove $to via $via" >&2; exit 1; }
  fi
done
echo ok
`;

/** Adds (or replaces) and removes routes on a host in one helper run; removals go first. */
export async function setRoutes(e: Engine, topology: string, add: RouteSpec[], del: RouteSpec[]): Promise<void> {
  if (add.length + del.length === 0) return;
  const fam = (r: RouteSpec) => String(r.family ?? 4);
  const args = [
    ...del.map((r) => ['del', fam(r), r.to, r.via, r.dev]),
    ...add.map((r) => ['add', fam(r), r.to, r.via, r.dev]),
  ].flat();
  const r = await helper(e, topology, ['sh', '-c', SET, 'mvnet-routes', ROUTE_PROTO, ...args], 'routes');
  if (r.code !== 0) throw new HostError(e.host, `could not set routes: ${(r.stderr || r.stdout).trim()}`);
}

/** The routed subnets named by live networks' labels (mvnet.routed, mvnet.routed6), added to `also`. */
export function routedOf(networks: LiveNetwork[], also: RoutedSubnets = { v4: [], v6: [] }): RoutedSubnets {
  const v4 = networks.map((n) => parseCidr(n.labels[LABEL.routed] ?? '')).flatMap((c) => (c.ok ? [c.cidr] : []));
  const v6 = networks.map((n) => parseCidr6(n.labels[LABEL.routed6] ?? '')).flatMap((c) => (c.ok ? [c.cidr] : []));
  return { v4: [...also.v4, ...v4], v6: [...also.v6, ...v6] };
}
