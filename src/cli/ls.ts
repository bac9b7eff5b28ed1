/**
 * `mvnet ls`: what mvnet has made where. The labs on this machine with their state, and the topologies found on
 * the engines of a file's hosts (or, with no file, on the running labs' engines): containers and networks that
 * carry mvnet's labels, counted per topology and host.
 */
import { existsSync, readdirSync } from 'node:fs';
import { DockerEngine } from '../engine/docker.ts';
import { LABEL } from '../engine/labels.ts';
import { labRoot } from '../lab/paths.ts';
import { readState } from '../lab/state.ts';
import { labEndpoint } from '../lab/paths.ts';
import { columns } from '../render/columns.ts';
import { loadTopology } from './topology-file.ts';
import { LOOK } from './look.ts';
import { DEFAULT_FILE, FILE_ENV, printJson } from './output.ts';

interface LabRow {
  lab: string;
  file: string;
  hosts: number;
  state: string;
  created: string;
}
interface Found {
  topology: string;
  host: string;
  endpoint: string;
  containers: number;
  running: number;
  networks: number;
}

const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no answer')), ms).unref())]);

async function answers(endpoint: string): Promise<boolean> {
  try {
    await within(new DockerEngine('-', endpoint).info(), 2000);
    return true;
  } catch {
    return false;
  }
}

/** The labs recorded on this machine: up (every engine answers), partly up, down, or not finished. */
async function labs(): Promise<(LabRow & { engines: { host: string; endpoint: string }[] })[]> {
  if (!existsSync(labRoot())) return [];
  const out = [];
  for (const name of readdirSync(labRoot()).sort()) {
    const s = readState(name);
    if (!s) continue;
    const engines = Object.keys(s.hosts).map((h) => ({ host: h, endpoint: labEndpoint(name, h) }));
    const up = (await Promise.all(engines.map((e) => answers(e.endpoint)))).filter(Boolean).length;
    const state = !s.ready
      ? 'unfinished'
      : up === engines.length
        ? 'up'
        : up === 0
          ? 'engines stopped'
          : `${up} of ${engines.length} engines up`;
    out.push({ lab: name, file: s.file, hosts: engines.length, state, created: s.createdAt, engines });
  }
  return out;
}

/** mvnet's objects on one engine, per topology. */
async function onEngine(host: string, endpoint: string): Promise<Found[]> {
  const e = new DockerEngine(host, endpoint);
  const [cs, ns] = await within(Promise.all([e.containers(), e.networks()]), 5000);
  const byTopo = new Map<string, Found>();
  const entry = (t: string) =>
    byTopo.get(t) ?? byTopo.set(t, { topology: t, host, endpoint, containers: 0, running: 0, networks: 0 }).get(t)!;
  for (const c of cs) {
    if (c.labels[LABEL.kind] !== 'container' || !c.labels[LABEL.topology]) continue;
    const f = entry(c.labels[LABEL.topology]);
    f.containers++;
    if (c.state === 'running') f.running++;
  }
  for (const n of ns)
    if (n.labels[LABEL.kind] === 'network' && n.labels[LABEL.topology]) entry(n.labels[LABEL.topology]).networks++;
  return [...byTopo.values()];
}

export async function lsCommand(o: { file?: string; json?: boolean }): Promise<number> {
  const file = o.file ?? process.env[FILE_ENV] ?? (existsSync(DEFAULT_FILE) ? DEFAULT_FILE : undefined);
  const found = await labs();
  const engines = file
    ? loadTopology(file).hosts.map((h) => ({
        host: h.name,
        endpoint: h.docker ?? labEndpoint(loadTopology(file).name, h.name),
      }))
    : found.filter((l) => l.state !== 'engines stopped').flatMap((l) => l.engines);
  const seen: Found[] = [];
  const unreachable: { host: string; endpoint: string }[] = [];
  await Promise.all(
    engines.map(async (e) => {
      try {
        seen.push(...(await onEngine(e.host, e.endpoint)));
      } catch {
        unreachable.push(e);
      }
    }),
  );
  seen.sort((a, b) => a.topology.localeCompare(b.topology) || a.endpoint.localeCompare(b.endpoint));
  if (o.json) {
    printJson({ labs: found.map(({ engines: _, ...l }) => l), topologies: seen, unreachable });
    return 0;
  }
  const out: string[] = [];
  out.push(
    found.length
      ? columns(
          ['lab', 'state', 'hosts', 'file'],
          found.map((l) => [l.lab, l.state, String(l.hosts), l.file]),
          LOOK.width,
        )
      : 'no labs on this machine',
  );
  out.push('');
  out.push(
    seen.length
      ? columns(
          ['topology', 'host', 'containers', 'networks', 'engine'],
          seen.map((f) => [f.topology, f.host, `${f.running}/${f.containers} running`, String(f.networks), f.endpoint]),
          LOOK.width,
        )
      : `no topology found on ${file ? `the hosts of ${file}` : "the running labs' engines"}`,
  );
  for (const u of unreachable) out.push(`${u.host}: the engine at ${u.endpoint} does not answer`);
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}
