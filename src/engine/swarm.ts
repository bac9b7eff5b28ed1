/**
 * Swarm mode: Docker's own answer for macvlan across a cluster, driven rather than replaced. On every node
 * a config-only network with that node's planned ip-range (and reserved addresses), on the manager one
 * swarm-scoped attachable macvlan network built --config-from them, then the services. Everything labelled.
 */
import { HostError } from '../errors.ts';
import { parseIp } from '../net/ipv4.ts';
import { macFromIp } from '../net/mac.ts';
import type { Plan, PlannedContainer } from '../plan/types.ts';
import { desiredFor } from './desired.ts';
import { removal, type Change } from './diff.ts';
import type { Engine } from './engine.ts';
import { PROBE_CMD, PROBE_IMAGE } from './image.ts';
import { LABEL, labels, NODE_LABEL, specHash, SWARM_TASK_LABEL } from './labels.ts';
import { hostInterfaces, preflightAll } from './preflight.ts';

export const configName = (network: string) => `${network}-config`;

interface SwarmLive {
  configs: Map<string, { id: string; name: string; spec: string }[]>;
  networks: { id: string; name: string; spec: string }[];
  services: { id: string; name: string; spec: string; replicas: number }[];
}

/** What a service is made from, and its digest (a changed digest recreates the service). */
export function serviceSpec(plan: Plan, s: Plan['services'][number]) {
  const placement = s.placement
    ? plan.hosts
        .map((h) => h.name)
        .filter((h) => !s.placement!.includes(h))
        .map((h) => `node.labels.${NODE_LABEL}!=${h}`)
    : [];
  const image = s.image ?? PROBE_IMAGE;
  const body = { image, command: s.command ?? (s.image ? undefined : PROBE_CMD), network: s.network, placement };
  return { body, spec: specHash(body), replicas: s.replicas };
}

export async function readSwarm(plan: Plan, hosts: Map<string, Engine>): Promise<SwarmLive> {
  const mgr = hosts.get(plan.manager!)!;
  const configs = new Map<string, { id: string; name: string; spec: string }[]>();
  await Promise.all(
    [...hosts.values()].map(async (e) => {
      const nets = await e.networks({ [LABEL.topology]: plan.name, [LABEL.kind]: 'network-config' });
      configs.set(
        e.host,
        nets.map((n) => ({ id: n.id, name: n.labels[LABEL.name], spec: n.labels[LABEL.spec] })),
      );
    }),
  );
  // a --config-from network cannot carry labels (Docker refuses them): it is ours when it is built from our
  // labelled config-only network
  const mgrConfigs = new Set((configs.get(mgr.host) ?? []).map((c) => configName(c.name)));
  const networks = (await mgr.swarm().networks())
    .filter((n) => mgrConfigs.has(n.configFrom))
    .map((n) => ({ id: n.id, name: n.name, spec: '' }));
  const services = (
    await mgr
      .swarm()
      .services({ [LABEL.topology]: plan.name })
      .catch((err: HostError) => {
        const hint = err.hint ?? 'is this host a Swarm manager? (mvnet lab up forms the Swarm)';
        throw new HostError(mgr.host, err.message, hint, err.status);
      })
  ).map((s) => ({ id: s.id, name: s.name, spec: s.labels[LABEL.spec] ?? '', replicas: s.replicas }));
  return { configs, networks, services };
}

export function swarmChanges(plan: Plan, live: SwarmLive): Change[] {
  const changes: Change[] = [];
  const mgr = plan.manager!;
  let netsRemade = false;
  for (const h of plan.hosts) {
    const want = desiredFor(plan, h).networks;
    for (const n of want) {
      const l = live.configs.get(h.name)?.find((x) => x.name === n.name);
      if (!l)
        changes.push({
          host: h.name,
          kind: 'network',
          name: configName(n.name),
          action: 'create',
          reason: 'missing',
          why: `config-only network with ${h.name}'s range ${n.ipRange}`,
          drift: false,
        });
      else if (l.spec !== n.spec) {
        changes.push({
          host: h.name,
          kind: 'network',
          name: configName(n.name),
          action: 'recreate',
          reason: 'changed',
          why: 'changed in the file',
          drift: false,
          liveId: l.id,
        });
        netsRemade = true;
      }
    }
  }
  for (const n of plan.networks) {
    const l = live.networks.find((x) => x.name === n.name);
    if (!l)
      changes.push({
        host: mgr,
        kind: 'network',
        name: n.name,
        action: 'create',
        reason: 'missing',
        why: 'swarm-scoped macvlan network --config-from the nodes',
        drift: false,
      });
    else if (netsRemade)
      changes.push({
        host: mgr,
        kind: 'network',
        name: n.name,
        action: 'recreate',
        reason: 'network-recreated',
        why: 'its config-only networks are remade',
        drift: false,
        liveId: l.id,
      });
  }
  for (const s of plan.services) {
    const want = serviceSpec(plan, s);
    const l = live.services.find((x) => x.name === s.name);
    if (!l)
      changes.push({
        host: mgr,
        kind: 'service',
        name: s.name,
        action: 'create',
        reason: 'missing',
        why: `${s.replicas} replicas`,
        drift: false,
      });
    else if (l.spec !== want.spec || netsRemade)
      changes.push({
        host: mgr,
        kind: 'service',
        name: s.name,
        action: 'recreate',
        reason: netsRemade ? 'network-recreated' : 'changed',
        why: netsRemade ? 'its network is remade' : 'changed in the file',
        drift: false,
        liveId: l.id,
      });
    else if (l.replicas !== s.replicas)
      changes.push({
        host: mgr,
        kind: 'service',
        name: s.name,
        action: 'scale',
        reason: 'replicas',
        why: `${l.replicas} -> ${s.replicas} replicas`,
        drift: false,
        liveId: l.id,
      });
  }
  for (const l of live.services)
    if (!plan.services.some((s) => s.name === l.name))
      changes.push(removal(mgr, 'service', l.name, l.id, 'no longer in the file'));
  return changes;
}

