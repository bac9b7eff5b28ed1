/**
 * Import: docker CLI lines (the seed's own commands, a shell script, a history) -> a topology. Pure.
 * `docker network create` and `docker run` are understood; `docker exec` is ignored; anything else is
 * reported with its line number, never dropped silently. A second `docker network create` of a network
 * the current host already has starts the next host, so the seed's block pasted as it stands splits into
 * its two hosts; `# host: NAME` lines name hosts explicitly.
 */
import { splitWords } from './words.ts';
import { parseCidr, parseIp } from '../net/ipv4.ts';
import { macFromIp } from '../net/mac.ts';

export interface ImportNote { line: number; text: string; problem: string }

export interface ImportedNetwork {
  subnet?: string; gateway?: string; parent?: string; mode?: string; vlan?: number; reserved: string[];
  ranges: Record<string, string>; internal?: boolean;
}

export interface ImportResult {
  doc: Record<string, unknown>;
  notes: ImportNote[];
  /** the script line each part of the topology came from: field path -> line */
  origins: Record<string, number>;
  /** what cannot be imported without losing data (the import fails, naming the lines) */
  conflicts: ImportNote[];
}

/** The script line of a field path: that of its longest recorded prefix. */
export function lineOf(origins: Record<string, number>, path: string): number | undefined {
  let best: string | undefined;
  for (const k of Object.keys(origins)) if ((path === k || path.startsWith(`${k}.`)) && (!best || k.length > best.length)) best = k;
  return best ? origins[best] : undefined;
}

/** Splits a script line into words like a POSIX shell would (quotes, backslashes, comments), running nothing. */
export function words(line: string): string[] | null {
  const r = splitWords(line, { comments: true });
  return r.ok ? r.words : null;
}

/** Options of `docker run` that take a value (so their value is not mistaken for the image). */
const RUN_VALUE = new Set(['-e', '--env', '--env-file', '-v', '--volume', '-p', '--publish', '-h', '--hostname', '--restart', '-l', '--label',
  '--entrypoint', '-w', '--workdir', '-u', '--user', '--cpus', '-m', '--memory', '--name', '--net', '--network', '--ip', '--ip6', '--mac-address',
  '--dns', '--add-host', '--cap-add', '--cap-drop', '--device', '--log-driver', '--log-opt', '--mount', '--platform', '--pull', '--security-opt',
  '--shm-size', '--stop-signal', '--sysctl', '--tmpfs', '--ulimit', '--cidfile', '--network-alias', '--link', '--expose', '--health-cmd', '--runtime']);
const RUN_FLAGS = new Set(['-d', '--detach', '-i', '--interactive', '-t', '--tty', '-it', '-ti', '-dit', '-itd', '--rm', '--privileged', '--init', '-P', '--publish-all', '--read-only']);

function optValue(args: string[], i: number): [string, string | undefined, number] {
  const a = args[i];
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq > 0) return [a.slice(0, eq), a.slice(eq + 1), i];
  return [a, args[i + 1], i + 1];
}

