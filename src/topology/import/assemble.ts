/**
 * What import collected -> a topology document. Subnets written with host bits become their network (noted);
 * IPv6 is carried as `subnet6` where it mirrors IPv4 (mvnet's dual stack), noted where an address differs;
 * per-host ranges are the author's, or derived: the block that holds a host's addresses, or — where hosts'
 * addresses interleave, or one --ip-range is shared by every host — a small free block for automatic addresses
 * while every written address stays with its container. The LAN is --lan, else the subnet holding the given host
 * addresses, else a macvlan subnet that is plainly the LAN (a /22 or smaller with a gateway), else a placeholder,
 * said so. Pure.
 */
import {
  broadcastOf,
  contains,
  formatCidr,
  formatIp,
  lastIp,
  maskOf,
  overlaps,
  parseCidr,
  parseIp,
  subBlock,
  type Cidr,
  type Ip,
} from '../../net/ipv4.ts';
import { formatIp6, parseIp6 } from '../../net/ipv6.ts';
import { macFromIp } from '../../net/mac.ts';
import type { Collect, Note, Where } from './model.ts';

export interface Assembled {
  doc: Record<string, unknown>;
  /** field path -> the file and line it came from */
  origins: Record<string, Where>;
}

const PLACEHOLDER = /#|<|>|x\.x|\bX{1,3}\b|\.\.\.|YOUR|CHANGE/i;

/** A subnet as written: its network (host bits dropped, noted), or an error for a placeholder or garbage. */
function subnetOf(text: string, where: Where, c: Collect): Cidr | null {
  if (PLACEHOLDER.test(text)) {
    c.errors.push({
      where,
      text,
      rank: 0,
      problem: `${text} is a placeholder, not a subnet: write it in the file (or set a variable and give --var)`,
    });
    return null;
  }
  const p = parseCidr(text);
  if (p.ok) return p.cidr;
  const [a, b] = text.split('/');
  const ip = parseIp(a ?? '');
  const prefix = Number(b);
  if (ip !== null && Number.isInteger(prefix) && prefix >= 0 && prefix <= 32) {
    const cidr = { base: (ip & maskOf(prefix)) >>> 0, prefix };
    c.notes.push({ where, text, rank: 0, problem: `${text} has host bits: read as the network ${formatCidr(cidr)}` });
    return cidr;
  }
  c.errors.push({ where, text, rank: 0, problem: `"${text}" is not an IPv4 subnet` });
  return null;
}

function addressOf(text: string, where: Where, c: Collect, what: string): Ip | null {
  const ip = parseIp(text);
  if (ip !== null) return ip;
  c.errors.push({
    where,
    text,
    rank: 0,
    problem: PLACEHOLDER.test(text)
      ? `${what} ${text} is a placeholder: write the address (or set a variable and give --var)`
      : `${what} "${text}" is not an IPv4 address`,
  });
  return null;
}

/** The smallest aligned block holding every address given. */
function blockOf(ips: Ip[], within: Cidr): Cidr {
  const lo = Math.min(...ips),
    hi = Math.max(...ips);
  for (let prefix = 32; prefix > within.prefix; prefix--) {
    const base = (lo & maskOf(prefix)) >>> 0;
    if (contains({ base, prefix }, hi)) return { base, prefix };
  }
  return within;
}

interface RangePlan {
  ranges: Map<string, Cidr>;
  notes: string[];
}

/**
 * Ranges of one network: the author's where they are the host's own; derived where needed (see the module's text).
 * `own`: host -> its containers' written addresses; `given`: host -> --ip-range.
 */
