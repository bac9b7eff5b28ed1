/**
 * IPv6 on dual-stack networks. Every IPv6 address mirrors an IPv4 one on the same interface, so a pair of
 * containers on one network meets the same path over IPv6 as over IPv4: the same verdict (a routed network's
 * IPv6 routes mirror its IPv4 ones, through the hosts' link-local addresses). A host reaches a macvlan network's
 * containers over IPv6 only through its shim (hostAccess), which carries the mirrored IPv6 address and a
 * route to the IPv6 subnet; without one it has no IPv6 route there. A host reaches a routed network's containers.
 * Pairs across networks and towards hosts are predicted over IPv4 only (no IPv6 router or LAN address is
 * modelled). Pure.
 */
import { formatCidr6 } from '../net/ipv6.ts';
import type { Plan } from '../plan/types.ts';
import { l2, passthruSet, type Iface, type PairVerdict, type Prediction } from './predict.ts';
import { REASON_TEXT, type Verdict } from './reasons.ts';

/** Whether a network carries IPv6. */
function dual(plan: Plan, network: string | undefined): boolean {
  return !!plan.networks.find((n) => n.name === network)?.subnet6;
}

/** Host `host` to the containers of `cHost` on `network`, over IPv6. */
function hostVerdict(plan: Plan, host: string, cHost: string, network: string): Verdict {
  const net = plan.networks.find((n) => n.name === network)!;
  const hn = plan.hosts.find((h) => h.name === host)!.networks.find((n) => n.network === network)!;
  if (net.driver === 'routed') {
    // its own segment, or the other host's range through that host's link-local address (apply's IPv6 routes)
    return host === cHost
      ? { expected: 'reachable', reason: 'routed-segment', why: `${host}'s own segment of ${network}, over IPv6` }
      : {
          expected: 'reachable',
          reason: 'routed-by-host',
          why: `${host} routes ${cHost}'s IPv6 range through ${cHost}'s link-local address`,
        };
  }
  if (hn.shim6 === undefined) {
    return {
      expected: 'unreachable',
      reason: 'no-route',
      why:
        `${host} has no IPv6 route to ${formatCidr6(net.subnet6!)} ` +
        `(no shim on ${network}: hostAccess: true gives one)`,
    };
  }
  const cn = plan.hosts.find((h) => h.name === cHost)!.networks.find((n) => n.network === network)!;
  const base = { vlan: net.vlan, kind: 'macvlan' as const, ip: 0, subnet: net.subnet };
  const shim: Iface = {
    ...base,
    host,
    parent: hn.parent,
    mode: 'bridge',
    shim: true,
    label: `${host} shim ${hn.shimName}`,
  };
  const cont: Iface = {
    ...base,
    host: cHost,
    parent: cn.parent,
    mode: net.mode,
    label: `${cHost} macvlan on ${cn.link}`,
  };
  const there = l2(plan, passthruSet(plan), shim, cont);
  const back = l2(plan, passthruSet(plan), cont, shim);
  const bad = !there.ok ? there : !back.ok ? back : null;
  if (bad)
    return {
      expected: 'unreachable',
      reason: bad.reason,
      why: `${shim.label} <-> ${cont.label}: ${REASON_TEXT[bad.reason]}`,
    };
  return {
    expected: 'reachable',
    reason: 'via-shim',
    why: `through ${host}'s macvlan shim (its IPv6 address and route)`,
  };
}

/** The IPv6 pairs: containers to containers of the same dual-stack network, hosts to them. */
export function* pairs6(plan: Plan, p: Prediction): Generator<PairVerdict & { device: boolean; family: 6 }> {
  if (!plan.networks.some((n) => n.subnet6)) return;
  for (let j = 0; j < p.groups.length; j++) {
    const b = p.groups[j];
    if (b.kind !== 'container' || !dual(plan, b.network)) continue;
    for (let i = 0; i < p.groups.length; i++) {
      const a = p.groups[i];
      let v: Verdict | null = null;
      if (a.kind === 'container' && a.network === b.network) {
        const lazy = p.verdict(i, j);
        if (lazy) v = { expected: lazy.expected, reason: lazy.reason, why: lazy.why };
      } else if (a.kind === 'host') v = hostVerdict(plan, a.host, b.host, b.network!);
      if (!v) continue;
      for (const from of a.members)
        for (const to of b.members) {
          if (from !== to) yield { from, to, ...v, device: false, family: 6 };
        }
    }
  }
}

/** How many IPv6 pairs there are (without building them). */
export function pairCount6(plan: Plan, p: Prediction): number {
  let n = 0;
  for (const _ of pairs6(plan, p)) n++;
  return n;
}
