/** The engines of a topology's hosts, and reading what mvnet owns on them. */
import { HostError, InterruptedError, MultiHostError, MvnetError } from '../errors.ts';
import { parseCidr, parseIp, type Cidr, type Ip } from '../net/ipv4.ts';
import type { Pins } from '../plan/types.ts';
import type { Topology } from '../topology/types.ts';
import { normalEndpoint } from '../topology/endpoint.ts';
import { DockerEngine } from './docker.ts';
import type { Engine, LiveContainer } from './engine.ts';
import { readRecord, recordOf, type Plumbing } from './membership.ts';
import { parseCidr6 } from '../net/ipv6.ts';
import type { Live } from './diff.ts';
import { LABEL } from './labels.ts';
import { liveShims } from './shim.ts';
import { deadHelpers } from './helpers.ts';
import { liveRoutes, routedOf, type RoutedSubnets } from './routes.ts';

/** Builds one engine per host. `labEndpoint` gives the endpoint of a host without `docker:`. */
export function engines(topo: Topology, labEndpoint: (host: string) => string): Map<string, Engine> {
  return new Map(topo.hosts.map((h) => [h.name, new DockerEngine(h.name, h.docker ?? labEndpoint(h.name))]));
}

/** Runs `fn` on every host at once; collects every failure. */
export async function onAll<T>(
  hosts: Map<string, Engine>,
  fn: (e: Engine) => Promise<T>,
  what: string,
): Promise<Map<string, T>> {
  const results = await Promise.allSettled([...hosts.values()].map(async (e) => [e.host, await fn(e)] as const));
  const errors: MvnetError[] = [];
  const out = new Map<string, T>();
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') out.set(r.value[0], r.value[1]);
    else {
      const host = [...hosts.keys()][i];
      const e = r.reason as Error;
      errors.push(e instanceof MvnetError ? e : new HostError(host, e.message));
    }
  });
  const stopped = errors.find((e) => e instanceof InterruptedError);
  if (stopped) throw stopped;
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new MultiHostError('engine', errors, `${what} failed on ${errors.length} hosts`);
  return out;
}

/** What mvnet owns on a host, its membership record, and foreign endpoints on its networks (one listing). */
export async function readLive(
  e: Engine,
  topology: string,
  wantShims = false,
  routed: RoutedSubnets = { v4: [], v6: [] },
): Promise<Live> {
  // by host label too: a host renamed in the file may keep its engine, and its old objects are the old name's
  const host = ownerHost(e.host);
  const [networks, all] = await Promise.all([
    e.networks({ [LABEL.topology]: topology, [LABEL.kind]: 'network', [LABEL.host]: host }),
    e.containers(),
  ]);
  const ours = (c: LiveContainer) => c.labels[LABEL.topology] === topology;
  const containers = all.filter(
    (c) => ours(c) && c.labels[LABEL.kind] === 'container' && c.labels[LABEL.host] === host,
  );
  const names = new Set(networks.map((n) => n.name));
  const foreign = all
    .filter((c) => !ours(c))
    .flatMap((c) =>
      Object.entries(c.networks)
        .filter(([net]) => names.has(net))
        .map(([net, ep]) => ({ container: c.name, network: net, ip: ep.ip })),
    );
  const record = recordOf(all, topology);
  const leftovers = deadHelpers(all, topology).map((c) => c.id);
  const live: Live = { networks, containers, record, foreign, ...(leftovers.length ? { leftovers } : {}) };
  // routes lie in the file's routed subnets, in those of the routed networks still live here, and in those the
  // record says the topology may have routed (a run stopped after removing the network still finds them)
  const subnets = routedOf(networks, withRecorded(routed, record.plumbing));
  const anyRouted = subnets.v4.length + subnets.v6.length > 0;
  const shims = wantShims || record.plumbing.shims || networks.some((n) => n.labels[LABEL.shim]);
  if (!shims && !anyRouted) return live;
  await e.ensureHelperImage();
  const [s, r] = await Promise.all([
    shims ? liveShims(e, topology) : undefined,
    anyRouted ? liveRoutes(e, topology, subnets) : undefined,
  ]);
  return { ...live, ...(s ? { shims: s } : {}), ...(r ? { routes: r } : {}) };
}

/**
 * A host of the file whose engine is not the recorded one: its old engine becomes a former member of its own
 * (NAME@ENDPOINT). Told by the engines' identities, not their endpoints: one engine reached over ssh and over TLS
 * is one engine. A record without the identity (an older mvnet's) counts as the same engine.
 */
async function movedFrom(
  hosts: Map<string, Engine>,
  host: string,
  endpoint: string,
  recordedId: string | undefined,
): Promise<boolean> {
  const e = hosts.get(host);
  if (!e || normalEndpoint(e.endpoint) === normalEndpoint(endpoint) || !recordedId) return false;
  return (await e.engineId()) !== recordedId;
}

/**
 * Every host the topology lives on beyond the file's: the members recorded on the file's hosts, and on those
 * hosts in turn. Hosts that do not answer fail the call, named with their endpoint.
 */
export async function formerHosts(
  hosts: Map<string, Engine>,
  topology: string,
  make: (host: string, endpoint: string) => Engine,
): Promise<Map<string, Engine>> {
  const former = new Map<string, Engine>();
  let frontier = hosts;
  while (frontier.size > 0) {
    const records = await onAll(frontier, (e) => readRecord(e, topology), 'reading membership records');
    const next = new Map<string, Engine>();
    for (const r of records.values()) {
      for (const [recorded, endpoint] of Object.entries(r.members)) {
        const name = (await movedFrom(hosts, recorded, endpoint, r.engines[recorded]))
          ? `${recorded}@${endpoint}`
          : recorded;
        if (hosts.has(name) || former.has(name) || next.has(name)) continue;
        next.set(name, make(name, endpoint));
      }
    }
    for (const [k, v] of next) former.set(k, v);
    frontier = next;
  }
  return former;
}

/**
 * The host name a member's objects carry: a former member `NAME@ENDPOINT` is host NAME's old engine (the file's
 * host NAME now has another one), whose objects are labelled NAME.
 */
export function ownerHost(member: string): string {
  return member.split('@')[0];
}

/** The routed subnets of the file and of a host's record. */
export function withRecorded(routed: RoutedSubnets, p: Plumbing): RoutedSubnets {
  const v4 = p.routed.map(parseCidr).flatMap((c) => (c.ok ? [c.cidr] : []));
  const v6 = p.routed6.map(parseCidr6).flatMap((c) => (c.ok ? [c.cidr] : []));
  return { v4: [...routed.v4, ...v4], v6: [...routed.v6, ...v6] };
}

/** Values that must not move: live ranges and addresses of what mvnet already made. */
export function pinsFrom(live: Map<string, Live>): Pins {
  const ranges = new Map<string, Cidr>();
  const ips = new Map<string, Ip>();
  const taken = new Set<Ip>();
  for (const [host, l] of live) {
    for (const f of l.foreign ?? []) {
      const ip = parseIp(f.ip);
      if (ip !== null) taken.add(ip);
    }
    for (const n of l.networks) {
      const r = parseCidr(n.labels[LABEL.range] ?? '');
      if (r.ok) ranges.set(`${host}/${n.labels[LABEL.name]}`, r.cidr);
    }
    for (const c of l.containers) {
      const ip = parseIp(c.labels[LABEL.ip] ?? '');
      if (ip !== null) ips.set(`${host}/${c.labels[LABEL.name]}`, ip);
    }
  }
  return { ranges, ips, taken };
}
