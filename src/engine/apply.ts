/** Apply and destroy: converge every host to the plan at once, touching only what the labels say mvnet owns. */
import { HostError, MultiHostError, MvnetError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';
import { onAll, withRecorded } from './cluster.ts';
import { desiredFor, type Desired } from './desired.ts';
import { diffHost, type Change, type Live } from './diff.ts';
import type { Engine } from './engine.ts';
import { LABEL } from './labels.ts';
import {
  NO_PLUMBING,
  plumbingUnion,
  recordOf,
  sameRecord,
  writeRecord,
  type Members,
  type Plumbing,
} from './membership.ts';
import { formatCidr } from '../net/ipv4.ts';
import { formatCidr6 } from '../net/ipv6.ts';
import { preflight } from './preflight.ts';
import { ensureShim, liveShims, removeShim } from './shim.ts';
import { liveRoutes, routedOf, setRoutes, type Hops6, type RouteSpec } from './routes.ts';

/** Called as each change starts and when it is done (progress lines, the interrupted-apply report). */
export type OnChange = (c: Change, state: 'start' | 'done') => void;

/**
 * What apply works on: the file's hosts, the former members (recorded, no longer in the file), and their live state.
 */
export interface Cluster {
  hosts: Map<string, Engine>;
  former: Map<string, Engine>;
  live: Map<string, Live>;
  /** routed networks with IPv6: each host's link-local next hop (read from the hosts) */
  hops6?: Hops6;
  /** every member's engine identity (Docker's ID), as read this run */
  engines?: Map<string, string>;
}

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) {
        const t = items[i++];
        try {
          await fn(t);
        } catch (e) {
          errors.push(e);
        }
      }
    }),
  );
  if (errors.length) throw errors.find((e) => (e as MvnetError).kind === 'interrupted') ?? errors[0];
}

export function desiredAll(plan: Plan, hops6?: Hops6): Map<string, Desired> {
  return new Map(plan.hosts.map((h) => [h.name, desiredFor(plan, h, hops6)]));
}

const nothing = (host: string): Desired => ({ host, networks: [], containers: [], shims: [], routes: [] });

/** The members a file's hosts make: host name -> engine endpoint. */
export function membersOf(hosts: Map<string, Engine>): Members {
  return Object.fromEntries([...hosts.values()].map((e) => [e.host, e.endpoint]));
}

/** Every change apply would make: the file's hosts converge, former members are emptied, records follow. */
export function changesFor(plan: Plan, c: Cluster): Change[] {
  const wants = desiredAll(plan, c.hops6);
  const members = membersOf(c.hosts);
  const changes = plan.hosts.flatMap((h) => diffHost(wants.get(h.name)!, c.live.get(h.name)!));
  const body = { members, engines: enginesOf(members, c), plumbing: plumbingOf(plan) };
  for (const h of plan.hosts) {
    const rec = c.live.get(h.name)!.record;
    if (sameRecord(rec, body)) continue;
    const why = rec?.ids.length ? 'the recorded members differ from the file' : 'membership not recorded';
    changes.push({
      host: h.name,
      kind: 'record',
      name: 'members',
      action: rec?.ids.length ? 'recreate' : 'create',
      reason: rec?.ids.length ? 'changed' : 'missing',
      why,
      drift: false,
    });
  }
  for (const host of c.former.keys()) {
    const live = c.live.get(host)!;
    const gone = diffHost(nothing(host), live).map((x): Change => ({
      ...x,
      reason: 'host-removed',
      why: `host ${host} is no longer in the file`,
    }));
    changes.push(...gone);
    const shared = [...c.hosts.values()].some((e) => e.endpoint === c.former.get(host)!.endpoint);
    if (live.record?.ids.length && !shared) {
      changes.push({
        host,
        kind: 'record',
        name: 'members',
        action: 'remove',
        reason: 'host-removed',
        why: `host ${host} is no longer in the file`,
        drift: false,
      });
    }
  }
  return changes;
}