function planRanges(
  subnet: Cidr,
  hosts: string[],
  own: Map<string, Ip[]>,
  given: Map<string, Cidr>,
  taken: Set<Ip>,
): RangePlan {
  const notes: string[] = [];
  const ranges = new Map<string, Cidr>();
  const shared = [...given].filter(([h, r]) => [...given].some(([o, x]) => o !== h && overlaps(r, x)));
  for (const [h, r] of given) if (!shared.some(([x]) => x === h)) ranges.set(h, r);
  if (shared.length) {
    notes.push(
      `--ip-range ${[...new Set(shared.map(([, r]) => formatCidr(r)))].join(', ')} is shared by hosts ` +
        `${shared.map(([h]) => h).join(', ')}; mvnet gives each host its own part`,
    );
  }
  const others = (h: string) => [...own].filter(([o]) => o !== h).flatMap(([, ips]) => ips);
  const free = (b: Cidr, h: string) =>
    !others(h).some((ip) => contains(b, ip)) && ![...ranges].some(([o, r]) => o !== h && overlaps(r, b));
  const need = hosts.filter((h) => !ranges.has(h));
  let explicit = ranges.size > 0;
  const interleaved: string[] = [];
  for (const h of need) {
    const ips = own.get(h) ?? [];
    if (ips.length === 0) continue;
    // at least a /28: room for the host's automatic addresses beside the written ones
    let b = blockOf(ips, subnet);
    if (b.prefix > 28 && subnet.prefix < 28) b = { base: (b.base & maskOf(28)) >>> 0, prefix: 28 };
    if (b.prefix > subnet.prefix && free(b, h)) {
      ranges.set(h, b);
      continue;
    }
    interleaved.push(h);
  }
  // a small free block for the automatic addresses of hosts whose written addresses interleave (or share a range)
  const pool = shared.length ? shared[0][1] : subnet;
  const size = Math.min(
    30,
    Math.max(pool.prefix + Math.ceil(Math.log2(Math.max(2, need.length + 1))), subnet.prefix + 1, 28),
  );
  const search = (within: Cidr, prefix: number): Cidr | undefined => {
    for (let i = 2 ** (prefix - within.prefix) - 1; i >= 0; i--) {
      const b = subBlock(within, prefix, i);
      if (b.base === subnet.base || lastIp(b) === broadcastOf(subnet)) continue;
      if ([...taken].some((ip) => contains(b, ip)) || [...ranges.values()].some((r) => overlaps(r, b))) continue;
      return b;
    }
    return undefined;
  };
  for (const h of [
    ...interleaved,
    ...need.filter((x) => !ranges.has(x) && !interleaved.includes(x) && shared.some(([s]) => s === x)),
  ]) {
    // inside the shared range first, then anywhere free in the subnet
    const found = search(pool, size) ?? search(subnet, Math.max(28, subnet.prefix + 1));
    if (!found) continue;
    ranges.set(h, found);
    explicit = true;
  }
  if (interleaved.length) {
    notes.push(
      `the written addresses of hosts ${interleaved.join(', ')} interleave with other hosts': ` +
        'each container keeps its address; automatic ones come from ' +
        interleaved.map((h) => `${h} ${ranges.get(h) ? formatCidr(ranges.get(h)!) : 'none'}`).join(', '),
    );
  }
  // ranges are written only where something needed one; otherwise mvnet derives the same blocks itself
  return { ranges: explicit || interleaved.length ? ranges : new Map(), notes };
}

/**
 * One network under two names (a script's and a compose file's, each host its own): the same subnet on the same
 * parent and VLAN is one network on the LAN, imported under its first name.
 */
function mergeSameNetworks(c: Collect): void {
  const list = [...c.networks.values()].filter((n) => !n.external && n.subnet);
  for (const n of list) {
    const first = list.find(
      (x) => x !== n && x.subnet === n.subnet && x.parent === n.parent && x.vlan === n.vlan && c.networks.has(x.name),
    );
    if (!first || list.indexOf(first) > list.indexOf(n) || !c.networks.has(n.name)) continue;
    c.networks.delete(n.name);
    c.notes.push({
      where: n.where,
      text: '',
      rank: 0,
      problem:
        `network ${n.name} is ${first.name} (the same subnet ${n.subnet} on ` +
        `${n.parent ?? 'the same parent'}): imported as ${first.name}`,
    });
    for (const h of c.hosts) {
      const own = h.nets.get(n.name);
      if (own) {
        h.nets.delete(n.name);
        if (!h.nets.has(first.name)) h.nets.set(first.name, own);
      }
      for (const ct of h.containers.values()) if (ct.network === n.name) ct.network = first.name;
    }
  }
}

