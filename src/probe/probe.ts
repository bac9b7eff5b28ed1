/**
 * Running probes through the engines: every host at once (one batch helper each, every source in it at once), all
 * of a source's targets at once.
 */
import { formatIp } from '../net/ipv4.ts';
import { formatIp6 } from '../net/ipv6.ts';
import type { Engine, LiveContainer } from '../engine/engine.ts';
import { onHost } from '../engine/helpers.ts';
import { LABEL } from '../engine/labels.ts';
import type { Plan } from '../plan/types.ts';
import type { DeviceRunner } from '../lab/device.ts';
import { batchArgs, splitBatchOutput } from './batch.ts';
import { parseProbeOutput, probeArgs, type LinkLine, type ProbeLine } from './script.ts';

export interface SourceResult {
  /** endpoint id */
  source: string;
  results: Map<string, ProbeLine>;
  links: LinkLine[];
  /** pairs settled by the fast pass (their one packet agreed with the prediction) */
  fastAgreed?: number;
  /** why the source could not probe at all */
  error?: { reason: 'engine-down' | 'not-running' | 'missing'; detail: string };
}

export interface ProbeJob {
  source: string;
  targets: string[];
}

/** Addresses of every endpoint: containers and hosts. */
export function addresses(plan: Plan): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of plan.containers) {
    m.set(c.id, formatIp(c.ip));
    if (c.ip6 !== undefined) m.set(`${c.id}#6`, formatIp6(c.ip6));
  }
  for (const h of plan.hosts) m.set(h.name, formatIp(h.address));
  for (const d of plan.devices) m.set(d.name, formatIp(d.address));
  return m;
}

export interface Probed {
  sources: Map<string, SourceResult>;
  /** hosts whose engine did not answer */
  down: Map<string, string>;
  /** containers of the plan that exist but do not run */
  stopped: Set<string>;
  /** containers of the plan that do not exist */
  missing: Set<string>;
  /** containers whose live address is not the planned one: id -> live address */
  drifted: Map<string, string>;
}

export type { DeviceRunner };

export interface ProbeOptions {
  /** attempts per pair in the slow pass (default 3, a second apart) */
  tries?: number;
  device?: DeviceRunner;
  /**
   * The prediction (from, to) -> reachable. With it, every pair first gets one packet and a short window (the fast
   * pass); only the pairs whose fast answer differs from it get the full, slow budget before they count.
   */
  expected?: (from: string, to: string) => boolean;
  /** the fast pass's window in seconds (default 0.3) */
  window?: number;
}

/** Runs the probe program for several sources of one place (`at`: the source's place in the group); returns each
 * source's output, in the order given. */
type GroupRun = (items: { at: number; targets: string[] }[], tries: number, window: number) => Promise<string[]>;

interface Unit {
  job: ProbeJob;
  res: SourceResult;
}

const PINGS_AT_ONCE = 2000;

/** A host's sources (the host itself and its containers) in one batch helper; see batch.ts. */
function hostRunner(e: Engine, topology: string, pids: (number | 'host')[], hostCount: number): GroupRun {
  return async (items, tries, window) => {
    // about PINGS_AT_ONCE ping processes at a time over the whole cluster
    const widest = Math.max(...items.map((x) => x.targets.length));
    const atOnce = Math.max(1, Math.floor(PINGS_AT_ONCE / (widest * hostCount)));
    const args = batchArgs(
      items.map((x) => ({ pid: pids[x.at], targets: x.targets })),
      tries,
      1,
      window,
      atOnce,
    );
    const r = await onHost(e, topology, 'probe', args, { pidHost: true, capAdd: ['SYS_ADMIN', 'SYS_PTRACE'] });
    if (r.code !== 0)
      throw new Error(`the probe helper on ${e.host} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`);
    return splitBatchOutput(r.stdout, items.length);
  };
}

/** Fast pass for every target, then the slow pass for the targets whose answer differs from the prediction. */
async function twoPass(run: GroupRun, units: Unit[], addr: Map<string, string>, opts: ProbeOptions): Promise<void> {
  const tries = opts.tries ?? 3;
  const pass = async (list: { at: number; unit: Unit; targets: string[] }[], window: number) => {
    const outs = await run(
      list.map((x) => ({ at: x.at, targets: x.targets.map((t) => addr.get(t)!) })),
      tries,
      window,
    );
    list.forEach(({ unit, targets }, i) => {
      const parsed = parseProbeOutput(outs[i] ?? '');
      const byIp = new Map(parsed.results.map((x) => [x.target, x]));
      for (const t of targets) {
        const x = byIp.get(addr.get(t)!);
        if (x) unit.res.results.set(t, x);
        else unit.res.results.delete(t);
      }
      if (parsed.links.length > 0) unit.res.links = parsed.links;
    });
  };
  const all = units.map((unit, at) => ({ at, unit, targets: unit.job.targets }));
  const expected = opts.expected;
  if (!expected) return pass(all, 0);
  await pass(all, opts.window ?? 0.3);
  const again = all
    .map(({ at, unit, targets }) => {
      const differ = targets.filter((t) => unit.res.results.get(t)?.ok !== expected(unit.job.source, t));
      unit.res.fastAgreed = targets.length - differ.length;
      return { at, unit, targets: differ };
    })
    .filter((x) => x.targets.length > 0);
  if (again.length > 0) await pass(again, 0);
}