/** Executes the changes of one host in a safe order; returns when its last container was started (ms, 0: none). */
async function applyHost(
  e: Engine,
  topology: string,
  want: Desired,
  changes: Change[],
  report: OnChange,
): Promise<number> {
  const step = async (c: Change, fn: () => Promise<unknown>) => {
    report(c, 'start');
    try {
      await fn();
    } catch (err) {
      if (err instanceof MvnetError) throw err;
      throw new HostError(e.host, `${c.action} ${c.kind} ${c.name}: ${(err as Error).message}`);
    }
    report(c, 'done');
  };
  const cont = changes.filter((c) => c.kind === 'container');
  const nets = changes.filter((c) => c.kind === 'network');
  const shims = changes.filter((c) => c.kind === 'shim');
  const routes = changes.filter((c) => c.kind === 'route');
  const removed = (c: Change) => c.action === 'remove' || c.action === 'recreate';
  const made = (c: Change) => c.action === 'create' || c.action === 'recreate';
  // 0. host plumbing that goes, first: while the networks (and their labels) still lead to it
  for (const s of shims.filter((c) => c.action === 'remove'))
    await step(s, () => removeShim(e, topology, s.name, s.liveId!));
  if (routes.length) {
    // one helper for all of a host's routes
    routes.forEach((r) => report(r, 'start'));
    const del = routes.filter(removed).map((r) => JSON.parse(r.liveId!) as RouteSpec);
    await setRoutes(
      e,
      topology,
      routes.filter(made).map((r) => want.routes.find((x) => x.to === r.name)!),
      del,
    );
    routes.forEach((r) => report(r, 'done'));
  }
  // 1. containers that go away or are remade
  await pool(cont.filter(removed), 8, async (c) => {
    await e.removeContainer(c.liveId!);
    if (c.action === 'remove') report(c, 'done');
  });
  // 2. networks that go away or are remade
  for (const n of nets.filter(removed)) {
    await e.removeNetwork(n.liveId!);
    if (n.action === 'remove') report(n, 'done');
  }
  // 3. networks, shims, 4. containers, 5. restarts
  for (const n of nets.filter(made))
    await step(n, () => e.createNetwork(want.networks.find((x) => x.name === n.name)!));
  for (const s of shims.filter(made))
    await step(s, () =>
      ensureShim(
        e,
        topology,
        want.shims.find((x) => x.name === s.name)!,
      ),
    );
  // as many at once as the engine's machine can work on: dockerd, containerd and runc are CPU-bound here
  const width = cont.some((c) => made(c) || c.action === 'start') ? Math.min(16, Math.max(2, 2 * (await e.cpus()))) : 1;
  await pool(cont.filter(made), width, (c) =>
    step(c, () => e.runContainer(want.containers.find((x) => x.name === c.name)!)),
  );
  await pool(
    cont.filter((c) => c.action === 'start'),
    width,
    (c) => step(c, () => e.startContainer(c.liveId!)),
  );
  return cont.some((c) => made(c) || c.action === 'start') ? Date.now() : 0;
}

export interface ApplyResult {
  changes: Change[];
  ms: number;
  /**
   * The stay-up check of the containers apply made or started, to await once the lock is released: it only reads,
   * and its wait then overlaps the release. Throws when one of them does not stay up.
   */
  settle: () => Promise<void>;
}

/** One engine per endpoint: a host renamed in the file keeps its engine, and a record is per engine. */
function byEngine(hosts: Map<string, Engine>, skip: Map<string, Engine> = new Map()): Map<string, Engine> {
  const taken = new Set([...skip.values()].map((e) => e.endpoint));
  const out = new Map<string, Engine>();
  for (const [k, e] of hosts)
    if (!taken.has(e.endpoint)) {
      taken.add(e.endpoint);
      out.set(k, e);
    }
  return out;
}

/** Writes `members` and `plumbing` on every engine whose record differs. */
async function record(
  hosts: Map<string, Engine>,
  c: Cluster,
  topology: string,
  members: Members,
  plumbing: Plumbing,
): Promise<void> {
  await onAll(
    byEngine(hosts),
    async (e) => {
      const rec = c.live.get(e.host)?.record;
      const body = { members, engines: enginesOf(members, c), plumbing };
      if (sameRecord(rec, body)) return;
      const id = await writeRecord(e, topology, body, rec?.ids ?? []);
      c.live.set(e.host, { ...c.live.get(e.host)!, record: { ids: [id], ...body } });
    },
    'recording membership',
  );
}

/** Each member's engine identity: as read this run, else as recorded (a member whose engine was not read). */
function enginesOf(members: Members, c: Cluster): Members {
  const recorded: Members = Object.create(null);
  for (const l of c.live.values()) Object.assign(recorded, l.record?.engines ?? {});
  return Object.fromEntries(Object.keys(members).map((n) => [n, c.engines?.get(n) ?? recorded[n] ?? '']));
}

