/**
 * How a plan reaches the hosts: plain Docker (containers per host) or Swarm (services the manager schedules).
 * The CLI asks `backendOf(plan)` and never branches on the engine itself.
 */
import type { Plan } from '../plan/types.ts';
import { apply, changesFor, type ApplyResult, type Cluster, type OnChange } from './apply.ts';
import type { Change } from './diff.ts';
import type { Engine } from './engine.ts';
import { applySwarm, destroySwarm, readSwarm, swarmChanges, withTasks } from './swarm.ts';

export interface Backend {
  /** what apply would change, read from the live hosts */
  changes(plan: Plan, cluster: Cluster): Promise<Change[]>;
  /** makes the changes (`planned` learns them all before the first starts) */
  apply(plan: Plan, cluster: Cluster, report: OnChange, planned: (c: Change[]) => void): Promise<ApplyResult>;
  /** what destroy removes before the per-host objects (Swarm's services and networks); a line each */
  destroyFirst(plan: Plan, hosts: Map<string, Engine>, say: (m: string) => void): Promise<string[]>;
  /** the plan with what runs (Swarm: the live tasks become endpoints) */
  running(plan: Plan, hosts: Map<string, Engine>): Promise<Plan>;
  /** what the plan deploys, counted: "4 containers", "6 services" */
  count(plan: Plan): string;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

export const DOCKER: Backend = {
  changes: async (plan, cluster) => changesFor(plan, cluster),
  apply: (plan, cluster, report, planned) => apply(plan, cluster, report, planned),
  destroyFirst: async () => [],
  running: async (plan) => plan,
  count: (plan) => plural(plan.containers.length, 'container'),
};

export const SWARM: Backend = {
  changes: async (plan, cluster) => swarmChanges(plan, await readSwarm(plan, cluster.hosts)),
  apply: async (plan, cluster, report, planned) => {
    const t0 = Date.now();
    const changes = await applySwarm(plan, cluster.hosts, report);
    planned(changes);
    return { changes, ms: Date.now() - t0, settle: async () => {} };
  },
  destroyFirst: (plan, hosts, say) => destroySwarm(plan, hosts, say),
  running: (plan, hosts) => withTasks(plan, hosts),
  count: (plan) => plural(plan.services.length, 'service'),
};

export function backendOf(plan: Pick<Plan, 'engine'>): Backend {
  return plan.engine === 'swarm' ? SWARM : DOCKER;
}
