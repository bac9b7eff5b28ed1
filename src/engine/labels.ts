/** Labels on every object mvnet creates: how live state, drift and destroy find what mvnet owns. */
import { createHash } from 'node:crypto';

export const LABEL = {
  topology: 'mvnet.topology',
  kind: 'mvnet.kind',
  host: 'mvnet.host',
  name: 'mvnet.name',
  spec: 'mvnet.spec',
  /** the planned fields themselves (JSON), so that a later plan can say which of them changed */
  body: 'mvnet.body',
  range: 'mvnet.range',
  ip: 'mvnet.ip',
  shim: 'mvnet.shim',
  /** on a routed network's per-host network: the cluster subnet its routes lie in */
  routed: 'mvnet.routed',
  routed6: 'mvnet.routed6',
  members: 'mvnet.members',
  /** on a membership record: the host plumbing the topology may have made (shims, routed subnets) */
  plumbing: 'mvnet.plumbing',
  /** on a membership record: each member's engine identity (Docker's ID) */
  engines: 'mvnet.engines',
  /** a Swarm task's service */
  service: 'mvnet.service',
} as const;

/** The Swarm node label that names the host a node is (placement constraints use it). */
export const NODE_LABEL = LABEL.host;

/** Docker's own label on a Swarm task's container: SERVICE.SLOT.TASKID */
export const SWARM_TASK_LABEL = 'com.docker.swarm.task.name';

/** Who holds a lock: on the lock's container (engine locks) or its etcd value. */
export const LOCK_LABELS = {
  machine: 'mvnet.lock.machine',
  machineId: 'mvnet.lock.machine-id',
  boot: 'mvnet.lock.boot',
  pidns: 'mvnet.lock.pidns',
  pid: 'mvnet.lock.pid',
  start: 'mvnet.lock.start',
  since: 'mvnet.lock.since',
  command: 'mvnet.lock.command',
} as const;

export type Kind = 'network' | 'network-config' | 'container' | 'helper' | 'lock' | 'service' | 'task' | 'members';

export function labels(
  topology: string,
  kind: Kind,
  host: string,
  name: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { [LABEL.topology]: topology, [LABEL.kind]: kind, [LABEL.host]: host, [LABEL.name]: name, ...extra };
}

/** A short digest of the planned spec: a changed spec means the object is recreated. */
export function specHash(spec: unknown): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}
