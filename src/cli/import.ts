/** `mvnet import`: scripts and compose files -> a topology file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { MvnetError, TopologyError } from '../errors.ts';
import { parseCidr, parseIp } from '../net/ipv4.ts';
import { simpleNameProblem } from '../net/names.ts';
import { plan } from '../plan/allocate.ts';
import { importSources, whereOf, type ImportSource } from '../topology/import.ts';
import type { Plan } from '../plan/types.ts';
import { parseTopology } from '../topology/load.ts';
import { printJson } from './output.ts';

interface ImportOptions {
  host?: string[];
  lan?: string;
  name?: string;
  output?: string;
  json?: boolean;
  var?: string[];
}

const usage = (what: string, hint: string) => new MvnetError('usage', what, undefined, hint);

/** HOST=FILE, HOST:ADDRESS=FILE, or FILE (a host of its own; --host names them in order). */
function sourcesOf(files: string[], hostArgs: string[][]): ImportSource[] {
  let bare = 0;
  return (files.length ? files : ['-']).map((arg) => {
    const m = /^([a-z0-9][a-z0-9-]*)(?::([0-9.]+))?=(.+)$/i.exec(arg);
    const [host, address, file] = m ? [m[1], m[2], m[3]] : [hostArgs[bare]?.[0], hostArgs[bare++]?.[1], arg];
    if (host !== undefined) {
      const np = simpleNameProblem(host, 'host name');
      if (np) throw usage(`${arg.slice(0, 60)}: ${np}`, 'e.g. host1=setup.sh or host1:192.168.1.10=setup.sh');
    }
    if (address !== undefined && parseIp(address) === null)
      throw usage(`${arg.slice(0, 60)}: ${address} is not an IPv4 address`, 'e.g. host1:192.168.1.10=setup.sh');
    let text: string;
    try {
      text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
    } catch (e) {
      throw new MvnetError('input', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code}`, file);
    }
    return { ...(host ? { host } : {}), ...(address ? { address } : {}), file, text };
  });
}

export async function importCommand(o: ImportOptions, files: string[]): Promise<number> {
  if (o.lan !== undefined && !parseCidr(o.lan).ok)
    throw usage(`--lan ${o.lan.slice(0, 40)} is not a network in CIDR form`, 'e.g. --lan 192.168.140.0/24');
  const hostArgs = (o.host ?? []).map((h) => h.split('='));
  for (const [n, a] of hostArgs) {
    const np = simpleNameProblem(n, 'host name');
    if (np) throw usage(`--host ${n.slice(0, 40)}: ${np}`, 'e.g. --host host1=192.168.140.200, or HOST=FILE');
    if (a !== undefined && parseIp(a) === null)
      throw usage(`--host ${n}=${a.slice(0, 40)}: not an IPv4 address`, 'e.g. --host host1=192.168.140.200');
  }
  const vars: Record<string, string> = Object.create(null);
  for (const v of o.var ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(v);
    if (!m) throw usage(`--var ${v.slice(0, 40)}: not NAME=VALUE`, 'e.g. --var LAN_INTERFACE=eth0');
    vars[m[1]] = m[2];
  }
  const sources = sourcesOf(files, hostArgs);
  // one script holding several hosts: --host names them in order
  const more =
    sources.length === 1 && !files.some((f) => f.includes('='))
      ? hostArgs.slice(1).map(([name, address]) => ({ name, address }))
      : [];
  const r = importSources(sources, { name: o.name, lan: o.lan, vars, more });
  const where = sources.map((s) => s.file).join(' + ');
  const at = (w: { file: string; line: number }) => (w.line ? `${w.file}:${w.line}` : w.file);
  if (r.errors.length) {
    throw new TopologyError(
      where,
      r.errors.map((e) => ({ path: at(e.where), message: e.problem })),
    );
  }
  const yaml = `# Imported by mvnet from ${sources.map((s) => s.file).join(', ')}.\n${stringify(r.doc)}`;
  // the result must be a valid topology that plans; its problems are named by the file and line they come from
  let p: Plan;
  try {
    p = plan(parseTopology(yaml, '<imported>'));
  } catch (e) {
    if (!(e instanceof TopologyError)) throw e;
    throw new TopologyError(
      where,
      e.issues.map((i) => {
        const w = whereOf(r.origins, i.path);
        return { ...i, path: w ? `${at(w)} (${i.path})` : i.path };
      }),
    );
  }
  if (o.output) writeFileSync(o.output, yaml);
  const notes = r.notes.map((n) => ({
    file: n.where.file,
    line: n.where.line,
    problem: n.problem,
    ...(n.text ? { text: n.text.slice(0, 100) } : {}),
  }));
  if (o.json) printJson({ topology: r.doc, notes, hosts: p.hosts.length, containers: p.containers.length });
  else if (!o.output) process.stdout.write(yaml);
  // a note on a command line shows the line; one on a name or a whole file does not
  for (const n of r.notes)
    process.stderr.write(
      `${at(n.where)}: ${n.problem}${/\s/.test(n.text) && n.rank < 2 ? `: ${n.text.slice(0, 80)}` : ''}\n`,
    );
  if (o.output) {
    process.stderr.write(
      `wrote ${o.output}: ${p.hosts.length} host${p.hosts.length === 1 ? '' : 's'}, ${p.containers.length} ` +
        `container${p.containers.length === 1 ? '' : 's'}; ` +
        `${r.notes.length} note${r.notes.length === 1 ? '' : 's'} above\n`,
    );
  }
  return 0;
}
