/** The plan for people (text) and machines (JSON). Pure. */
import { contains, formatCidr, formatIp, withPrefix } from '../net/ipv4.ts';
import { pairs, type Prediction } from '../predict/predict.ts';
import { pairs6 } from '../predict/family6.ts';
import { formatCidr6, formatIp6 } from '../net/ipv6.ts';
import { endpointIds, type Plan } from '../plan/types.ts';
import { columns, displayWidth, wrap } from './columns.ts';
import { grid, groupSummary, MARK } from './matrix.ts';

/** Pairs are listed one by one up to this many; beyond, JSON carries the group matrix only. */
export const PAIR_LIMIT = 250_000;

/** How a text report is laid out: the terminal's width, and `--wide` (every sentence inline, nothing cut). */
export interface View {
  width: number;
  wide: boolean;
}

/** A part of the report: its lines, its width, and `say` for a sentence (wrapped unless --wide). */
function writer(view: View) {
  const width = view.wide ? Infinity : view.width;
  const out: string[] = [];
  const say = (line: string) => out.push(view.wide ? line : wrap(line, width, 2));
  return { width, out, say };
}

export function planText(plan: Plan, pred: Prediction, view: View): string {
  return [
    networksText(plan, view),
    hostsText(plan, view),
    containersText(plan, view),
    notesText(plan, view),
    predictionText(plan, pred, view),
  ]
    .filter((t) => t !== '')
    .join('\n');
}

/** The title and the networks table. */
function networksText(plan: Plan, view: View): string {
  const { width, out, say } = writer(view);
  say(
    `Topology ${plan.name}: LAN ${formatCidr(plan.lan)}, ${plan.hosts.length} hosts, ` +
      `${plan.containers.length} containers`,
  );
  out.push('');
  out.push(
    columns(
      ['network', 'subnet', 'gateway', 'mode', 'vlan', 'host access'],
      plan.networks.map((n) => [
        n.name,
        formatCidr(n.subnet),
        n.driver === 'routed' ? 'each host' : formatIp(n.gateway),
        n.driver === 'routed' ? 'routed' : n.mode,
        n.vlan ? String(n.vlan) : '-',
        n.hostAccess ? 'shim' : n.driver === 'routed' ? 'routed' : 'no',
      ]),
      width,
    ),
  );
  out.push('');
  return out.join('\n');
}

/** Each host's part of each network (a column that says nothing anywhere is left out). */
function hostsText(plan: Plan, view: View): string {
  const { width, out } = writer(view);
  const hostRows = plan.hosts.flatMap((h) => {
    const rows = h.networks.map((n) => [
      h.name,
      formatIp(h.address),
      n.network,
      n.link,
      formatCidr(n.range),
      n.rangeFrom,
      n.aux.map((a) => formatIp(a.ip)).join(' ') || '-',
      n.shim !== undefined ? formatIp(n.shim) : '-',
      n.routes ? formatIp(n.gateway) : '-',
    ]);
    return rows.length ? rows : [[h.name, formatIp(h.address), '-', '-', '-', '-', '-', '-', '-']];
  });
  // a column that says nothing anywhere (no aux-address, no shim) is left out, so addresses are never cut
  const hostHead = ['host', 'address', 'network', 'parent', 'ip range', 'from', 'aux', 'shim', 'host ip'];
  const keep = hostHead.map((_, k) => k < 6 || hostRows.some((r) => r[k] !== '-'));
  out.push(
    columns(
      hostHead.filter((_, k) => keep[k]),
      hostRows.map((r) => r.filter((_, k) => keep[k])),
      width,
    ),
  );
  return out.join('\n');
}

/** IPv6 (where a network carries it) and every container's addresses and MAC. */
function containersText(plan: Plan, view: View): string {
  const { width, out, say } = writer(view);
  const dual = plan.networks.filter((n) => n.subnet6);
  if (dual.length) {
    out.push('');
    for (const n of dual) {
      say(
        `IPv6 on ${n.name}: ${formatCidr6(n.subnet6!)}, gateway ${formatIp6(n.gateway6!)}; ` +
          'every IPv6 address mirrors the IPv4 one (the same offset in the subnet), ' +
          "each host's IPv6 range its IPv4 range: " +
          plan.hosts
            .map((h) => `${h.name} ${formatCidr6(h.networks.find((x) => x.network === n.name)!.range6!)}`)
            .join(', '),
      );
    }
  }
  if (plan.containers.length) {
    out.push('');
    const six = plan.containers.some((c) => c.ip6 !== undefined);
    out.push(
      columns(
        ['container', 'network', 'ip', ...(six ? ['ipv6'] : []), 'mac'],
        plan.containers.map((c) => {
          const net = plan.networks.find((x) => x.name === c.network)!;
          // a routed network's container is on its host's segment: the host's range
          const range = plan.hosts.find((h) => h.name === c.host)?.networks.find((n) => n.network === c.network)?.range;
          const v6 = six ? [c.ip6 !== undefined ? `${formatIp6(c.ip6)}/${net.subnet6!.prefix}` : '-'] : [];
          return [
            c.id,
            c.network,
            withPrefix(c.ip, net.driver === 'routed' && range ? range.prefix : net.subnet.prefix),
            ...v6,
            c.mac,
          ];
        }),
        width,
      ),
    );
  }
  return out.join('\n');
}

