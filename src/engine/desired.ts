/** What a host should hold according to the plan: the Docker objects with their labels and spec digests. Pure. */
import { formatCidr, formatIp } from '../net/ipv4.ts';
import { formatCidr6, formatIp6 } from '../net/ipv6.ts';
import { mirror6 } from '../plan/mirror.ts';
import type { HostPlan, Plan } from '../plan/types.ts';
import { PROBE_CMD, PROBE_IMAGE } from './probe-image.ts';
import type { ContainerCreate, NetworkCreate } from './engine.ts';
import { LABEL, labels, specHash } from './labels.ts';
import { desiredShims, type ShimSpec } from './shim-spec.ts';
import { desiredRoutes, type Hops6, type RouteSpec } from './route-spec.ts';

export interface DesiredNetwork extends NetworkCreate {
  spec: string;
}
export interface DesiredContainer extends ContainerCreate {
  spec: string;
  id: string;
}
export interface Desired {
  host: string;
  networks: DesiredNetwork[];
  containers: DesiredContainer[];
  shims: ShimSpec[];
  routes: RouteSpec[];
}

export function desiredFor(plan: Plan, h: HostPlan, hops6?: Hops6): Desired {
  const networks = h.networks.map((hn) => {
    const net = plan.networks.find((n) => n.name === hn.network)!;
    if (net.driver === 'routed') {
      // the host's own segment: a bridge network on its range, the host at the gateway address
      const body = {
        name: net.name,
        driver: 'routed',
        subnet: formatCidr(hn.range),
        gateway: formatIp(hn.gateway),
        aux: Object.fromEntries(hn.aux.map((a) => [a.name, formatIp(a.ip)])),
        ...(net.subnet6
          ? {
              subnet6: formatCidr6(hn.range6!),
              gateway6: formatIp6(hn.gateway6!),
              aux6: Object.fromEntries(hn.aux.map((a) => [a.name, formatIp6(mirror6(net, a.ip)!)])),
            }
          : {}),
      };
      const spec = specHash(body);
      const extra: Record<string, string> = {
        [LABEL.spec]: spec,
        [LABEL.range]: body.subnet,
        [LABEL.body]: JSON.stringify(body),
        [LABEL.routed]: formatCidr(net.subnet),
      };
      if (net.subnet6) extra[LABEL.routed6] = formatCidr6(net.subnet6);
      return {
        ...body,
        driver: 'bridge' as const,
        parent: hn.link,
        mode: 'bridge',
        ipRange: body.subnet,
        spec,
        labels: labels(plan.name, 'network', h.name, net.name, extra),
      };
    }
    const body = {
      name: net.name,
      parent: hn.link,
      mode: net.mode,
      subnet: formatCidr(net.subnet),
      gateway: formatIp(hn.gateway),
      ipRange: formatCidr(hn.range),
      aux: Object.fromEntries(hn.aux.map((a) => [a.name, formatIp(a.ip)])),
      // dual stack: only then, so a network without IPv6 keeps its spec
      ...(net.subnet6
        ? {
            subnet6: formatCidr6(net.subnet6),
            gateway6: formatIp6(net.gateway6!),
            ipRange6: formatCidr6(hn.range6!),
            aux6: Object.fromEntries(hn.aux.map((a) => [a.name, formatIp6(mirror6(net, a.ip)!)])),
          }
        : {}),
    };
    const spec = specHash(body);
    const extra: Record<string, string> = {
      [LABEL.spec]: spec,
      [LABEL.range]: body.ipRange,
      [LABEL.body]: JSON.stringify(body),
    };
    if (hn.shimName) extra[LABEL.shim] = hn.shimName;
    return { ...body, driver: 'macvlan' as const, spec, labels: labels(plan.name, 'network', h.name, net.name, extra) };
  });
  const containers = h.containers.map((c) => {
    const netSpec = networks.find((n) => n.name === c.network)!.spec;
    const body = {
      name: c.name,
      image: c.image ?? PROBE_IMAGE,
      command: c.command ?? (c.image ? undefined : PROBE_CMD),
      network: c.network,
      ip: formatIp(c.ip),
      ...(c.ip6 !== undefined ? { ip6: formatIp6(c.ip6) } : {}),
      mac: c.mac,
    };
    const spec = specHash({ ...body, netSpec });
    const extra = { [LABEL.spec]: spec, [LABEL.ip]: body.ip, [LABEL.body]: JSON.stringify(body) };
    return { ...body, id: c.id, spec, labels: labels(plan.name, 'container', h.name, c.name, extra) };
  });
  return { host: h.name, networks, containers, shims: desiredShims(plan, h), routes: desiredRoutes(h, hops6) };
}
