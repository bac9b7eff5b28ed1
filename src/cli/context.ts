/** Wiring shared by the commands that touch hosts: topology, engines, live state, plan. */
import { engines, onAll, pinsFrom, readLive } from '../engine/cluster.ts';
import type { Live } from '../engine/diff.ts';
import type { Engine } from '../engine/engine.ts';
import type { DockerEngine } from '../engine/docker.ts';
import { acquireLock } from '../engine/lock.ts';
import { acquireEtcdLock } from '../engine/etcd-lock.ts';
import { withTasks } from '../engine/swarm.ts';
import { MvnetError } from '../errors.ts';
import { labEndpoint } from '../lab/paths.ts';
import { plan } from '../plan/allocate.ts';
import type { Plan } from '../plan/types.ts';
import { loadTopology } from '../topology/load.ts';
import type { Topology } from '../topology/types.ts';

export interface Context {
  topo: Topology;
  hosts: Map<string, Engine>;
}

export function context(file: string): Context {
  const topo = loadTopology(file);
  return { topo, hosts: engines(topo, (h) => labEndpoint(topo.name, h)) };
}

/** Reads the live state of every host and plans with its values pinned. */
export async function livePlan(ctx: Context): Promise<{ plan: Plan; live: Map<string, Live> }> {
  const shims = ctx.topo.networks.some((n) => n.hostAccess);
  const live = await onAll(ctx.hosts, (e) => readLive(e, ctx.topo.name, shims), 'reading live state');
  return { plan: plan(ctx.topo, pinsFrom(live)), live };
}

/** The plan with what runs: with engine: swarm, the live service tasks become endpoints. */
export async function runningPlan(ctx: Context): Promise<Plan> {
  const { plan: p } = await livePlan(ctx);
  return p.engine === 'swarm' ? withTasks(p, ctx.hosts) : p;
}

/** Runs `fn` holding the topology's lock (on the first host's engine). */
export async function withLock<T>(ctx: Context, command: string, waitSeconds: number, fn: () => Promise<T>): Promise<T> {
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new MvnetError('usage', '--wait takes a number of seconds (0 or more)');
  const first = ctx.hosts.get(ctx.topo.hosts[0].name) as DockerEngine;
  const lock = ctx.topo.lock.startsWith('etcd://')
    ? await acquireEtcdLock(ctx.topo.lock, ctx.topo.name, command, waitSeconds * 1000)
    : await acquireLock(first, ctx.topo.name, command, waitSeconds * 1000);
  const release = () => { void lock.release(); };
  process.once('SIGINT', release);
  process.once('SIGTERM', release);
  try {
    return await fn();
  } finally {
    process.off('SIGINT', release);
    process.off('SIGTERM', release);
    await lock.release();
  }
}