/** Why a source cannot probe, or the container whose network it probes from (null: the host itself). */
function sourceContainer(
  plan: Plan,
  source: string,
  live: Map<string, Map<string, LiveContainer>>,
): { id: string | null } | { error: NonNullable<SourceResult['error']> } {
  const [host, name] = source.split('/');
  if (!name) return { id: null };
  const planned = plan.containers.find((c) => c.id === source);
  if (planned?.dockerId) return { id: planned.dockerId };
  const lc = live.get(host)!.get(name);
  if (!lc) return { error: { reason: 'missing', detail: `${source} does not exist (mvnet apply makes it)` } };
  if (lc.state !== 'running') return { error: { reason: 'not-running', detail: `${source} is ${lc.state}` } };
  return { id: lc.id };
}

/** Probes a host's sources: their process ids, then one two-pass batch. */
async function probeHost(
  e: Engine,
  plan: Plan,
  units: Unit[],
  live: Map<string, Map<string, LiveContainer>>,
  addr: Map<string, string>,
  opts: ProbeOptions,
  hostCount: number,
): Promise<void> {
  const ready: Unit[] = [];
  const pids: (number | 'host')[] = [];
  await Promise.all(
    units.map(async (u) => {
      const c = sourceContainer(plan, u.job.source, live);
      if ('error' in c) {
        u.res.error = c.error;
        return;
      }
      const pid =
        c.id === null
          ? 'host'
          : await e
              .containerState(c.id)
              .then((st) => st.pid)
              .catch(() => 0);
      if (pid === 0) {
        u.res.error = { reason: 'not-running', detail: `${u.job.source} is not running` };
        return;
      }
      ready.push(u);
      pids.push(pid);
    }),
  );
  if (ready.length === 0) return;
  try {
    await twoPass(hostRunner(e, plan.name, pids, hostCount), ready, addr, opts);
  } catch (err) {
    for (const u of ready) u.res.error = { reason: 'engine-down', detail: (err as Error).message };
  }
}

export async function runProbes(
  plan: Plan,
  hosts: Map<string, Engine>,
  jobs: ProbeJob[],
  opts: ProbeOptions = {},
): Promise<Probed> {
  const addr = addresses(plan);
  const live = new Map<string, Map<string, LiveContainer>>();
  const down = new Map<string, string>();
  await Promise.all(
    [...hosts.values()].map(async (e) => {
      try {
        const cs = await e.containers({ [LABEL.topology]: plan.name, [LABEL.kind]: 'container' });
        live.set(e.host, new Map(cs.map((c) => [c.labels[LABEL.name], c])));
      } catch (err) {
        down.set(e.host, (err as Error).message);
      }
    }),
  );
  const stopped = new Set<string>();
  const missing = new Set<string>();
  const drifted = new Map<string, string>();
  for (const c of plan.containers) {
    if (c.dockerId) continue;
    const lc = live.get(c.host)?.get(c.name);
    if (!down.has(c.host) && !lc) missing.add(c.id);
    else if (!down.has(c.host) && lc?.state !== 'running') stopped.add(c.id);
    const liveIp = lc?.networks[c.network]?.ip;
    if (lc?.state === 'running' && liveIp !== undefined && liveIp !== formatIp(c.ip))
      drifted.set(c.id, liveIp || 'none');
  }
  const out = new Map<string, SourceResult>();
  const byHost = new Map<string, Unit[]>();
  const work: Promise<void>[] = [];
  for (const job of jobs) {
    const res: SourceResult = { source: job.source, results: new Map(), links: [] };
    out.set(job.source, res);
    const host = job.source.split('/')[0];
    if (hosts.has(host)) {
      if (down.has(host)) res.error = { reason: 'engine-down', detail: down.get(host)! };
      else byHost.set(host, [...(byHost.get(host) ?? []), { job, res }]);
    } else if (!opts.device) {
      res.error = { reason: 'engine-down', detail: `${job.source} is a LAN device: only the lab can probe from it` };
    } else {
      // a LAN device of the lab: the probe program in its namespace
      const device = opts.device;
      const run: GroupRun = async (items, tries, window) => [
        (await device(job.source, probeArgs(items[0].targets, tries, 1, window))).stdout,
      ];
      work.push(
        twoPass(run, [{ job, res }], addr, opts).catch((err) => {
          res.error = { reason: 'engine-down', detail: (err as Error).message };
        }),
      );
    }
  }
  for (const [host, units] of byHost)
    work.push(probeHost(hosts.get(host)!, plan, units, live, addr, opts, byHost.size));
  await Promise.all(work);
  return { sources: out, down, stopped, missing, drifted };
}
