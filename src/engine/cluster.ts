/** The engines of a topology's hosts, and reading what mvnet owns on them. */
import { HostError, MultiHostError, type MvnetError } from '../errors.ts';
import { parseCidr, parseIp, type Cidr, type Ip } from '../net/ipv4.ts';
import type { Pins } from '../plan/types.ts';
import type { Topology } from '../topology/types.ts';
import { DockerEngine } from './docker.ts';
import type { Engine } from './engine.ts';
import type { Live } from './diff.ts';
import { L } from './labels.ts';
import { ensureHelperImage } from './image.ts';
import { liveShims } from './shim.ts';

/** Builds one engine per host. `labEndpoint` gives the endpoint of a host without `docker:`. */
export function engines(topo: Topology, labEndpoint: (host: string) => string): Map<string, Engine> {
  return new Map(topo.hosts.map((h) => [h.name, new DockerEngine(h.name, h.docker ?? labEndpoint(h.name))]));
}

/** Runs `fn` on every host at once; collects every failure. */
export async function onAll<T>(hosts: Map<string, Engine>, fn: (e: Engine) => Promise<T>, what: string): Promise<Map<string, T>> {
  const results = await Promise.allSettled([...hosts.values()].map(async (e) => [e.host, await fn(e)] as const));
  const errors: MvnetError[] = [];
  const out = new Map<string, T>();
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') out.set(r.value[0], r.value[1]);
    else {
      const host = [...hosts.keys()][i];
      const e = r.reason as Error;
      errors.push(e instanceof HostError ? e : new HostError(host, e.message));
    }
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new MultiHostError('engine', errors, `${what} failed on ${errors.length} hosts`);
  return out;
}

/** What mvnet owns on a host. Shims are read (through a helper) where host access is or was in use. */
export async function readLive(e: Engine, topology: string, wantShims = false): Promise<Live> {
  const [networks, containers] = await Promise.all([
    e.networks({ [L.topology]: topology, [L.kind]: 'network' }),
    e.containers({ [L.topology]: topology, [L.kind]: 'container' }),
  ]);
  if (!wantShims && !networks.some((n) => n.labels[L.shim])) return { networks, containers };
  await ensureHelperImage(e);
  return { networks, containers, shims: await liveShims(e, topology) };
}

/** Values that must not move: live ranges and addresses of what mvnet already made. */
export function pinsFrom(live: Map<string, Live>): Pins {
  const ranges = new Map<string, Cidr>();
  const ips = new Map<string, Ip>();
  for (const [host, l] of live) {
    for (const n of l.networks) {
      const r = parseCidr(n.labels[L.range] ?? '');
      if (r.ok) ranges.set(`${host}/${n.labels[L.name]}`, r.cidr);
    }
    for (const c of l.containers) {
      const ip = parseIp(c.labels[L.ip] ?? '');
      if (ip !== null) ips.set(`${host}/${c.labels[L.name]}`, ip);
    }
  }
  return { ranges, ips };
}
