/** The plan for people (text) and machines (JSON). Pure. */
import { contains, formatCidr, formatIp, withPrefix } from '../net/ipv4.ts';
import { pairs, type Prediction } from '../predict/predict.ts';
import type { Plan } from '../plan/types.ts';
import { grid, groupSummary, MARK } from './matrix.ts';
import { networkInspectTable, table } from './tables.ts';

/** Pairs are listed one by one up to this many; beyond, JSON carries the group matrix only. */
export const PAIR_LIMIT = 250_000;

export function planText(plan: Plan, pred: Prediction): string {
  const out: string[] = [];
  out.push(`Topology ${plan.name}: LAN ${formatCidr(plan.lan)}, ${plan.hosts.length} hosts, ${plan.containers.length} containers`);
  out.push('');
  for (const net of plan.networks) {
    out.push(`Network ${net.name}: subnet ${formatCidr(net.subnet)}, gateway ${formatIp(net.gateway)}, mode ${net.mode}${net.vlan ? `, vlan ${net.vlan}` : ''}${net.hostAccess ? ', host access (shim)' : ''}`);
  }
  for (const h of plan.hosts) {
    out.push('');
    out.push(`Host ${h.name}  ${formatIp(h.address)} on ${h.interface}${h.docker ? `  (${h.docker})` : ''}`);
    out.push(table(['network', 'parent', 'ip-range', 'aux-addresses', 'shim'], h.networks.map((n) => [
      n.network, n.link, `${formatCidr(n.range)} (${n.rangeFrom})`, n.aux.map((a) => formatIp(a.ip)).join(' ') || '-', n.shim !== undefined ? formatIp(n.shim) : '-',
    ])));
    for (const n of h.networks) {
      const net = plan.networks.find((x) => x.name === n.network)!;
      const cs = h.containers.filter((c) => c.network === n.network);
      if (cs.length === 0) continue;
      out.push(networkInspectTable(net.name, formatCidr(net.subnet), formatIp(net.gateway), cs.map((c) => ({
        container: c.name, ipv4: withPrefix(c.ip, net.subnet.prefix), mac: c.mac,
      }))));
    }
  }
  if (plan.engine === 'swarm') {
    out.push(`Swarm: manager ${plan.manager}; each node gets a config-only network with its range above, the manager a swarm-scoped macvlan network --config-from it`);
    for (const s of plan.services) out.push(`Service ${s.name}: ${s.replicas} replicas on ${s.network}${s.placement ? `, on ${s.placement.join(', ')}` : ''}${s.image ? `, image ${s.image}` : ''}`);
  }
  for (const d of plan.devices) out.push(`LAN ${d.kind} ${d.name}: ${formatIp(d.address)}${d.addresses.map((a) => `, ${withPrefix(a.ip, a.prefix)}`).join('')}${d.gateway !== undefined ? `, default via ${formatIp(d.gateway)}` : ''}`);
  out.push('');
  for (const r of lanRoutes(plan)) out.push(`Outside access to ${r.network}: ${r.note}`);
  for (const h of plan.hosts) for (const n of h.networks) if (n.shimName) {
    out.push(`Host access on ${h.name}: shim ${n.shimName} (macvlan bridge on ${n.link}) ${formatIp(n.shim!)}/32, route ${formatCidr(plan.networks.find((x) => x.name === n.network)!.subnet)} dev ${n.shimName}; containers' gateway ${formatIp(n.gateway)}  (mvnet shim-unit -f ${plan.file} ${h.name} prints a systemd unit that keeps it across reboots)`);
  }
  out.push('');
  out.push(`Predicted reachability (${pred.pairCount} ordered pairs, ${pred.groups.length} groups):`);
  out.push(groupSummary(pred));
  const ids = [...plan.containers.map((c) => c.id), ...plan.hosts.map((h) => h.name), ...plan.devices.filter((d) => d.kind === 'machine').map((d) => d.name)];
  if (ids.length <= 40) {
    const index = new Map<string, { expected: string }>();
    for (const p of pairs(pred)) index.set(`${p.from}>${p.to}`, p);
    out.push('');
    out.push('Matrix (rows send, columns answer; ✓ reachable, ✗ unreachable, · not probed):');
    out.push(grid(ids, (f, t) => {
      const v = index.get(`${f}>${t}`);
      return v ? { mark: MARK[v.expected as 'reachable'] } : null;
    }));
  }
  return out.join('\n');
}

