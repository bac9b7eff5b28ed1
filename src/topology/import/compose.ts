/**
 * A docker-compose file -> what import collects: macvlan networks defined inline (`driver_opts.parent`,
 * `ipam.config` subnet/gateway/ip_range/aux_addresses, IPv6 as a second config) or `external` (defined in another
 * file of the import), and services with `container_name`, `ipv4_address`, `ipv6_address`, `mac_address`,
 * `image`, `command`. Ports, volumes, environment and the rest are not part of the network: summarised in one
 * note. `${VAR}` is interpolated from --var and the scripts' variables. Pure.
 */
import { isMap, LineCounter, parseDocument } from 'yaml';
import { splitWords } from '../words.ts';
import { hostIn, type Collect, type HostIn, type NetDef, type Where } from './model.ts';
import { expand, missingVar, type Vars } from './script.ts';

/** Does this text look like a compose file (rather than a script)? */
export function isCompose(text: string): boolean {
  return /^\s*services\s*:/m.test(text) && !/^\s*(?:sudo\s+)?docker\s+(run|network)\b/m.test(text);
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;

export function readCompose(raw: string, file: string, c: Collect, opts: { vars: Vars; host: string }): void {
  const x = expand(raw.replace(/\$\$/g, '\u0000'), opts.vars);
  const lc = new LineCounter();
  const doc = parseDocument(x.text.replace(/\u0000/g, '$'), { lineCounter: lc });
  const at = (path: (string | number)[]): Where => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const pos = node?.range ? lc.linePos(node.range[0]).line : 1;
    return { file, line: pos };
  };
  if (x.missing.length) {
    for (const m of x.missing)
      c.errors.push(
        missingVar(
          { file, line: 1 + raw.slice(0, raw.search(new RegExp(`\\$\\{?${m}\\b`))).split('\n').length - 1 },
          `\${${m}}`,
          m,
          opts.vars,
        ),
      );
    return;
  }
  if (doc.errors.length) {
    const e = doc.errors[0];
    c.errors.push({
      where: { file, line: e.linePos?.[0].line ?? 1 },
      text: '',
      rank: 0,
      problem: `not valid YAML: ${e.message.split('\n')[0]}`,
    });
    return;
  }
  const root = obj(doc.toJS());
  const h = hostIn(c, opts.host);
  const netKeys = readNetworks(root, at, c, h);
  const ignored = readServices(root, at, c, h, netKeys);
  if (ignored.size) {
    c.notes.push({
      where: { file, line: 1 },
      text: '',
      rank: 2,
      flag: 'compose',
      problem:
        'not part of the network, left out: ' + [...ignored].map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', '),
    });
  }
  if (!isMap(doc.contents))
    c.errors.push({
      where: { file, line: 1 },
      text: '',
      rank: 0,
      problem: 'not a compose file (no top-level mapping)',
    });
}

type At = (path: (string | number)[]) => Where;

/** The compose file's networks: macvlan ones defined, external ones noted; returns compose key -> network name. */
function readNetworks(root: Obj, at: At, c: Collect, h: HostIn): Map<string, string> {
  const netKeys = new Map<string, string>(); // compose key -> network name
  for (const [key, v] of Object.entries(obj(root.networks))) {
    const n = obj(v);
    const name = str(n.name) ?? key;
    netKeys.set(key, name);
    const where = at(['networks', key]);
    if (n.external === true || obj(n.external).name) {
      const ext = str(obj(n.external).name) ?? name;
      netKeys.set(key, ext);
      if (!c.networks.has(ext)) c.networks.set(ext, { name: ext, reserved: [], where, external: true });
      continue;
    }
    if (str(n.driver) !== 'macvlan') {
      c.notes.push({
        where,
        text: `networks.${key}`,
        rank: 0,
        problem: `driver ${str(n.driver) ?? 'bridge'}: mvnet manages macvlan networks only (left out)`,
      });
      continue;
    }
    const def: NetDef = { name, reserved: [], where };
    const opt = obj(n.driver_opts);
    const parent = str(opt.parent);
    if (parent) {
      const [p, vlan] = parent.split('.');
      def.parent = p;
      if (vlan) def.vlan = Number(vlan);
    }
    if (str(opt.macvlan_mode)) def.mode = str(opt.macvlan_mode);
    const configs = Array.isArray(obj(n.ipam).config) ? (obj(n.ipam).config as unknown[]) : [];
    let range: string | undefined;
    for (const cf of configs.map(obj)) {
      const subnet = str(cf.subnet);
      if (subnet?.includes(':')) {
        def.subnet6 = subnet;
        if (str(cf.gateway)) def.gateway6 = str(cf.gateway);
        continue;
      }
      if (subnet) def.subnet = subnet;
      if (str(cf.gateway)) def.gateway = str(cf.gateway);
      if (str(cf.ip_range)) range = str(cf.ip_range);
      for (const a of Object.values(obj(cf.aux_addresses))) if (str(a)) def.reserved.push(str(a)!);
    }
    const prev = c.networks.get(name);
    if (!prev || prev.external || prev.commented) c.networks.set(name, def);
    h.nets.set(name, { ...(range ? { range } : {}), where });
  }
  return netKeys;
}

