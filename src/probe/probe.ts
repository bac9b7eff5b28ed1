/** Running probes through the engines: every source at once, all its targets at once. */
import { formatIp } from '../net/ipv4.ts';
import type { Engine, LiveContainer } from '../engine/engine.ts';
import { PROBE_IMAGE } from '../engine/image.ts';
import { L, labels } from '../engine/labels.ts';
import type { Plan } from '../plan/types.ts';
import { parseProbeOutput, probeArgs, type LinkLine, type ProbeLine } from './script.ts';

export interface SourceResult {
  /** endpoint id */
  source: string;
  results: Map<string, ProbeLine>;
  links: LinkLine[];
  /** why the source could not probe at all */
  error?: { reason: 'engine-down' | 'not-running'; detail: string };
}

export interface ProbeJob { source: string; targets: string[] }

/** Addresses of every endpoint: containers and hosts. */
export function addresses(plan: Plan): Map<string, string> {
  const m = new Map<string, string>();
  for (const c of plan.containers) m.set(c.id, formatIp(c.ip));
  for (const h of plan.hosts) m.set(h.name, formatIp(h.address));
  for (const d of plan.devices) m.set(d.name, formatIp(d.address));
  return m;
}

async function runIn(e: Engine, topology: string, source: string, live: LiveContainer | undefined, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!source.includes('/')) {
    return e.helper({ image: PROBE_IMAGE, cmd: args, network: 'host', labels: labels(topology, 'helper', e.host, 'probe') });
  }
  if (live!.image === PROBE_IMAGE) return e.exec(live!.id, args, 60_000);
  // an image without ping: a helper joins the container's network namespace
  return e.helper({ image: PROBE_IMAGE, cmd: args, network: { container: live!.id }, labels: labels(topology, 'helper', e.host, 'probe') });
}

export interface Probed {
  sources: Map<string, SourceResult>;
  /** hosts whose engine did not answer */
  down: Map<string, string>;
  /** containers of the plan that are not running (or missing) */
  stopped: Set<string>;
  /** containers whose live address is not the planned one: id -> live address */
  drifted: Map<string, string>;
}

/** Runs the probe program in a LAN device (only the lab can: devices have no Docker engine). */
export type DeviceRunner = (device: string, args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>;

export async function runProbes(plan: Plan, hosts: Map<string, Engine>, jobs: ProbeJob[], opts: { tries?: number; device?: DeviceRunner } = {}): Promise<Probed> {
  const addr = addresses(plan);
  const live = new Map<string, Map<string, LiveContainer>>();
  const down = new Map<string, string>();
  await Promise.all([...hosts.values()].map(async (e) => {
    try {
      const cs = await e.containers({ [L.topology]: plan.name, [L.kind]: 'container' });
      live.set(e.host, new Map(cs.map((c) => [c.labels[L.name], c])));
    } catch (err) {
      down.set(e.host, (err as Error).message);
    }
  }));
  const taskContainer = (id: string, image?: string): LiveContainer => ({ id, name: id, state: 'running', image: image ?? PROBE_IMAGE, labels: {}, networks: {} });
  const stopped = new Set<string>();
  const drifted = new Map<string, string>();
  for (const c of plan.containers) {
    if (c.dockerId) continue;
    const lc = live.get(c.host)?.get(c.name);
    if (!down.has(c.host) && (!lc || lc.state !== 'running')) stopped.add(c.id);
    const liveIp = lc?.networks[c.network]?.ip;
    if (lc?.state === 'running' && liveIp !== undefined && liveIp !== formatIp(c.ip)) drifted.set(c.id, liveIp || 'none');
  }
  const out = new Map<string, SourceResult>();
  await Promise.all(jobs.map(async (job) => {
    const [host, name] = job.source.split('/');
    const e = hosts.get(host);
    const res: SourceResult = { source: job.source, results: new Map(), links: [] };
    out.set(job.source, res);
    if (!e) {
      // a LAN device
      if (!opts.device) { res.error = { reason: 'engine-down', detail: `${job.source} is a LAN device: only the lab can probe from it` }; return; }
      const r = await opts.device(job.source, probeArgs(job.targets.map((t) => addr.get(t)!), opts.tries ?? 3));
      const parsed = parseProbeOutput(r.stdout);
      const byIp = new Map(parsed.results.map((x) => [x.target, x]));
      job.targets.forEach((t) => { const x = byIp.get(addr.get(t)!); if (x) res.results.set(t, x); });
      return;
    }
    if (down.has(host)) { res.error = { reason: 'engine-down', detail: down.get(host)! }; return; }
    const planned = plan.containers.find((c) => c.id === job.source);
    const lc = planned?.dockerId ? taskContainer(planned.dockerId, planned.image) : name ? live.get(host)!.get(name) : undefined;
    if (name && (!lc || lc.state !== 'running')) { res.error = { reason: 'not-running', detail: lc ? `${job.source} is ${lc.state}` : `${job.source} does not exist` }; return; }
    const targets = job.targets.map((t) => addr.get(t)!);
    try {
      const r = await runIn(e, plan.name, job.source, lc, probeArgs(targets, opts.tries ?? 3));
      const parsed = parseProbeOutput(r.stdout);
      const byIp = new Map(parsed.results.map((x) => [x.target, x]));
      job.targets.forEach((t) => { const x = byIp.get(addr.get(t)!); if (x) res.results.set(t, x); });
      res.links = parsed.links;
    } catch (err) {
      res.error = { reason: 'engine-down', detail: (err as Error).message };
    }
  }));
  return { sources: out, down, stopped, drifted };
}
