/** The seed's views of live hosts (ip addr of host and containers, docker network inspect), drift marked. */
import { containerAddrTable, hostAddrTable, networkRows } from '../engine/inspect.ts';
import type { Engine } from '../engine/engine.ts';
import { formatIp, withPrefix } from '../net/ipv4.ts';
import type { Plan } from '../plan/types.ts';
import type { AddrRow, InspectRow } from '../engine/inspect.ts';
import { hang } from '../render/columns.ts';
import { ipAddrTable, networkInspectTable } from '../render/tables.ts';

export interface HostView {
  host: string;
  address: string;
  ipAddr: AddrRow[];
  containers: Record<string, AddrRow[] | null>;
  networks: Record<string, { subnet: string; gateway: string; rows: InspectRow[] } | null>;
  drift: string[];
}

export async function hostView(plan: Plan, e: Engine): Promise<HostView> {
  const h = plan.hosts.find((x) => x.name === e.host)!;
  const drift: string[] = [];
  const ipAddr = await hostAddrTable(e, plan.name);
  const containers: HostView['containers'] = {};
  await Promise.all(
    h.containers.map(async (c) => {
      const rows = await containerAddrTable(e, plan.name, c.name, c.dockerId);
      const net = plan.networks.find((n) => n.name === c.network)!;
      const want = withPrefix(c.ip, net.subnet.prefix);
      if (!rows) drift.push(`${c.name}: not running`);
      else {
        const eth = rows.find((r) => r.interface.startsWith('eth0')) ?? rows[0];
        if (!eth) drift.push(`${c.name}: no address`);
        else {
          if (eth.ipv4 !== want) {
            eth.drift = `planned ${want}`;
            drift.push(`${c.name}: ${eth.ipv4} instead of ${want}`);
          }
          if (eth.mac !== c.mac) {
            eth.drift = `${eth.drift ? eth.drift + ', ' : ''}planned ${c.mac}`;
            drift.push(`${c.name}: MAC ${eth.mac} instead of ${c.mac}`);
          }
        }
      }
      containers[c.name] = rows;
    }),
  );
  const networks: HostView['networks'] = {};
  for (const n of h.networks) {
    const nr = await networkRows(e, plan.name, n.network, plan.engine === 'swarm');
    if (!nr) drift.push(`network ${n.network}: missing`);
    else
      for (const r of nr.rows) {
        const c = h.containers.find((x) => x.name === r.container);
        if (c && (r.ipv4.split('/')[0] !== formatIp(c.ip) || r.mac !== c.mac))
          r.drift = `planned ${formatIp(c.ip)} ${c.mac}`;
      }
    networks[n.network] = nr;
  }
  return { host: h.name, address: formatIp(h.address), ipAddr, containers, networks, drift };
}

export function renderHostView(v: HostView, plan: Plan, width: number): string {
  // tables of live values in the seed's layout, not transcripts: the headings say so (no `$` prompt)
  const out: string[] = [
    `==== ${v.host} (${v.address}) ====`,
    `ip addr of ${v.host} (read live, as a table)`,
    ipAddrTable(v.ipAddr, width),
  ];
  for (const [name, rows] of Object.entries(v.containers)) {
    out.push(
      hang('', `ip addr in ${name} (read live, as the seed's docker exec -it ${name} ip addr showed it)`, width),
    );
    out.push(rows ? ipAddrTable(rows, width) : '(not running)');
  }
  for (const [name, nr] of Object.entries(v.networks)) {
    out.push(hang('', `docker network inspect ${name} (read live through the Docker API, as a table)`, width));
    out.push(nr ? networkInspectTable(name, nr.subnet, nr.gateway, nr.rows, width) : '(missing: run mvnet apply)');
  }
  if (v.drift.length) out.push(`drift against the plan of ${plan.name}:`, ...v.drift.map((d) => `  ! ${d}`));
  return out.join('\n');
}