/** The services on a macvlan network of the import; returns how often each key that is not the network appeared. */
function readServices(root: Obj, at: At, c: Collect, h: HostIn, netKeys: Map<string, string>): Map<string, number> {
  const ignored = new Map<string, number>();
  for (const [key, v] of Object.entries(obj(root.services))) {
    const s = obj(v);
    const where = at(['services', key]);
    const name = str(s.container_name) ?? key;
    for (const k of Object.keys(s)) {
      if (
        ![
          'container_name',
          'image',
          'command',
          'networks',
          'mac_address',
          'network_mode',
          'hostname',
          'build',
        ].includes(k)
      ) {
        ignored.set(k, (ignored.get(k) ?? 0) + 1);
      }
    }
    const mode = str(s.network_mode);
    if (mode?.startsWith('service:') || mode?.startsWith('container:')) {
      c.notes.push({
        where,
        text: `services.${key}`,
        rank: 1,
        problem:
          `network_mode ${mode}: ${name} shares another container's ` +
          'network and address; mvnet models one container per address (left out; the other one is imported)',
      });
      continue;
    }
    const nets = Array.isArray(s.networks)
      ? Object.fromEntries((s.networks as unknown[]).map((x) => [String(x), {}]))
      : obj(s.networks);
    const macvlan = Object.entries(nets).filter(([k]) => c.networks.has(netKeys.get(k) ?? k));
    if (macvlan.length === 0) {
      c.notes.push({
        where,
        text: `services.${key}`,
        rank: 1,
        problem: `${name} is on no macvlan network of this import (left out)`,
      });
      continue;
    }
    if (macvlan.length > 1) {
      c.errors.push({
        where,
        text: `services.${key}`,
        rank: 0,
        problem:
          `${name} is on two macvlan networks (${macvlan.map(([k]) => k).join(', ')}); ` +
          'mvnet gives a container one network: split it into two services',
      });
      continue;
    }
    const [nk, nv] = macvlan[0];
    const ep = obj(nv);
    const cmd = Array.isArray(s.command) ? (s.command as unknown[]).map(String) : str(s.command);
    const words = typeof cmd === 'string' ? splitWords(cmd) : null;
    const command = Array.isArray(cmd) ? cmd : words?.ok ? words.words : undefined;
    const prev = h.containers.get(name);
    if (prev)
      c.notes.push({
        where,
        text: `services.${key}`,
        rank: 1,
        problem: `${name} also comes from ${prev.where.file}:${prev.where.line}; this one replaces it`,
      });
    h.containers.set(name, {
      name,
      network: netKeys.get(nk) ?? nk,
      where,
      ...(str(ep.ipv4_address) ? { ip: str(ep.ipv4_address) } : {}),
      ...(str(ep.ipv6_address) ? { ip6: str(ep.ipv6_address) } : {}),
      ...(str(s.mac_address) ? { mac: str(s.mac_address)!.toLowerCase() } : {}),
      ...(str(s.image) ? { image: str(s.image) } : {}),
      ...(command?.length ? { command } : {}),
    });
  }
  return ignored;
}
