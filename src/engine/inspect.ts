/** Reading live addresses the way the seed reads them: `ip addr` of hosts and containers, `docker network inspect`. */
import type { Engine } from './engine.ts';
import { inNamespaceOf, onHost } from './helpers.ts';
import { LABEL } from './labels.ts';

/** A row of `ip addr` as the seed draws it (read from a host). */
export interface AddrRow {
  interface: string;
  ipv4: string;
  brd: string;
  mac: string;
  scope: string;
  master: string;
  /** marks a difference from the plan */
  drift?: string;
}

/** A row of `docker network inspect` as the seed draws it. */
export interface InspectRow {
  container: string;
  ipv4: string;
  mac: string;
  drift?: string;
}

const IP_ADDR = ['sh', '-c', 'ip -o link show; echo ---; ip -o -4 addr show'];

/** Parses busybox/iproute2 `ip -o link` + `ip -o -4 addr` output into the seed's rows. */
export function parseIpAddr(out: string, skipLo = true): AddrRow[] {
  const [links, addrs] = out.split('---');
  const info = new Map<string, { full: string; mac: string; master: string }>();
  for (const l of (links ?? '').split('\n')) {
    const m = /^\d+:\s+([^:\s]+):\s+<[^>]*>(.*)$/.exec(l.trim());
    if (!m) continue;
    const full = m[1];
    const name = full.split('@')[0];
    const mac = /link\/ether\s+([0-9a-f:]{17})/.exec(m[2])?.[1] ?? '';
    const master = /\smaster\s+(\S+)/.exec(m[2])?.[1] ?? '';
    info.set(name, { full, mac, master });
  }
  const rows: AddrRow[] = [];
  for (const l of (addrs ?? '').split('\n')) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+)(?:\s+brd\s+(\S+))?\s+scope\s+(\S+)/.exec(l.trim());
    if (!m) continue;
    if (skipLo && m[1] === 'lo') continue;
    const i = info.get(m[1]);
    rows.push({
      interface: i?.full ?? m[1],
      ipv4: m[2],
      brd: m[3] ?? '',
      mac: i?.mac ?? '',
      scope: m[4],
      master: i?.master ?? '',
    });
  }
  return rows;
}

export async function hostAddrTable(e: Engine, topology: string): Promise<AddrRow[]> {
  const r = await onHost(e, topology, 'ip-addr', IP_ADDR);
  return parseIpAddr(r.stdout);
}

export async function containerAddrTable(
  e: Engine,
  topology: string,
  name: string,
  dockerId?: string,
): Promise<AddrRow[] | null> {
  const c = dockerId
    ? (await e.containers({ [LABEL.topology]: topology })).find((x) => x.id === dockerId)
    : (await e.containers({ [LABEL.topology]: topology, [LABEL.kind]: 'container', [LABEL.name]: name }))[0];
  if (!c || c.state !== 'running') return null;
  const { r } = await inNamespaceOf(e, topology, c, 'ip-addr', IP_ADDR);
  return parseIpAddr(r.stdout);
}

/** `docker network inspect` rows of one of mvnet's networks on a host. */
export async function networkRows(
  e: Engine,
  topology: string,
  network: string,
  swarm = false,
): Promise<{ subnet: string; gateway: string; rows: InspectRow[] } | null> {
  // a swarm network is listed on workers only while they run its tasks: look it up by name there
  const n = swarm
    ? (await e.networks()).find((x) => x.name === network && x.driver === 'macvlan')
    : (await e.networks({ [LABEL.topology]: topology, [LABEL.kind]: 'network', [LABEL.name]: network }))[0];
  if (!n) return null;
  const detail = await e.inspectNetwork(n.id);
  if (swarm) {
    // the subnet and gateway live in this node's config-only network
    const cfg = (
      await e.networks({ [LABEL.topology]: topology, [LABEL.kind]: 'network-config', [LABEL.name]: network })
    )[0];
    if (cfg) {
      const c = await e.inspectNetwork(cfg.id);
      detail.subnet = c.subnet;
      detail.gateway = c.gateway;
    }
  }
  return detail;
}