/** Swarm, LAN devices, what outside machines need, host access. */
function notesText(plan: Plan, view: View): string {
  const { out, say } = writer(view);
  if (plan.engine === 'swarm') {
    out.push('');
    say(
      `Swarm: manager ${plan.manager}; each node gets a config-only network with its range above, ` +
        'the manager a swarm-scoped macvlan network --config-from it',
    );
    for (const sv of plan.services) {
      const on = sv.placement ? `, on ${sv.placement.join(', ')}` : '';
      say(`Service ${sv.name}: ${sv.replicas} replicas on ${sv.network}${on}${sv.image ? `, image ${sv.image}` : ''}`);
    }
  }
  if (plan.devices.length) out.push('');
  for (const d of plan.devices) {
    const more = d.addresses.map((a) => `, ${withPrefix(a.ip, a.prefix)}`).join('');
    const via = d.gateway !== undefined ? `, default via ${formatIp(d.gateway)}` : '';
    say(`LAN ${d.kind} ${d.name}: ${formatIp(d.address)}${more}${via}`);
  }
  out.push('');
  for (const r of lanRoutes(plan)) say(`Outside access to ${r.network}: ${r.note}`);
  for (const h of plan.hosts)
    for (const n of h.networks)
      if (n.shimName) {
        const net = plan.networks.find((x) => x.name === n.network)!;
        const v6 = n.shim6 !== undefined ? ` and ${formatIp6(n.shim6)}/128, route ${formatCidr6(net.subnet6!)}` : '';
        say(
          `Host access on ${h.name}: shim ${n.shimName} (macvlan bridge on ${n.link}) ${formatIp(n.shim!)}/32, ` +
            `route ${formatCidr(net.subnet)}${v6} dev ${n.shimName}; containers' gateway ${formatIp(n.gateway)}  ` +
            `(mvnet shim-unit -f ${plan.file} ${h.name} prints a systemd unit that keeps it across reboots)`,
        );
      }
  return out.join('\n');
}

/** The predicted reachability: group summary, IPv6 count, the matrix when it fits. */
function predictionText(plan: Plan, pred: Prediction, view: View): string {
  const { width, out, say } = writer(view);
  const dual = plan.networks.filter((n) => n.subnet6);
  out.push('');
  out.push(
    `Predicted reachability: ${pred.pairCount.toLocaleString('en')} ordered pairs in ${pred.groups.length} groups`,
  );
  out.push(groupSummary(pred, width, view.wide));
  if (dual.length) {
    const six = [...pairs6(plan, pred)];
    const reach = six.filter((x) => x.expected === 'reachable').length;
    out.push('');
    say(
      `Over IPv6 besides: ${six.length} ordered pairs, ${reach} reachable (containers of one dual-stack network: the ` +
        'same verdicts as over IPv4; hosts: only through a shim)',
    );
  }
  const ids = endpointIds(plan);
  if (ids.length <= 40) {
    const index = new Map<string, { expected: string }>();
    for (const p of pairs(pred)) index.set(`${p.from}>${p.to}`, p);
    const g = grid(ids, (f, t) => {
      const v = index.get(`${f}>${t}`);
      return v ? { mark: MARK[v.expected as 'reachable'] } : null;
    });
    const need = Math.max(...g.split('\n').map(displayWidth));
    out.push('');
    if (need <= width) out.push('Matrix (rows send, columns answer):', '✓ reachable, ✗ unreachable, · not probed', g);
    else out.push(`(the matrix of every endpoint needs ${need} columns: a wider terminal or --wide shows it)`);
  }
  return out.join('\n');
}