export function assemble(c: Collect, opts: { name?: string; lan?: string }): Assembled {
  mergeSameNetworks(c);
  const origins: Record<string, Where> = {};
  const note = (where: Where, text: string, problem: string, rank: Note['rank'] = 0) =>
    c.notes.push({ where, text, problem, rank });
  const { nets, subnets } = assembleNetworks(c, note, origins);
  const { hosts, written, taken } = assembleContainers(c, nets, subnets, note, origins);
  assembleRanges(c, subnets, hosts, written, taken, note, origins);
  const lan = lanOf(c, opts.lan, subnets, nets, taken);
  c.hosts.forEach((h, i) => {
    hosts[h.name] = { address: h.address ?? lan.addresses[i], ...hosts[h.name] };
  });
  const doc: Record<string, unknown> = { name: opts.name ?? 'imported', lan: lan.cidr, networks: nets, hosts };
  if (c.services.length) {
    doc.engine = 'swarm';
    doc.manager = c.hosts[0]?.name;
    doc.services = Object.fromEntries(
      c.services.map((s) => [
        s.name,
        {
          network: s.network,
          replicas: s.replicas,
          ...(s.image ? { image: s.image } : {}),
          ...(s.command ? { command: s.command } : {}),
        },
      ]),
    );
    for (const s of c.services) origins[`services.${s.name}`] = s.where;
  }
  return { doc, origins };
}

type NoteFn = (where: Where, text: string, problem: string, rank?: Note['rank']) => void;
type Nets = Record<string, Record<string, unknown>>;

/** The networks as the topology writes them, with their subnets read. */
function assembleNetworks(
  c: Collect,
  note: NoteFn,
  origins: Record<string, Where>,
): { nets: Nets; subnets: Map<string, Cidr> } {
  const nets: Record<string, Record<string, unknown>> = {};
  const subnets = new Map<string, Cidr>();
  for (const n of c.networks.values()) {
    if (n.external) {
      c.errors.push({
        where: n.where,
        text: n.name,
        rank: 0,
        problem:
          `network ${n.name} is external and no file of this import ` +
          'creates it: add the script or compose file that does (HOST=FILE), or define it in this file',
      });
      continue;
    }
    if (n.commented)
      note(n.where, n.name, `network ${n.name} is taken from this commented-out line (the lines below use it)`);
    if (!n.subnet) {
      c.errors.push({
        where: n.where,
        text: n.name,
        rank: 0,
        problem: `network ${n.name} has no --subnet: mvnet plans the addresses and needs it`,
      });
      continue;
    }
    const s = subnetOf(n.subnet, n.where, c);
    if (!s) continue;
    subnets.set(n.name, s);
    origins[`networks.${n.name}`] = n.where;
    const d: Record<string, unknown> = { subnet: formatCidr(s) };
    if (n.gateway) {
      if (addressOf(n.gateway, n.where, c, 'gateway') !== null) d.gateway = n.gateway;
    }
    if (!n.parent) note(n.where, n.name, `network ${n.name} has no parent: eth0 assumed`);
    d.parent = n.parent ?? 'eth0';
    if (n.mode && n.mode !== 'bridge') d.mode = n.mode;
    if (n.vlan) d.vlan = n.vlan;
    if (n.reserved.length) d.reserved = n.reserved;
    if (n.subnet6) {
      const six = dualStack(n.subnet6, n.gateway6, s, n.gateway ? (parseIp(n.gateway) ?? undefined) : undefined);
      if (typeof six === 'string') note(n.where, n.subnet6, six);
      else Object.assign(d, six);
    }
    nets[n.name] = d;
  }
  return { nets, subnets };
}

