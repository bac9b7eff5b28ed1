/**
 * `mvnet import`: the scripts and compose files people already run -> a topology. Files are grouped per host
 * (HOST=FILE, several per host; a bare FILE is a host of its own, and one bare script may hold several hosts:
 * a second `docker network create` of a network starts the next host, `# host: NAME` names one). Scripts and
 * compose files may be mixed; variables come from --var first, then from the scripts' own assignments. Pure.
 */
import { assemble } from './import/assemble.ts';
import { readCompose, isCompose } from './import/compose.ts';
import { readScript } from './import/cli.ts';
import { emptyCollect, hostIn, resolveConfigFrom, type Note, type Where } from './import/model.ts';
import type { Vars } from './import/script.ts';
import { splitWords } from './words.ts';

export type { Note, Where } from './import/model.ts';

export interface ImportSource {
  /** the host the file belongs to (HOST=FILE); absent: a host of its own */
  host?: string;
  address?: string;
  file: string;
  text: string;
}

export interface ImportResult {
  doc: Record<string, unknown>;
  /** ranked: what changes the network first; flags that are not part of it summarised in one line */
  notes: Note[];
  /** what cannot be imported as written (the import fails, naming file and line) */
  errors: Note[];
  origins: Record<string, Where>;
}

/** Splits a script line into words like a POSIX shell would (quotes, backslashes, comments), running nothing. */
export function words(line: string): string[] | null {
  const r = splitWords(line, { comments: true });
  return r.ok ? r.words : null;
}

/** Where a field path came from: its longest recorded prefix. */
export function whereOf(origins: Record<string, Where>, path: string): Where | undefined {
  let best: string | undefined;
  for (const k of Object.keys(origins))
    if ((path === k || path.startsWith(`${k}.`)) && (!best || k.length > best.length)) best = k;
  return best ? origins[best] : undefined;
}

/** Notes in the order a reader needs them: network first, then containers, then one line for ignored flags. */
export function ranked(notes: Note[]): Note[] {
  const flags = notes.filter((n) => n.rank === 2 && n.flag && n.flag !== 'compose');
  const counts = new Map<string, number>();
  for (const f of flags) counts.set(f.flag!, (counts.get(f.flag!) ?? 0) + 1);
  const summary: Note[] = counts.size
    ? [
        {
          where: flags[0].where,
          text: '',
          rank: 2,
          problem:
            'not part of the network, ignored: ' +
            [...counts].map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', '),
        },
      ]
    : [];
  // lines that are no commands at all (a pasted session's output, other tools): one line per file
  const other = notes.filter((n) => n.problem === 'not a docker command');
  const files = [...new Set(other.map((n) => n.where.file))];
  for (const f of files) {
    const ls = other.filter((n) => n.where.file === f).map((n) => n.where.line);
    summary.unshift({
      where: { file: f, line: ls[0] },
      text: '',
      rank: 1,
      problem:
        `${ls.length} line${ls.length > 1 ? 's' : ''} that ` +
        `${ls.length > 1 ? 'are' : 'is'} no docker command (output, other tools) left out: ` +
        `line${ls.length > 1 ? 's' : ''} ${ls.join(', ')}`,
    });
  }
  const rest = notes.filter(
    (n) => !(n.rank === 2 && n.flag && n.flag !== 'compose') && n.problem !== 'not a docker command',
  );
  return [
    ...rest.filter((n) => n.rank === 0),
    ...rest.filter((n) => n.rank === 1),
    ...rest.filter((n) => n.rank === 2),
    ...summary,
  ];
}

export function importSources(
  sources: ImportSource[],
  opts: {
    name?: string;
    lan?: string;
    vars?: Record<string, string>;
    /** the further hosts one bare script splits into (after its own), by name and address */
    more?: { name: string; address?: string }[];
  } = {},
): ImportResult {
  const c = emptyCollect();
  const vars: Vars = new Map(
    Object.entries(opts.vars ?? {}).map(([k, v]) => [k, { value: v, where: { file: '--var', line: 0 } }]),
  );
  const named = new Set(sources.map((s) => s.host).filter(Boolean));
  let bare = 0;
  const nextBare = () => {
    let n: string;
    do n = `host${++bare}`;
    while (named.has(n));
    return n;
  };
  const single = sources.length === 1 && !sources[0].host;
  // compose files last: their external networks may come from the scripts
  const order = [...sources].sort((a, b) => Number(isCompose(a.text)) - Number(isCompose(b.text)));
  const hostOf = new Map<ImportSource, string>(sources.map((s) => [s, s.host ?? nextBare()]));
  for (const s of sources) hostIn(c, hostOf.get(s)!, s.address);
  for (const s of order) {
    const host = hostOf.get(s)!;
    if (isCompose(s.text)) readCompose(s.text, s.file, c, { vars, host });
    else
      readScript(s.text, s.file, c, {
        vars,
        host,
        split: single || (sources.length === 1 && !!opts.more?.length),
        more: [...(opts.more ?? [])],
      });
  }
  resolveConfigFrom(c);
  // a host with nothing of its own (a bare script split into hosts leaves none behind)
  c.hosts = c.hosts.filter((h) => h.nets.size > 0 || h.containers.size > 0 || sources.some((s) => s.host === h.name));
  const usable = c.networks.size > 0 && [...c.networks.values()].some((n) => !n.external);
  if (!usable && c.errors.length === 0 && ![...c.networks.values()].some((n) => n.external)) {
    const seen = ranked(c.notes)
      .slice(0, 3)
      .map((n) => `${n.where.file}:${n.where.line}: ${n.problem}`)
      .join('; ');
    c.errors.push({
      where: { file: sources.map((s) => s.file).join(', '), line: 0 },
      text: '',
      rank: 0,
      problem:
        'no macvlan network in it: nothing a topology can be made of (no `docker network create -d macvlan`, ' +
        `no compose network with driver: macvlan)${seen ? `; first lines not used: ${seen}` : ''}`,
    });
  }
  const a = assemble(c, opts);
  return { doc: a.doc, notes: ranked(c.notes), errors: c.errors, origins: a.origins };
}