/** The host plumbing a plan makes: shims on hostAccess networks, routes in routed subnets. */
export function plumbingOf(plan: Plan): Plumbing {
  const routed = plan.networks.filter((n) => n.driver === 'routed');
  return {
    shims: plan.networks.some((n) => n.hostAccess),
    routed: routed.map((n) => formatCidr(n.subnet)).sort(),
    routed6: routed.flatMap((n) => (n.subnet6 ? [formatCidr6(n.subnet6)] : [])).sort(),
  };
}

export async function apply(
  plan: Plan,
  c: Cluster,
  report: OnChange = () => {},
  planned: (c: Change[]) => void = () => {},
): Promise<ApplyResult> {
  const t0 = Date.now();
  const wants = desiredAll(plan, c.hops6);
  const changes = changesFor(plan, c);
  planned(changes);
  await sweep(new Map([...c.hosts, ...c.former]), c.live);
  if (changes.length === 0) return { changes, ms: Date.now() - t0, settle: async () => {} };
  const removing = new Set(changes.filter((x) => x.kind === 'network' && x.action !== 'create').map((x) => x.liveId!));
  await preflight(c.hosts, plan, wants, c.live, removing);
  // every member learns of every other before anything changes: an interrupted run is found again from any host
  const everyone = new Map([...c.hosts, ...c.former]);
  const known: Members = Object.create(null);
  let plumbing = plumbingOf(plan);
  for (const l of c.live.values()) {
    Object.assign(known, l.record?.members ?? {});
    plumbing = plumbingUnion(plumbing, l.record?.plumbing ?? NO_PLUMBING);
  }
  const union = { ...known, ...membersOf(c.former), ...membersOf(c.hosts) };
  await record(everyone, c, plan.name, union, plumbing);
  // former members are emptied first: their addresses may be reused by the file's hosts
  await onAll(
    c.former,
    (e) =>
      applyHost(
        e,
        plan.name,
        nothing(e.host),
        changes.filter((x) => x.host === e.host),
        report,
      ),
    'apply',
  );
  let lastStart = 0;
  await onAll(
    c.hosts,
    async (e) => {
      const t = await applyHost(
        e,
        plan.name,
        wants.get(e.host)!,
        changes.filter((x) => x.host === e.host),
        report,
      );
      lastStart = Math.max(lastStart, t);
    },
    'apply',
  );
  await record(c.hosts, c, plan.name, membersOf(c.hosts), plumbingOf(plan));
  await onAll(byEngine(c.former, c.hosts), (e) => forgetRecords(e, plan.name), 'removing membership records');
  for (const x of changes.filter((x) => x.kind === 'record')) report(x, 'done');
  return { changes, ms: Date.now() - t0, settle: () => checkRunning(c.hosts, plan.name, changes, lastStart) };
}

/** How long the last started container gets to fail before apply calls them up: a wrong command or image exits
 * within milliseconds of its start (and a restart policy shows it restarting by then). */
const STAY_UP_MS = 150;

/**
 * The containers apply made or started must stay up: one that exits or restarts (a wrong command, say) is an
 * error naming it with its last log lines, never "applied". Checked once the last of them had STAY_UP_MS to fail.
 */
async function checkRunning(
  hosts: Map<string, Engine>,
  topology: string,
  changes: Change[],
  lastStart: number,
): Promise<void> {
  const touched = changes.filter((x) => x.kind === 'container' && ['create', 'recreate', 'start'].includes(x.action));
  if (touched.length === 0) return;
  const wait = lastStart + STAY_UP_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const problems: MvnetError[] = [];
  await onAll(
    hosts,
    async (e) => {
      const names = new Set(touched.filter((x) => x.host === e.host).map((x) => x.name));
      if (names.size === 0) return;
      for (const ct of await e.containers({
        [LABEL.topology]: topology,
        [LABEL.kind]: 'container',
        [LABEL.host]: e.host,
      })) {
        if (!names.has(ct.labels[LABEL.name] ?? '')) continue;
        // restarted already, or not running: it exits (a restart policy may show it "running" between tries)
        const st = await e.containerState(ct.id);
        if (st.status === 'running' && st.restarts === 0) continue;
        const how =
          st.restarts > 0
            ? `keeps exiting (restarted ${st.restarts} time${st.restarts > 1 ? 's' : ''} already` +
              (st.status === 'running' ? ')' : `, last exit code ${st.exitCode})`)
            : `is ${st.status} (exit code ${st.exitCode})`;
        const log = (await e.logTail(ct.id, 3))
          .split('\n')
          .map((l) => `    | ${l}`)
          .join('\n');
        problems.push(
          new HostError(
            e.host,
            `container ${ct.labels[LABEL.name]} ${how}, not running${log.trim() ? `; its last lines:\n${log}` : ''}`,
            'check its image and command: (a command string is split as a shell splits words; nothing is expanded)',
          ),
        );
      }
    },
    'checking containers',
  );
  if (problems.length)
    throw new MultiHostError('engine', problems, `${problems.length} container(s) apply made do not stay up`);
}