/** Each host's containers; the written addresses per network and host, and every address taken. */
function assembleContainers(
  c: Collect,
  nets: Nets,
  subnets: Map<string, Cidr>,
  note: NoteFn,
  origins: Record<string, Where>,
) {
  const hosts: Record<string, Record<string, unknown>> = {};
  const written = new Map<string, Map<string, Ip[]>>(); // network -> host -> addresses
  const taken = new Set<Ip>();
  for (const h of c.hosts) {
    const containers: Record<string, Record<string, unknown>> = {};
    for (const ct of h.containers.values()) {
      if (!ct.network || !nets[ct.network]) {
        note(
          ct.where,
          ct.name,
          `${ct.name} is not on a macvlan network of this import (${ct.network ?? 'no --network'}): left out`,
          1,
        );
        continue;
      }
      const x: Record<string, unknown> = { network: ct.network };
      const ip = ct.ip !== undefined ? addressOf(ct.ip, ct.where, c, 'address') : null;
      if (ip !== null) {
        x.ip = ct.ip;
        taken.add(ip);
        const m = written.get(ct.network) ?? new Map<string, Ip[]>();
        m.set(h.name, [...(m.get(h.name) ?? []), ip]);
        written.set(ct.network, m);
      }
      if (ct.mac && !(ip !== null && macFromIp(ip) === ct.mac)) x.mac = ct.mac;
      if (ct.ip6 && ip !== null) {
        const want = mirrorOf(nets[ct.network], subnets.get(ct.network)!, ip);
        if (want !== ct.ip6 && parseIp6(ct.ip6) !== parseIp6(want ?? '')) {
          note(
            ct.where,
            ct.name,
            want
              ? `IPv6 ${ct.ip6} of ${ct.name}: mvnet mirrors IPv4 into IPv6, so it gets ${want}`
              : `IPv6 ${ct.ip6} of ${ct.name} is left out (its network carries no IPv6 mvnet can mirror)`,
            1,
          );
        }
      }
      if (ct.image) x.image = ct.image;
      if (ct.command) x.command = ct.command;
      containers[ct.name] = x;
      origins[`hosts.${h.name}.containers.${ct.name}`] = ct.where;
    }
    hosts[h.name] = { containers };
  }
  for (const n of Object.values(nets)) {
    if (n.gateway) taken.add(parseIp(String(n.gateway))!);
    for (const r of (n.reserved as string[] | undefined) ?? []) {
      const ip = parseIp(r);
      if (ip !== null) taken.add(ip);
    }
  }
  return { hosts, written, taken };
}

/** Per-host ranges where the author gave them or where they are needed (see planRanges). */
function assembleRanges(
  c: Collect,
  subnets: Map<string, Cidr>,
  hosts: Nets,
  written: Map<string, Map<string, Ip[]>>,
  taken: Set<Ip>,
  note: NoteFn,
  origins: Record<string, Where>,
): void {
  // ranges, per network
  for (const [name, subnet] of subnets) {
    const given = new Map<string, Cidr>();
    for (const h of c.hosts) {
      const r = h.nets.get(name)?.range;
      if (!r) continue;
      const cidr = subnetOf(r, h.nets.get(name)!.where, c);
      if (cidr) {
        given.set(h.name, cidr);
        origins[`hosts.${h.name}.ranges.${name}`] = h.nets.get(name)!.where;
      }
    }
    const rp = planRanges(
      subnet,
      c.hosts.map((h) => h.name),
      written.get(name) ?? new Map(),
      given,
      taken,
    );
    for (const t of rp.notes) note(c.networks.get(name)!.where, name, t);
    for (const [h, r] of rp.ranges) {
      hosts[h].ranges = { ...((hosts[h].ranges as object) ?? {}), [name]: formatCidr(r) };
      origins[`hosts.${h}.ranges.${name}`] ??= c.networks.get(name)!.where;
    }
  }
}

