/** `mvnet import`: docker CLI lines -> a topology file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { MvnetError, TopologyError } from '../errors.ts';
import { parseCidr, parseIp } from '../net/ipv4.ts';
import { simpleNameProblem } from '../net/names.ts';
import { plan } from '../plan/allocate.ts';
import { importDockerLines, lineOf } from '../topology/import.ts';
import type { Plan } from '../plan/types.ts';
import { parseTopology } from '../topology/load.ts';
import { printJson } from './output.ts';

interface O { host?: string[]; lan?: string; name?: string; output?: string; json?: boolean }

export async function importCommand(o: O, files: string[]): Promise<number> {
  const sources = files.length ? files : ['-'];
  if (o.lan !== undefined && !parseCidr(o.lan).ok) {
    throw new MvnetError('usage', `--lan ${o.lan.slice(0, 40)} is not a network in CIDR form`, undefined, 'e.g. --lan 192.168.140.0/24');
  }
  const hostArgs = (o.host ?? []).map((h) => h.split('='));
  for (const [n, a] of hostArgs) {
    const np = simpleNameProblem(n, 'host name');
    if (np) throw new MvnetError('usage', `--host ${n.slice(0, 40)}: ${np}`, undefined, 'e.g. --host host1=192.168.140.200');
    if (a !== undefined && parseIp(a) === null) throw new MvnetError('usage', `--host ${n}=${a.slice(0, 40)}: not an IPv4 address`, undefined, 'e.g. --host host1=192.168.140.200');
  }
  const names = hostArgs.map(([n]) => n);
  const addresses = Object.fromEntries(hostArgs.filter((h) => h[1]).map(([n, a]) => [n, a]));
  let text = '';
  sources.forEach((f, i) => {
    let t: string;
    try { t = f === '-' ? readFileSync(0, 'utf8') : readFileSync(f, 'utf8'); } catch (e) {
      throw new MvnetError('input', `cannot read ${f}: ${(e as NodeJS.ErrnoException).code}`, f);
    }
    // one script per host: each file starts a host
    text += (sources.length > 1 ? `# host: ${names[i] ?? `host${i + 1}`}\n` : '') + t + '\n';
  });
  const r = importDockerLines(text, { name: o.name, hosts: names, lan: o.lan, addresses });
  const where = sources.length === 1 ? sources[0] : sources.join(' + ');
  if (r.conflicts.length) {
    throw new TopologyError(where, r.conflicts.map((c) => ({ path: `line ${c.line}`, message: c.problem, hint: 'rename one of them (--name) in the script' })));
  }
  const yaml = `# Imported by mvnet from ${sources.join(', ')}. Check the hosts' LAN addresses.\n${stringify(r.doc)}`;
  // the result must be a valid topology that plans; its problems are named by the script line they come from
  let p: Plan;
  try {
    p = plan(parseTopology(yaml, o.output ?? '<imported>'));
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    throw new TopologyError(where, e.issues.map((i) => {
      const line = lineOf(r.origins, i.path);
      return { ...i, path: line ? `line ${line} (${i.path})` : i.path };
    }));
  }
  if (o.output) writeFileSync(o.output, yaml);
  if (o.json) printJson({ topology: r.doc, notes: r.notes, containers: p.containers.length });
  else if (!o.output) process.stdout.write(yaml);
  for (const n of r.notes) process.stderr.write(`${sources.length === 1 ? sources[0] : 'input'}:${n.line}: ${n.problem}${n.line ? `: ${n.text.slice(0, 80)}` : ''}\n`);
  if (o.output) process.stderr.write(`wrote ${o.output}: ${p.hosts.length} hosts, ${p.containers.length} containers; ${r.notes.length} line(s) not used (listed above)\n`);
  return 0;
}
