/** Wiring shared by the commands that touch hosts: topology, engines, members, live state, plan, lock. */
import { formerHosts, onAll, pinsFrom, readLive } from '../engine/cluster.ts';
import { hostFacts } from '../engine/preflight.ts';
import type { Cluster } from '../engine/apply.ts';
import type { Engine } from '../engine/engine.ts';
import { DockerEngine } from '../engine/docker.ts';
import { acquireLock, type Lock } from '../engine/lock.ts';
import { acquireEtcdLock } from '../engine/etcd-lock.ts';
import { guarded, NEVER, type Stop } from '../engine/stop.ts';
import { backendOf } from '../engine/backend.ts';
import { MvnetError } from '../errors.ts';
import { labEndpoint } from '../lab/paths.ts';
import { plan } from '../plan/allocate.ts';
import type { Plan } from '../plan/types.ts';
import { loadTopology } from './topology-file.ts';
import type { Topology } from '../topology/types.ts';
import { normalEndpoint } from '../topology/endpoint.ts';

export interface Context {
  topo: Topology;
  /** the file's hosts (every call refused once a signal came) */
  hosts: Map<string, Engine>;
  /** hosts recorded as members on the live hosts but no longer in the file (filled by `discover`) */
  former: Map<string, Engine>;
  /** the same engines unguarded, for the lock (which must be released after a signal) */
  raw: Map<string, Engine>;
  stop: Stop;
}

export function context(file: string | Topology, stop: Stop = NEVER): Context {
  const topo = typeof file === 'string' ? loadTopology(file) : file;
  const raw = new Map<string, Engine>(
    topo.hosts.map((h) => [h.name, new DockerEngine(h.name, h.docker ?? labEndpoint(topo.name, h.name))]),
  );
  const hosts = new Map([...raw].map(([k, e]) => [k, guarded(e, stop)]));
  return { topo, hosts, former: new Map(), raw, stop };
}

/** Finds the former members (recorded on the live hosts, no longer in the file). */
export async function discover(ctx: Context): Promise<void> {
  const found = await formerHosts(ctx.hosts, ctx.topo.name, (h, endpoint) => {
    const e = new DockerEngine(h, endpoint);
    ctx.raw.set(h, e);
    return guarded(e, ctx.stop);
  });
  for (const [k, e] of found) ctx.former.set(k, e);
}

/** Reads the live state of every member host and plans with its values pinned. */
export async function livePlan(ctx: Context): Promise<{ plan: Plan; cluster: Cluster }> {
  await discover(ctx);
  const shims = ctx.topo.networks.some((n) => n.hostAccess);
  const everyone = new Map([...ctx.hosts, ...ctx.former]);
  const rn = ctx.topo.networks.filter((n) => n.driver === 'routed');
  const routed = { v4: rn.map((n) => n.subnet), v6: rn.flatMap((n) => (n.subnet6 ? [n.subnet6] : [])) };
  const live = await onAll(everyone, (e) => readLive(e, ctx.topo.name, shims, routed), 'reading live state');
  const engines = await onAll(everyone, (e) => e.engineId(), 'reading engine identities');
  // a former member on an engine a file host now has: the machine's shims and routes are the file host's
  const fileEndpoints = new Set([...ctx.hosts.values()].map((e) => normalEndpoint(e.endpoint)));
  for (const [h, e] of ctx.former)
    if (fileEndpoints.has(normalEndpoint(e.endpoint))) live.set(h, { ...live.get(h)!, shims: [], routes: [] });
  const fileLive = new Map([...live].filter(([h]) => ctx.hosts.has(h)));
  // a routed network's IPv6 routes point at each host's link-local address: read from the hosts
  const hops6 = rn.some((n) => n.subnet6) ? await linkLocals(ctx) : undefined;
  return {
    plan: plan(ctx.topo, pinsFrom(fileLive)),
    cluster: { hosts: ctx.hosts, former: ctx.former, live, engines, ...(hops6 ? { hops6 } : {}) },
  };
}

async function linkLocals(ctx: Context): Promise<Map<string, string>> {
  const facts = await onAll(ctx.hosts, (e) => hostFacts(e, ctx.topo.name), 'reading link-local addresses');
  const out = new Map<string, string>();
  for (const h of ctx.topo.hosts) {
    const ll = facts.get(h.name)?.linkLocal[h.interface];
    if (ll) out.set(h.name, ll);
  }
  return out;
}

/** The plan with what runs: with engine: swarm, the live service tasks become endpoints. */
export async function runningPlan(ctx: Context): Promise<Plan> {
  const { plan: p } = await livePlan(ctx);
  return backendOf(p).running(p, ctx.hosts);
}

async function takeLock(ctx: Context, command: string, waitSeconds: number, say: (m: string) => void): Promise<Lock> {
  const r = { topology: ctx.topo.name, file: ctx.topo.file, command, waitMs: waitSeconds * 1000, stop: ctx.stop, say };
  if (ctx.topo.lock.startsWith('etcd://')) return acquireEtcdLock(ctx.topo.lock, r);
  return acquireLock([...ctx.raw.values()], r);
}

/**
 * Runs `fn` holding the topology's lock on every member host (the file's and the recorded ones, in name
 * order). A signal stops new work (see Stop); the lock is released only after `fn` has returned or thrown.
 */
export async function withLock<T>(
  ctx: Context,
  command: string,
  waitSeconds: number,
  say: (m: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0)
    throw new MvnetError('usage', '--wait takes a number of seconds (0 or more)');
  await discover(ctx);
  const lock = await takeLock(ctx, command, waitSeconds, say);
  ctx.stop.also = () => lock.lost();
  try {
    return await fn();
  } finally {
    ctx.stop.also = null;
    await lock.release();
  }
}
