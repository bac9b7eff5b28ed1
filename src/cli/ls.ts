/**
 * `mvnet ls`: what mvnet has made where. The labs on this machine with their state, and the topologies found on
 * the engines of a file's hosts (or, with no file, on the running labs' engines): containers and networks that
 * carry mvnet's labels, counted per topology and host.
 */
import { existsSync } from 'node:fs';
import { census, type Owned } from '../engine/census.ts';
import { DockerEngine } from '../engine/docker.ts';
import { labList } from '../lab/list.ts';
import { labEndpoint } from '../lab/paths.ts';
import { columns } from '../render/columns.ts';
import { loadTopology } from './topology-file.ts';
import { LOOK } from './look.ts';
import { DEFAULT_FILE, EXIT, FILE_ENV, printJson } from './output.ts';

export async function lsCommand(o: { file?: string; json?: boolean }): Promise<number> {
  const file = o.file ?? process.env[FILE_ENV] ?? (existsSync(DEFAULT_FILE) ? DEFAULT_FILE : undefined);
  const found = await labList();
  const engines = file
    ? loadTopology(file).hosts.map((h) => ({
        host: h.name,
        endpoint: h.docker ?? labEndpoint(loadTopology(file).name, h.name),
      }))
    : found.filter((l) => l.state !== 'engines stopped').flatMap((l) => l.engines);
  const seen: Owned[] = [];
  const unreachable: { host: string; endpoint: string }[] = [];
  await Promise.all(
    engines.map(async (e) => {
      try {
        seen.push(...(await census(new DockerEngine(e.host, e.endpoint))));
      } catch {
        unreachable.push(e);
      }
    }),
  );
  seen.sort((a, b) => a.topology.localeCompare(b.topology) || a.endpoint.localeCompare(b.endpoint));
  if (o.json) {
    printJson({ labs: found.map(({ engines: _, ...l }) => l), topologies: seen, unreachable });
    return unreachable.length ? EXIT.error : EXIT.ok;
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
  // an engine that was not read makes the listing incomplete: said above, and not a success
  return unreachable.length ? EXIT.error : EXIT.ok;
}