/** Removes the helper containers that runs which died left (under the lock: no run of this topology is live). */
async function sweep(hosts: Map<string, Engine>, live: Map<string, Live>): Promise<void> {
  await onAll(
    hosts,
    async (e) => {
      for (const id of live.get(e.host)?.leftovers ?? []) await e.removeContainer(id);
    },
    'removing helpers left by runs that died',
  );
}

async function forgetRecords(e: Engine, topology: string): Promise<void> {
  for (const r of await e.containers({ [LABEL.topology]: topology, [LABEL.kind]: 'members' }))
    await e.removeContainer(r.id);
}

export interface DestroyResult {
  removed: string[];
  /** what destroy left because something that is not the topology's keeps it (exit 2) */
  kept: MvnetError[];
}

/** Removes exactly what this topology's labels own, on every host it ever reached. Never anything foreign. */
export async function destroy(
  topology: string,
  hosts: Map<string, Engine>,
  report: (msg: string) => void = () => {},
): Promise<DestroyResult> {
  const removed: string[] = [];
  const kept: MvnetError[] = [];
  const say = (host: string, what: string) => {
    removed.push(`${host}: ${what}`);
    report(`${host}: removed ${what}`);
  };
  await onAll(
    byEngine(hosts),
    async (e) => {
      const [networks, all] = await Promise.all([
        e.networks({ [LABEL.topology]: topology, [LABEL.kind]: 'network' }),
        e.containers(),
      ]);
      const ours = all.filter(
        (c) => c.labels[LABEL.topology] === topology && ['container', 'helper'].includes(c.labels[LABEL.kind] ?? ''),
      );
      await pool(ours, 8, async (c) => {
        await e.removeContainer(c.id);
        say(e.host, `container ${c.name}`);
      });
      // a routed network's routes go before its networks, whose labels name the subnets they lie in (and so does
      // the membership record, should the networks be gone already)
      const routed = routedOf(networks, withRecorded({ v4: [], v6: [] }, recordOf(all, topology).plumbing));
      if (routed.v4.length + routed.v6.length) {
        await e.ensureHelperImage();
        const routes = await liveRoutes(e, topology, routed);
        await setRoutes(e, topology, [], routes);
        for (const r of routes) say(e.host, `route ${r.to} via ${r.via}`);
      }
      let clean = true;
      for (const n of networks) {
        const users = all.filter((c) => !ours.includes(c) && c.networks[n.name]);
        if (users.length > 0) {
          clean = false;
          const are = users.length > 1 ? 'are' : 'is';
          kept.push(
            new HostError(
              e.host,
              `network ${n.name} kept: container${users.length > 1 ? 's' : ''} ` +
                users.map((u) => `${u.name} (${u.networks[n.name].ip})`).join(', ') +
                ` that ${are} not mvnet's ${are} attached to it`,
              `docker network disconnect ${n.name} ` +
                `${users[0].name} (mvnet never disconnects what is not its own), then run destroy again`,
            ),
          );
          continue;
        }
        await e.removeNetwork(n.id);
        say(e.host, `network ${n.name}`);
      }
      await e.ensureHelperImage();
      for (const s of await liveShims(e, topology)) {
        await removeShim(e, topology, s.name, s.alias);
        say(e.host, `shim ${s.name}`);
      }
      // the record goes last, and only from a host left clean: a later destroy still finds the rest
      if (clean) await forgetRecords(e, topology);
    },
    'destroy',
  );
  return { removed, kept };
}
