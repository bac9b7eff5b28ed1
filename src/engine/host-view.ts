/** The seed's views of a live host (ip addr of host and containers, docker network inspect), read, drift marked. */
import { containerAddrTable, hostAddrTable, networkRows } from './inspect.ts';
import type { Engine } from './engine.ts';
import { formatIp, withPrefix } from '../net/ipv4.ts';
import type { Plan } from '../plan/types.ts';
import type { AddrRow, InspectRow } from './inspect.ts';

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
      // a routed network's container sits on its host's segment: the host's range is its prefix
      const range = h.networks.find((n) => n.network === c.network)?.range;
      const want = withPrefix(c.ip, net.driver === 'routed' && range ? range.prefix : net.subnet.prefix);
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
  const networks: HostView['networks'] = Object.create(null);
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