export function importDockerLines(text: string, opts: { name?: string; hosts?: string[]; lan?: string; addresses?: Record<string, string> } = {}): ImportResult {
  const notes: ImportNote[] = [];
  // join continuations, keep the first line number
  const raw = text.split(/\r?\n/);
  const lines: { no: number; text: string }[] = [];
  for (let i = 0; i < raw.length; i++) {
    const no = i + 1;
    let t = raw[i];
    while (/\\\s*$/.test(t) && i + 1 < raw.length) t = t.replace(/\\\s*$/, ' ') + raw[++i];
    lines.push({ no, text: t.trim() });
  }
  const networks = new Map<string, ImportedNetwork>();
  const hosts: { name: string; nets: Set<string>; containers: Record<string, Record<string, unknown>> }[] = [];
  const hostNames = opts.hosts ?? [];
  const newHost = (name?: string) => {
    const n = name ?? hostNames[hosts.length] ?? `host${hosts.length + 1}`;
    hosts.push({ name: n, nets: new Set(), containers: {} });
    return hosts[hosts.length - 1];
  };
  let cur: (typeof hosts)[number] | null = null;
  const host = () => cur ?? (cur = newHost());
  const origins: Record<string, number> = {};
  const conflicts: ImportNote[] = [];

  for (const { no, text: t } of lines) {
    if (t === '') continue;
    const marker = /^#\s*(?:mvnet\s+)?host:\s*([a-z0-9][a-z0-9-]*)\s*$/i.exec(t);
    if (marker) { cur = hosts.find((h) => h.name === marker[1]) ?? newHost(marker[1]); continue; }
    if (t.startsWith('#')) continue;
    const w = words(t);
    if (!w) { notes.push({ line: no, text: t, problem: 'unbalanced quotes' }); continue; }
    const cmd = w[0] === 'sudo' ? w.slice(1) : w;
    if (cmd[0] !== 'docker') { notes.push({ line: no, text: t, problem: 'not a docker command' }); continue; }
    const sub = cmd.slice(1);
    if (sub[0] === 'exec' || (sub[0] === 'container' && sub[1] === 'exec')) continue;
    if (sub[0] === 'network' && sub[1] === 'create') {
      const args = sub.slice(2);
      const n: ImportedNetwork = { reserved: [], ranges: {} };
      let name: string | undefined, driver = 'bridge', range: string | undefined;
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        if (!a.startsWith('-')) { name = a; continue; }
        if (a === '--internal') { n.internal = true; notes.push({ line: no, text: t, problem: '--internal is not modelled by mvnet (the network is imported without it)' }); continue; }
        if (a === '--attachable' || a === '--ipv6') { notes.push({ line: no, text: t, problem: `${a} is not modelled by mvnet (ignored)` }); continue; }
        const [k, v, ni] = optValue(args, i);
        i = ni;
        if (v === undefined) { notes.push({ line: no, text: t, problem: `${k} has no value` }); continue; }
        if (k === '-d' || k === '--driver') driver = v;
        else if (k === '--subnet') n.subnet = v;
        else if (k === '--gateway') n.gateway = v;
        else if (k === '--ip-range') range = v;
        else if (k === '--aux-address') n.reserved.push(v.split('=').pop()!);
        else if (k === '-o' || k === '--opt') {
          const [ok, ov] = v.split('=');
          if (ok === 'parent') {
            const [p, vlan] = ov.split('.');
            n.parent = p;
            if (vlan) n.vlan = Number(vlan);
          } else if (ok === 'macvlan_mode') n.mode = ov;
          else notes.push({ line: no, text: t, problem: `option ${ok} is not modelled by mvnet (ignored)` });
        } else notes.push({ line: no, text: t, problem: `${k} is not modelled by mvnet (ignored)` });
      }
      if (driver !== 'macvlan') { notes.push({ line: no, text: t, problem: `driver ${driver}: mvnet manages macvlan networks only (line skipped)` }); continue; }
      if (!name) { notes.push({ line: no, text: t, problem: 'no network name' }); continue; }
      if (cur && cur.nets.has(name)) cur = newHost();
      const h = host();
      h.nets.add(name);
      origins[`networks.${name}`] ??= no;
      origins[`hosts.${h.name}.ranges.${name}`] = no;
      const prev = networks.get(name);
      if (prev) {
        for (const k of ['subnet', 'gateway', 'parent', 'mode'] as const) {
          if (n[k] !== undefined && prev[k] !== undefined && n[k] !== prev[k]) notes.push({ line: no, text: t, problem: `${k} ${n[k]} differs from ${prev[k]} on an earlier host; the first is kept` });
        }
        if (range) prev.ranges[h.name] = range;
      } else {
        if (range) n.ranges[h.name] = range;
        networks.set(name, n);
      }
      continue;
    }
    if (sub[0] === 'run' || (sub[0] === 'container' && sub[1] === 'run')) {
      const args = sub[0] === 'run' ? sub.slice(1) : sub.slice(2);
      const c: Record<string, unknown> = {};
      let name: string | undefined, net: string | undefined, ip: string | undefined, mac: string | undefined, image: string | undefined;
      let i = 0;
      for (; i < args.length; i++) {
        const a = args[i];
        if (!a.startsWith('-')) { image = a; break; }
        if (RUN_FLAGS.has(a) || /^-[dit]+$/.test(a)) continue;
        const [k, v, ni] = optValue(args, i);
        if (!RUN_VALUE.has(k) && !(a.startsWith('--') && a.includes('='))) { notes.push({ line: no, text: t, problem: `unknown option ${k} (ignored)` }); continue; }
        i = ni;
        if (k === '--name') name = v;
        else if (k === '--net' || k === '--network') net = v;
        else if (k === '--ip') ip = v;
        else if (k === '--mac-address') mac = v;
        else notes.push({ line: no, text: t, problem: `${k} is not modelled by mvnet (ignored)` });
      }
      const command = args.slice(i + 1);
      if (!image) { notes.push({ line: no, text: t, problem: 'no image' }); continue; }
      if (!net || !networks.has(net)) { notes.push({ line: no, text: t, problem: `not on a macvlan network created above (${net ?? 'no --net'}): skipped` }); continue; }
      if (!name) { notes.push({ line: no, text: t, problem: 'no --name: mvnet needs a name per container (skipped)' }); continue; }
      c.network = net;
      if (ip) c.ip = ip;
      const ipn = ip ? parseIp(ip) : null;
      if (mac && !(ipn !== null && macFromIp(ipn) === mac.toLowerCase())) c.mac = mac.toLowerCase();
      c.image = image;
      if (command.length) c.command = command;
      const key = `hosts.${host().name}.containers.${name}`;
      if (origins[key] !== undefined) {
        conflicts.push({ line: no, text: t, problem: `a second container named ${name} on host ${host().name} (the first is on line ${origins[key]}); Docker would refuse it, and keeping either would lose the other's address` });
        continue;
      }
      origins[key] = no;
      host().containers[name] = c;
      continue;
    }
    notes.push({ line: no, text: t, problem: `docker ${sub[0]} is not something mvnet imports` });
  }
  // the LAN and host addresses: given, or placeholders to fill in
  const lanText = opts.lan ?? '192.168.140.0/24';
  const lan = parseCidr(lanText);
  const docHosts: Record<string, unknown> = {};
  hosts.forEach((h, i) => {
    let address = opts.addresses?.[h.name];
    if (!address && lan.ok) address = [(lan.cidr.base >>> 24), (lan.cidr.base >>> 16) & 255, (lan.cidr.base >>> 8) & 255, 200 + i].join('.');
    const ranges = Object.fromEntries([...networks].filter(([, n]) => n.ranges[h.name]).map(([k, n]) => [k, n.ranges[h.name]]));
    docHosts[h.name] = { address, ...(Object.keys(ranges).length ? { ranges } : {}), containers: h.containers };
  });
  const docNets: Record<string, unknown> = {};
  for (const [k, n] of networks) {
    docNets[k] = {
      subnet: n.subnet, ...(n.gateway ? { gateway: n.gateway } : {}), parent: n.parent ?? 'eth0',
      ...(n.mode && n.mode !== 'bridge' ? { mode: n.mode } : {}), ...(n.vlan ? { vlan: n.vlan } : {}),
      ...(n.reserved.length ? { reserved: n.reserved } : {}),
    };
    if (!n.parent) notes.push({ line: 0, text: k, problem: `network ${k} has no -o parent=: eth0 assumed` });
  }
  return { doc: { name: opts.name ?? 'imported', lan: lanText, networks: docNets, hosts: docHosts }, notes, origins, conflicts };
}