async function waitGone(mgr: Engine, serviceName: string): Promise<void> {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const tasks = await mgr
      .swarm()
      .taskCount(serviceName)
      .catch(() => 0);
    if (tasks === 0) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Preflight for a Swarm: every node reachable with the parent, the manager a manager, images present. */
export async function preflightSwarm(plan: Plan, hosts: Map<string, Engine>): Promise<void> {
  await preflightAll(hosts, async (e) => {
    await e.info();
    await e.ensureHelperImage();
    const errors: HostError[] = [];
    const ifaces = await hostInterfaces(e, plan.name);
    for (const hn of plan.hosts.find((h) => h.name === e.host)!.networks)
      if (!ifaces.includes(hn.parent))
        errors.push(
          new HostError(e.host, `network ${hn.network}: parent interface ${hn.parent} does not exist on ${e.host}`),
        );
    const member = await e.swarm().membership();
    if (!member.active) {
      const hint = 'mvnet lab up forms it for the lab; on real hosts: docker swarm init / join';
      errors.push(new HostError(e.host, 'this engine is not part of a Swarm', hint));
    }
    if (e.host === plan.manager && !member.manager)
      errors.push(new HostError(e.host, 'this engine is not a Swarm manager', 'set manager: to a manager node'));
    for (const s of plan.services)
      if (s.image && !(await e.hasImage(s.image))) {
        const hint = 'load it on every node (no registry is reachable from the lab)';
        errors.push(new HostError(e.host, `image ${s.image} of service ${s.name} is not on ${e.host}`, hint));
      }
    return errors;
  });
}

export async function applySwarm(
  plan: Plan,
  hosts: Map<string, Engine>,
  report: (c: Change, s: 'start' | 'done') => void,
): Promise<Change[]> {
  const live = await readSwarm(plan, hosts);
  const changes = swarmChanges(plan, live);
  if (changes.length === 0) return changes;
  await preflightSwarm(plan, hosts);
  const mgr = hosts.get(plan.manager!)!;
  const sw = mgr.swarm();
  const done = (c: Change) => report(c, 'done');
  // take down what is remade, in order: services, swarm networks, config-only networks
  for (const c of changes.filter((x) => x.kind === 'service' && (x.action === 'remove' || x.action === 'recreate'))) {
    await sw.removeService(c.liveId!);
    await waitGone(mgr, c.name);
    if (c.action === 'remove') done(c);
  }
  for (const c of changes.filter(
    (x) => x.kind === 'network' && x.host === plan.manager && x.action === 'recreate' && !x.name.endsWith('-config'),
  ))
    await mgr.removeNetwork(c.liveId!);
  for (const c of changes.filter((x) => x.kind === 'network' && x.action === 'recreate' && x.name.endsWith('-config')))
    await hosts.get(c.host)!.removeNetwork(c.liveId!);
  // config-only networks on every node, at once
  await Promise.all(
    plan.hosts.map(async (h) => {
      const e = hosts.get(h.name)!;
      for (const n of desiredFor(plan, h).networks) {
        const c = changes.find(
          (x) =>
            x.host === h.name && x.name === configName(n.name) && (x.action === 'create' || x.action === 'recreate'),
        );
        if (!c) continue;
        const own = labels(plan.name, 'network-config', h.name, n.name);
        await e.swarm().createConfigOnly({
          ...n,
          name: configName(n.name),
          labels: { ...own, [LABEL.spec]: n.spec, [LABEL.range]: n.ipRange },
        });
        done(c);
      }
    }),
  );
  for (const c of changes.filter(
    (x) =>
      x.kind === 'network' &&
      x.host === plan.manager &&
      !x.name.endsWith('-config') &&
      (x.action === 'create' || x.action === 'recreate'),
  )) {
    await sw.createNetwork(c.name, configName(c.name));
    done(c);
  }
  for (const c of changes.filter(
    (x) => x.kind === 'service' && (x.action === 'create' || x.action === 'recreate' || x.action === 'scale'),
  )) {
    const s = plan.services.find((x) => x.name === c.name)!;
    const { body, spec, replicas } = serviceSpec(plan, s);
    if (c.action === 'scale') await sw.scale(c.liveId!, replicas);
    else
      await sw.createService({
        name: s.name,
        labels: { ...labels(plan.name, 'service', plan.manager!, s.name), [LABEL.spec]: spec },
        image: body.image,
        command: body.command,
        taskLabels: { [LABEL.topology]: plan.name, [LABEL.kind]: 'task', [LABEL.service]: s.name },
        network: body.network,
        constraints: body.placement,
        replicas,
      });
    done(c);
  }
  await waitConverged(plan, hosts);
  return changes;
}

/** Waits until every service runs its replicas. */
async function waitConverged(plan: Plan, hosts: Map<string, Engine>): Promise<void> {
  const until = Date.now() + 120_000;
  for (;;) {
    const tasks = await swarmTasks(plan, hosts);
    const ok = plan.services.every((s) => tasks.filter((t) => t.service === s.name).length === s.replicas);
    if (ok) return;
    if (Date.now() > until)
      throw new HostError(
        plan.manager!,
        'services did not converge: ' +
          plan.services
            .map((s) => `${s.name} ${tasks.filter((t) => t.service === s.name).length}/${s.replicas}`)
            .join(', '),
      );
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** The running tasks of the topology's services, read from every node, as planned containers (HOST/SERVICE.SLOT). */
export async function swarmTasks(plan: Plan, hosts: Map<string, Engine>): Promise<PlannedContainer[]> {
  const out: PlannedContainer[] = [];
  await Promise.all(
    [...hosts.values()].map(async (e) => {
      const cs = await e.containers({ [LABEL.topology]: plan.name, [LABEL.kind]: 'task' });
      for (const c of cs.filter((x) => x.state === 'running')) {
        const service = c.labels[LABEL.service];
        const s = plan.services.find((x) => x.name === service);
        if (!s) continue;
        const task = (c.labels[SWARM_TASK_LABEL] ?? '').split('.').slice(0, 2).join('.');
        const n = c.networks[s.network];
        const ip = n?.ip ? parseIp(n.ip) : null;
        if (ip === null) continue;
        out.push({
          id: `${e.host}/${task}`,
          host: e.host,
          name: task,
          network: s.network,
          ip,
          mac: n.mac || macFromIp(ip),
          image: s.image,
          ipFrom: 'live',
          service,
          dockerId: c.id,
        });
      }
    }),
  );
  return out.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
}

/** The plan with the live tasks in it (for predict, verify and inspect). */
export async function withTasks(plan: Plan, hosts: Map<string, Engine>): Promise<Plan> {
  const tasks = await swarmTasks(plan, hosts);
  const hostsPlan = plan.hosts.map((h) => ({
    ...h,
    containers: [...h.containers, ...tasks.filter((t) => t.host === h.name)],
  }));
  return { ...plan, hosts: hostsPlan, containers: hostsPlan.flatMap((h) => h.containers) };
}

export async function destroySwarm(
  plan: Plan,
  hosts: Map<string, Engine>,
  say: (m: string) => void,
): Promise<string[]> {
  const removed: string[] = [];
  const live = await readSwarm(plan, hosts);
  const mgr = hosts.get(plan.manager!)!;
  for (const s of live.services) {
    await mgr.swarm().removeService(s.id);
    await waitGone(mgr, s.name);
    removed.push(`service ${s.name}`);
    say(`removed service ${s.name}`);
  }
  for (const n of live.networks) {
    await hosts.get(plan.manager!)!.removeNetwork(n.id);
    removed.push(`network ${n.name}`);
    say(`removed swarm network ${n.name}`);
  }
  for (const [host, cs] of live.configs)
    for (const c of cs) {
      // a node may call its config-only network "in use" for a moment after the swarm network is gone
      for (let i = 0; ; i++) {
        try {
          await hosts.get(host)!.removeNetwork(c.id);
          break;
        } catch (err) {
          if (i >= 50) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      removed.push(`${host}: network ${configName(c.name)}`);
      say(`${host}: removed config-only network ${configName(c.name)}`);
    }
  return removed;
}