/** IPv6 beside IPv4 as mvnet keeps it (mirrored), or why not. */
function dualStack(
  subnet6: string,
  gateway6: string | undefined,
  v4: Cidr,
  gw4: Ip | undefined,
): Record<string, string> | string {
  const [a, b] = subnet6.split('/');
  const ip = parseIp6(a ?? '');
  const prefix = Number(b);
  if (ip === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 128)
    return `"${subnet6}" is not an IPv6 subnet (IPv6 left out)`;
  if (128 - prefix < 32 - v4.prefix)
    return `IPv6 ${subnet6} is smaller than the IPv4 subnet: mvnet mirrors IPv4 into IPv6 (IPv6 left out)`;
  const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  const base = ip & mask;
  const out: Record<string, string> = { subnet6: `${formatIp6(base)}/${prefix}` };
  const g = gateway6 ? parseIp6(gateway6) : null;
  const mirror = gw4 !== undefined ? base + BigInt(gw4 - v4.base) : base + 1n;
  if (g !== null && g !== mirror) {
    if (g - base >= BigInt(2 ** (32 - v4.prefix))) out.gateway6 = formatIp6(g);
  }
  return out;
}

function mirrorOf(net: Record<string, unknown>, v4: Cidr, ip: Ip): string | undefined {
  const s6 = net.subnet6 ? String(net.subnet6).split('/')[0] : undefined;
  const base = s6 ? parseIp6(s6) : null;
  return base === null || base === undefined ? undefined : formatIp6(base + BigInt(ip - v4.base));
}

/** The LAN and the hosts' addresses on it (given, or guessed and said so). */
function lanOf(
  c: Collect,
  given: string | undefined,
  subnets: Map<string, Cidr>,
  nets: Record<string, Record<string, unknown>>,
  taken: Set<Ip>,
): { cidr: string; addresses: string[] } {
  const where = c.hosts[0]?.containers.values().next().value?.where ??
    c.networks.values().next().value?.where ?? { file: '-', line: 0 };
  const addrs = c.hosts.map((h) => (h.address ? parseIp(h.address) : null));
  let lan: Cidr | undefined = given
    ? parseCidr(given).ok
      ? (parseCidr(given) as { cidr: Cidr }).cidr
      : undefined
    : undefined;
  if (!lan && addrs.length && addrs.every((a) => a !== null))
    lan = [...subnets.values()].find((s) => addrs.every((a) => contains(s, a!)));
  if (!lan) {
    const home = [...subnets].find(([n, s]) => s.prefix >= 22 && nets[n].gateway !== undefined);
    if (home) {
      lan = home[1];
      c.notes.push({
        where,
        text: '',
        rank: 0,
        problem:
          `the LAN is taken to be ${home[0]}'s subnet ${formatCidr(home[1])} (its gateway ` +
          `${String(nets[home[0]].gateway)} looks like the LAN's router): give --lan if the hosts are elsewhere`,
      });
    }
  }
  if (!lan) {
    lan = parseCidr('192.168.140.0/24').ok ? { base: parseIp('192.168.140.0')!, prefix: 24 } : undefined;
    if (c.hosts.some((h) => !h.address)) {
      c.notes.push({
        where,
        text: '',
        rank: 0,
        problem:
          "the LAN and the hosts' addresses are placeholders (192.168.140.0/24): give " + '--lan and HOST:ADDRESS=FILE',
      });
    }
  }
  const used = new Set([...taken, ...addrs.filter((a): a is Ip => a !== null)]);
  // on a placeholder LAN the seed's own host numbers (.200, .201, ...); on a real one, from the top down
  const placeholder = !given && c.notes.some((n) => n.problem.startsWith('the LAN and'));
  let next = placeholder ? (lan!.base + 200) >>> 0 : (broadcastOf(lan!) - 1) >>> 0;
  const guessed: string[] = [];
  const out = c.hosts.map((h) => {
    if (h.address) return h.address;
    while (used.has(next) && next > lan!.base) next = placeholder ? next + 1 : next - 1;
    used.add(next);
    guessed.push(`${h.name} ${formatIp(next)}`);
    return formatIp(next);
  });
  if (guessed.length && given === undefined && c.notes.every((n) => !n.problem.startsWith('the LAN and'))) {
    c.notes.push({
      where,
      text: '',
      rank: 0,
      problem: `host addresses guessed (${guessed.join(', ')}): give HOST:ADDRESS=FILE`,
    });
  }
  return { cidr: formatCidr(lan!), addresses: out };
}