export function planJson(plan: Plan, pred: Prediction): unknown {
  const all = pred.pairCount <= PAIR_LIMIT ? [...pairs(pred)] : null;
  const list = all?.filter((p) => !p.device).map((p) => ({ from: p.from, to: p.to, expected: p.expected, reason: p.reason, why: p.why })) ?? null;
  const lanPairs = all?.filter((p) => p.device).map((p) => ({ from: p.from, to: p.to, expected: p.expected, reason: p.reason, why: p.why })) ?? null;
  return {
    name: plan.name,
    lan: formatCidr(plan.lan),
    networks: plan.networks.map((n) => ({
      name: n.name, subnet: formatCidr(n.subnet), gateway: formatIp(n.gateway), parent: n.parent, mode: n.mode,
      vlan: n.vlan ?? null, hostAccess: n.hostAccess, reserved: n.reserved.map(formatIp),
    })),
    hosts: plan.hosts.map((h) => ({
      name: h.name, address: formatIp(h.address), interface: h.interface, docker: h.docker ?? null, gateway: h.gateway !== undefined ? formatIp(h.gateway) : null, forward: h.forward,
      networks: h.networks.map((n) => ({
        network: n.network, parent: n.parent, link: n.link, range: formatCidr(n.range), rangeFrom: n.rangeFrom,
        aux: Object.fromEntries(n.aux.map((a) => [a.name, formatIp(a.ip)])), shim: n.shim !== undefined ? formatIp(n.shim) : null,
        shimName: n.shimName ?? null, gateway: formatIp(n.gateway),
      })),
    })),
    containers: plan.containers.map((c) => ({ id: c.id, host: c.host, name: c.name, network: c.network, ip: formatIp(c.ip), mac: c.mac, ipFrom: c.ipFrom, image: c.image ?? null })),
    groups: pred.groups.map((g, i) => ({
      key: g.key, kind: g.kind, host: g.host, network: g.network ?? null, members: g.members,
      to: Object.fromEntries(pred.groups.map((b, j) => [b.key, pred.verdict(i, j)]).filter(([, v]) => v)),
    })),
    devices: plan.devices.map((d) => ({ name: d.name, kind: d.kind, address: formatIp(d.address), addresses: d.addresses.map((a) => withPrefix(a.ip, a.prefix)), gateway: d.gateway !== undefined ? formatIp(d.gateway) : null })),
    lanRoutes: lanRoutes(plan),
    engine: plan.engine,
    manager: plan.manager ?? null,
    services: plan.services,
    pairCount: pred.pairCount,
    pairs: list,
    lanPairs,
  };
}

/** What the LAN needs so that outside machines reach the containers: a route per network via a router leg. */
export function lanRoutes(plan: Plan): { network: string; to: string; via: string | null; note: string }[] {
  return plan.networks.map((n) => {
    const r = plan.devices.find((d) => d.kind === 'router' && d.addresses.some((a) => contains({ base: n.subnet.base, prefix: n.subnet.prefix }, a.ip)));
    if (r) return { network: n.name, to: formatCidr(n.subnet), via: formatIp(r.address), note: `LAN machines and hosts need a route to ${formatCidr(n.subnet)} via router ${r.name} (${formatIp(r.address)}), or it as their default gateway` };
    const fwd = plan.hosts.find((h) => h.forward && h.networks.some((x) => x.network === n.name && x.shim !== undefined));
    if (fwd) return { network: n.name, to: formatCidr(n.subnet), via: formatIp(fwd.address), note: `LAN machines need a route to ${formatCidr(n.subnet)} via host ${fwd.name} (${formatIp(fwd.address)}), which forwards through its shim; the replies leave through each container's own host, so every host must forward (sysctl -w net.ipv4.ip_forward=1)` };
    return { network: n.name, to: formatCidr(n.subnet), via: null, note: `no router serves ${formatCidr(n.subnet)}: nothing outside the macvlan network reaches its containers${n.hostAccess ? ' (the hosts do, through their shims)' : ''}` };
  });
}