export function planJson(plan: Plan, pred: Prediction): unknown {
  const all = pred.pairCount <= PAIR_LIMIT ? [...pairs(pred), ...pairs6(plan, pred)] : null;
  const list =
    all
      ?.filter((p) => !p.device)
      .map((p) => ({
        from: p.from,
        to: p.to,
        ...(p.family ? { family: p.family } : {}),
        expected: p.expected,
        reason: p.reason,
        why: p.why,
      })) ?? null;
  const lanPairs =
    all
      ?.filter((p) => p.device)
      .map((p) => ({ from: p.from, to: p.to, expected: p.expected, reason: p.reason, why: p.why })) ?? null;
  return {
    name: plan.name,
    lan: formatCidr(plan.lan),
    networks: plan.networks.map((n) => ({
      name: n.name,
      driver: n.driver,
      subnet: formatCidr(n.subnet),
      subnet6: n.subnet6 ? formatCidr6(n.subnet6) : null,
      gateway6: n.gateway6 !== undefined ? formatIp6(n.gateway6) : null,
      gateway: n.driver === 'routed' ? null : formatIp(n.gateway),
      parent: n.driver === 'routed' ? null : n.parent,
      mode: n.driver === 'routed' ? null : n.mode,
      vlan: n.vlan ?? null,
      hostAccess: n.hostAccess,
      reserved: n.reserved.map(formatIp),
    })),
    hosts: plan.hosts.map((h) => ({
      name: h.name,
      address: formatIp(h.address),
      interface: h.interface,
      docker: h.docker ?? null,
      gateway: h.gateway !== undefined ? formatIp(h.gateway) : null,
      forward: h.forward,
      networks: h.networks.map((n) => ({
        network: n.network,
        parent: n.parent,
        link: n.link,
        range: formatCidr(n.range),
        rangeFrom: n.rangeFrom,
        ...(n.range6 ? { range6: formatCidr6(n.range6) } : {}),
        ...(n.shim6 !== undefined ? { shim6: formatIp6(n.shim6) } : {}),
        aux: Object.fromEntries(n.aux.map((a) => [a.name, formatIp(a.ip)])),
        shim: n.shim !== undefined ? formatIp(n.shim) : null,
        shimName: n.shimName ?? null,
        gateway: formatIp(n.gateway),
        ...(n.routes ? { routes: n.routes.map((r) => ({ to: formatCidr(r.to), via: formatIp(r.via) })) } : {}),
      })),
    })),
    containers: plan.containers.map((c) => ({
      id: c.id,
      host: c.host,
      name: c.name,
      network: c.network,
      ip: formatIp(c.ip),
      ...(c.ip6 !== undefined ? { ip6: formatIp6(c.ip6) } : {}),
      mac: c.mac,
      ipFrom: c.ipFrom,
      image: c.image ?? null,
    })),
    groups: pred.groups.map((g, i) => ({
      key: g.key,
      kind: g.kind,
      host: g.host,
      network: g.network ?? null,
      members: g.members,
      to: Object.fromEntries(pred.groups.map((b, j) => [b.key, pred.verdict(i, j)]).filter(([, v]) => v)),
    })),
    devices: plan.devices.map((d) => ({
      name: d.name,
      kind: d.kind,
      address: formatIp(d.address),
      addresses: d.addresses.map((a) => withPrefix(a.ip, a.prefix)),
      gateway: d.gateway !== undefined ? formatIp(d.gateway) : null,
    })),
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
  return plan.networks.flatMap((n) => {
    if (n.driver === 'routed') {
      return plan.hosts.map((h) => {
        const hn = h.networks.find((x) => x.network === n.name)!;
        return {
          network: n.name,
          to: formatCidr(hn.range),
          via: formatIp(h.address),
          note:
            `LAN machines (or the router they use) need a route to ${formatCidr(hn.range)} ` +
            `via host ${h.name} (${formatIp(h.address)}) to reach its containers; ` +
            'the hosts route between each other themselves',
        };
      });
    }
    const r = plan.devices.find(
      (d) =>
        d.kind === 'router' &&
        d.addresses.some((a) => contains({ base: n.subnet.base, prefix: n.subnet.prefix }, a.ip)),
    );
    if (r)
      return {
        network: n.name,
        to: formatCidr(n.subnet),
        via: formatIp(r.address),
        note:
          `LAN machines and hosts need a route to ${formatCidr(n.subnet)} via router ${r.name} ` +
          `(${formatIp(r.address)}), or it as their default gateway`,
      };
    const fwd = plan.hosts.find(
      (h) => h.forward && h.networks.some((x) => x.network === n.name && x.shim !== undefined),
    );
    if (fwd)
      return {
        network: n.name,
        to: formatCidr(n.subnet),
        via: formatIp(fwd.address),
        note:
          `LAN machines need a route to ${formatCidr(n.subnet)} via host ${fwd.name} (${formatIp(fwd.address)}), ` +
          "which forwards through its shim; the replies leave through each container's own host, " +
          'so every host must forward (sysctl -w net.ipv4.ip_forward=1)',
      };
    return {
      network: n.name,
      to: formatCidr(n.subnet),
      via: null,
      note:
        `no router serves ${formatCidr(n.subnet)}: nothing outside the macvlan network reaches its containers` +
        (n.hostAccess ? ' (the hosts do, through their shims)' : ''),
    };
  });
}
