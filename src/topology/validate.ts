/** Value rules of a topology file. Collects every problem with its field path. Pure. */
import type { Issue } from '../errors.ts';
import {
  broadcastOf,
  contains,
  cidrWithin,
  formatCidr,
  overlaps,
  parseCidr,
  parseIp,
  formatIp,
  type Cidr,
  type Ip,
  specialBlockOf,
} from '../net/ipv4.ts';
import { macProblem, parseMac } from '../net/mac.ts';
import {
  contains6,
  formatCidr6,
  formatIp6,
  overlaps6,
  parseCidr6,
  parseIp6,
  type Cidr6,
  type Ip6,
  specialBlockOf6,
} from '../net/ipv6.ts';
import { splitWords } from './words.ts';
import { normalEndpoint } from './endpoint.ts';
import { dockerNameProblem, interfaceNameProblem, simpleNameProblem } from '../net/names.ts';
import type { RawTopology } from './schema.ts';
import {
  MODES,
  type ContainerSpec,
  type DeviceSpec,
  type ServiceSpec,
  type HostSpec,
  type MacvlanMode,
  type NetworkSpec,
  type Topology,
} from './types.ts';

export const LIMITS = { hosts: 1000, containers: 100_000, networks: 64 };
const ENDPOINT = /^(unix|tcp|ssh):\/\/./;

/** Why a routed network takes no such field. */
const ROUTED_HAS = {
  gateway: "each host's own address on its segment is its containers' gateway",
  parent: "it uses no parent: the host's LAN interface carries the routes",
  mode: "modes are macvlan's",
  vlan: 'it has no VLAN sub-interface',
  hostAccess: 'containers reach their own host anyway',
};

type Bad = (path: string, message: string, hint?: string) => void;
type RawNetwork = RawTopology['networks'][string];

/** What every section of validation reads: the raw file, where problems go, the LAN, the names. */
interface V {
  raw: RawTopology;
  bad: Bad;
  lan: Cidr;
  lanOk: boolean;
  lanText: string;
  netNames: string[];
  hostNames: string[];
}

function checkPrefix(bad: Bad, n: RawNetwork, p: string, subnet: Cidr | null): void {
  if (n.hostPrefix === undefined || !subnet) return;
  if (!Number.isInteger(n.hostPrefix) || n.hostPrefix <= subnet.prefix || n.hostPrefix > 30) {
    bad(
      `${p}.hostPrefix`,
      `must be a whole number between ${subnet.prefix + 1} and 30 (the size of each host's range inside ${n.subnet})`,
    );
  }
}
/** subnet6 and gateway6: IPv6 addresses mirror IPv4 offsets, so the IPv6 subnet needs as many host bits. */
function dualStack(
  bad: Bad,
  n: RawNetwork,
  p: string,
  subnet: Cidr | null,
  gateway: Ip,
): { subnet6?: Cidr6; gateway6?: Ip6 } {
  if (n.subnet6 === undefined) {
    if (n.gateway6 !== undefined)
      bad(`${p}.gateway6`, 'an IPv6 gateway without subnet6', 'add subnet6 (e.g. fd00:100::/64)');
    return {};
  }
  const c = parseCidr6(n.subnet6);
  if (!c.ok) {
    bad(`${p}.subnet6`, c.error);
    return {};
  }
  const special = specialBlockOf6(c.cidr);
  if (special) {
    bad(
      `${p}.subnet6`,
      `${n.subnet6} overlaps ${special}, which no container network may use`,
      'use e.g. fd00:100::/64',
    );
    return {};
  }
  if (subnet && 128 - c.cidr.prefix < 32 - subnet.prefix) {
    bad(
      `${p}.subnet6`,
      `${n.subnet6} has fewer addresses than ${n.subnet}: each IPv6 address mirrors an IPv4 one`,
      `use a /${96 + subnet.prefix} or larger, e.g. /64`,
    );
    return {};
  }
  const mirror = subnet ? c.cidr.base + BigInt(gateway - subnet.base) : c.cidr.base + 1n;
  if (n.gateway6 === undefined) return { subnet6: c.cidr, gateway6: mirror };
  const g = parseIp6(n.gateway6);
  if (g === null) bad(`${p}.gateway6`, `"${n.gateway6}" is not an IPv6 address`);
  else if (!contains6(c.cidr, g)) bad(`${p}.gateway6`, `${n.gateway6} is outside subnet6 ${n.subnet6}`);
  else if (subnet && g - c.cidr.base < BigInt(2 ** (32 - subnet.prefix)) && g !== mirror) {
    bad(
      `${p}.gateway6`,
      `${n.gateway6} mirrors an IPv4 address a container may get`,
      `leave gateway6 out (it mirrors the IPv4 gateway: ${formatIp6(mirror)}) or pick one beyond the mirrored part`,
    );
  } else return { subnet6: c.cidr, gateway6: g };
  return {};
}
function reservedOf(bad: Bad, n: RawNetwork, p: string, subnet: Cidr | null): Ip[] {
  const reserved: Ip[] = [];
  (n.reserved ?? []).forEach((r, i) => {
    const ip = parseIp(r);
    if (ip === null) bad(`${p}.reserved.${i}`, `"${r}" is not an IPv4 address`);
    else if (subnet && !contains(subnet, ip)) bad(`${p}.reserved.${i}`, `${r} is outside the subnet ${n.subnet}`);
    else reserved.push(ip);
  });
  return reserved;
}

export function validate(raw: RawTopology, file: string): { topology: Topology; issues: Issue[] } {
  const issues: Issue[] = [];
  const bad: Bad = (path, message, hint) => issues.push({ path, message, hint });
  const nameProblem = simpleNameProblem(raw.name, 'the topology name');
  if (nameProblem) bad('name', nameProblem);

  const lanText = typeof raw.lan === 'string' ? raw.lan : raw.lan.subnet;
  const lanPath = typeof raw.lan === 'string' ? 'lan' : 'lan.subnet';
  const lanParse = parseCidr(lanText);
  if (!lanParse.ok) bad(lanPath, lanParse.error);
  const lan: Cidr = lanParse.ok ? lanParse.cidr : { base: 0, prefix: 0 };
  if (lanParse.ok && lan.prefix > 30) bad(lanPath, `${lanText} is too small for a LAN of hosts (use /30 or larger)`);

  const netNames = Object.keys(raw.networks);
  const hostNames = Object.keys(raw.hosts);
  if (hostNames.length > LIMITS.hosts) bad('hosts', `${hostNames.length} hosts; mvnet handles at most ${LIMITS.hosts}`);
  if (netNames.length > LIMITS.networks)
    bad('networks', `${netNames.length} networks; mvnet handles at most ${LIMITS.networks}`);
  const totalContainers = hostNames.reduce((n, h) => n + Object.keys(raw.hosts[h].containers ?? {}).length, 0);
  if (totalContainers > LIMITS.containers)
    bad('hosts', `${totalContainers} containers; mvnet handles at most ${LIMITS.containers}`);
  if (issues.some((i) => i.path === 'hosts' || i.path === 'networks'))
    return { topology: empty(file, raw.name, lan), issues };
  const v: V = { raw, bad, lan, lanOk: lanParse.ok, lanText, netNames, hostNames };
  const networks = networksOf(v);
  const { hosts, hostAddr, ipOwner } = hostsOf(v, networks);
  uniqueMacs(bad, hosts);
  passthruAlone(bad, hosts, networks);
  const devices = devicesOf(v, hostAddr, ipOwner);
  containerClashes(bad, hosts, devices);
  const { engine, manager, services } = swarmOf(v, networks, hosts);
  const lock = raw.lock ?? 'engine';
  if (lock !== 'engine' && !/^etcd:\/\/[a-zA-Z0-9.-]+:\d{1,5}$/.test(lock))
    bad(
      'lock',
      `"${lock}" is not a lock mvnet knows`,
      'use engine (the default: a lock object on the first host) or etcd://HOST:PORT',
    );
  const hairpin = typeof raw.lan === 'object' ? (raw.lan.hairpin ?? false) : false;
  const lanSwitch = typeof raw.lan === 'object' ? (raw.lan.switch ?? 'learning') : 'learning';
  return {
    topology: {
      file,
      name: raw.name,
      lan,
      hairpin,
      lanSwitch,
      networks,
      hosts,
      devices,
      engine,
      manager,
      services,
      lock,
    },
    issues,
  };
}

/** The networks: subnets, gateways, parents, modes, VLANs, ranges' sizes, reserved addresses, IPv6. */
function networksOf(v: V): NetworkSpec[] {
  const { raw, bad, netNames } = v;
  const networks: NetworkSpec[] = [];
  for (const name of netNames) {
    const n = raw.networks[name];
    const p = `networks.${name}`;
    const np = dockerNameProblem(name, 'network');
    if (np) bad(p, np);
    const sp = parseCidr(n.subnet);
    if (!sp.ok) bad(`${p}.subnet`, sp.error);
    else if (sp.cidr.prefix > 30) bad(`${p}.subnet`, `${n.subnet} leaves no room for containers (use /30 or larger)`);
    else if (specialBlockOf(sp.cidr))
      bad(
        `${p}.subnet`,
        `${n.subnet} overlaps ${specialBlockOf(sp.cidr)}, which no container network may use`,
        'use a private subnet such as 10.100.0.0/16 or 192.168.200.0/24',
      );
    const subnet = sp.ok ? sp.cidr : { base: 0, prefix: 32 };
    let gateway = (subnet.base + 1) >>> 0;
    if (n.gateway !== undefined) {
      const g = parseIp(n.gateway);
      if (g === null) bad(`${p}.gateway`, `"${n.gateway}" is not an IPv4 address`);
      else if (sp.ok && !contains(subnet, g)) bad(`${p}.gateway`, `${n.gateway} is outside the subnet ${n.subnet}`);
      else if (sp.ok && (g === subnet.base || g === broadcastOf(subnet)))
        bad(`${p}.gateway`, `${n.gateway} is the subnet's network or broadcast address`);
      else gateway = g;
    }
    const driver = n.driver ?? 'macvlan';
    const routed = driver === 'routed';
    let mode: MacvlanMode = 'bridge';
    if (routed) {
      for (const f of ['gateway', 'parent', 'mode', 'vlan', 'hostAccess'] as const) {
        if (n[f] !== undefined) bad(`${p}.${f}`, `a routed network has no ${f}: ${ROUTED_HAS[f]}`, `remove ${f}`);
      }
    } else {
      if (n.parent === undefined) {
        bad(
          `${p}.parent`,
          'a macvlan network needs the host interface it hangs on',
          'add parent: (e.g. ens33 or eth0), or driver: routed',
        );
        continue;
      }
      const pp = interfaceNameProblem(n.parent);
      if (pp) bad(`${p}.parent`, pp);
      else if (n.parent === 'lo')
        bad(
          `${p}.parent`,
          'loopback interface is not a valid macvlan parent link',
          'name the host interface on the LAN, e.g. ens33 or eth0',
        );
      else if (n.parent.includes('.'))
        bad(
          `${p}.parent`,
          `"${n.parent}" looks like a VLAN sub-interface`,
          `write parent: ${n.parent.split('.')[0]} and vlan: ${n.parent.split('.')[1]}`,
        );
      if (n.mode !== undefined) {
        if (!(MODES as readonly string[]).includes(n.mode))
          bad(`${p}.mode`, `unknown macvlan mode "${n.mode}"`, `use one of ${MODES.join(', ')}`);
        else mode = n.mode as MacvlanMode;
      }
      if (n.vlan !== undefined) {
        if (!Number.isInteger(n.vlan) || n.vlan < 1 || n.vlan > 4094)
          bad(`${p}.vlan`, `vlan id must be between 1-4094 (got ${n.vlan})`);
        else if (!pp) {
          const subProblem = interfaceNameProblem(`${n.parent}.${n.vlan}`);
          if (subProblem) bad(`${p}.vlan`, `the sub-interface ${n.parent}.${n.vlan}: ${subProblem}`);
        }
      }
    }
    checkPrefix(bad, n, p, sp.ok ? subnet : null);
    const reserved = reservedOf(bad, n, p, sp.ok ? subnet : null);
    const six = dualStack(bad, n, p, sp.ok ? subnet : null, gateway);
    networks.push({
      ...six,
      name,
      driver,
      subnet,
      gateway,
      parent: routed ? '' : n.parent!,
      mode,
      ...(routed ? {} : { vlan: n.vlan }),
      hostPrefix: n.hostPrefix,
      reserved,
      hostAccess: routed ? false : (n.hostAccess ?? false),
    });
  }
  for (let i = 0; i < networks.length; i++) {
    for (let j = i + 1; j < networks.length; j++) {
      const a = networks[i],
        b = networks[j];
      if (a.subnet.prefix < 32 && b.subnet.prefix < 32 && overlaps(a.subnet, b.subnet) && a.vlan === b.vlan) {
        bad(
          `networks.${b.name}.subnet`,
          `${formatCidr(b.subnet)} overlaps network ${a.name}'s ${formatCidr(a.subnet)} on the same LAN`,
          'give each network its own subnet',
        );
      }
      if (a.subnet6 && b.subnet6 && overlaps6(a.subnet6, b.subnet6)) {
        bad(
          `networks.${b.name}.subnet6`,
          `${formatCidr6(b.subnet6)} overlaps network ${a.name}'s ${formatCidr6(a.subnet6)}`,
          'give each network its own subnet6',
        );
      }
    }
  }

  return networks;
}

/** The hosts and their containers; which address each host and container took. */
function hostsOf(
  v: V,
  networks: NetworkSpec[],
): { hosts: HostSpec[]; hostAddr: Map<Ip, string>; ipOwner: Map<Ip, string> } {
  const { raw, bad, lan, lanText, netNames, hostNames } = v;
  const lanParse = { ok: v.lanOk };
  const netByName = new Map(networks.map((n) => [n.name, n]));
  const hosts: HostSpec[] = [];
  const hostAddr = new Map<Ip, string>();
  const ipOwner = new Map<Ip, string>(); // ip -> field path that took it
  const rangesByNet = new Map<string, { host: string; range: Cidr }[]>();
  const endpoints = new Map<string, string>();
  for (const hname of hostNames) {
    const h = raw.hosts[hname];
    const p = `hosts.${hname}`;
    const hostNameProblem = simpleNameProblem(hname, 'host name');
    if (hostNameProblem) bad(p, hostNameProblem);
    const address = parseIp(h.address);
    if (address === null)
      bad(`${p}.address`, `"${h.address}" is not an IPv4 address`, "give the host's LAN address, e.g. 192.168.140.200");
    else if (lanParse.ok && !contains(lan, address)) bad(`${p}.address`, `${h.address} is outside the LAN ${lanText}`);
    else if (lanParse.ok && (address === lan.base || address === broadcastOf(lan)))
      bad(`${p}.address`, `${h.address} is the LAN's network or broadcast address`);
    else if (hostAddr.has(address))
      bad(`${p}.address`, `${h.address} is already the address of host ${hostAddr.get(address)}`);
    else hostAddr.set(address, hname);
    const docker = h.docker === undefined ? undefined : normalEndpoint(h.docker);
    if (h.docker !== undefined && !ENDPOINT.test(h.docker)) {
      bad(
        `${p}.docker`,
        `"${h.docker}" is not a Docker endpoint mvnet knows`,
        'use unix:///path/docker.sock, tcp://host:2376 or ssh://user@host; leave it out to use the lab',
      );
    } else if (docker !== undefined && endpoints.has(docker)) {
      bad(
        `${p}.docker`,
        `${h.docker} is already the engine of host ${endpoints.get(docker)}` +
          (docker === h.docker ? '' : ` (both are ${docker})`),
        'give each host its own Docker engine',
      );
    } else if (docker !== undefined) endpoints.set(docker, hname);
    const parents: Record<string, string> = Object.create(null);
    for (const [net, par] of Object.entries(h.parents ?? {})) {
      if (!netByName.has(net))
        bad(`${p}.parents.${net}`, `unknown network "${net}"`, `networks are: ${netNames.join(', ')}`);
      else if (netByName.get(net)!.driver === 'routed')
        bad(`${p}.parents.${net}`, `network ${net} is routed: it has no parent`, 'remove this entry');
      const pr = interfaceNameProblem(par);
      if (pr) bad(`${p}.parents.${net}`, pr);
      else if (par === 'lo') bad(`${p}.parents.${net}`, 'loopback interface is not a valid macvlan parent link');
      parents[net] = par;
    }
    const ranges = rangesOf(v, p, hname, h, netByName, rangesByNet);
    const containers = containersOf(v, p, h, netByName, { hostAddr, ipOwner });
    routedInRange(bad, p, containers, ranges, netByName);
    const macvlan = (x?: NetworkSpec) => x?.driver === 'macvlan';
    const firstNet = containers.map((c) => netByName.get(c.network)).find(macvlan) ?? networks.find(macvlan);
    const iface = h.interface ?? (firstNet ? (parents[firstNet.name] ?? firstNet.parent) : 'eth0');
    if (h.interface !== undefined) {
      const ifaceProblem = interfaceNameProblem(h.interface);
      if (ifaceProblem) bad(`${p}.interface`, ifaceProblem);
    }
    // passthru: one container per host
    for (const n of networks.filter((x) => x.mode === 'passthru')) {
      const count = containers.filter((c) => c.network === n.name).length;
      if (count > 1)
        bad(
          `${p}.containers`,
          `${count} containers on passthru network ${n.name}; passthru allows one per host`,
          'use mode: bridge for several containers',
        );
    }
    let gateway: Ip | undefined;
    if (h.gateway !== undefined) {
      const g = parseIp(h.gateway);
      if (g === null) bad(`${p}.gateway`, `"${h.gateway}" is not an IPv4 address`);
      else if (lanParse.ok && !contains(lan, g))
        bad(
          `${p}.gateway`,
          `${h.gateway} is not on the LAN ${lanText}`,
          "a host's default route goes to a LAN address, e.g. a router's",
        );
      else gateway = g;
    }
    if (h.engine !== undefined && h.docker !== undefined) {
      bad(
        `${p}.engine`,
        "engine: picks the lab's Docker engine; a host with docker: runs whatever its engine is",
        `remove ${p}.engine or ${p}.docker`,
      );
    }
    const routed = networks.filter((n) => n.driver === 'routed').map((n) => n.name);
    if (h.forward === false && routed.length) {
      bad(
        `${p}.forward`,
        `the host routes for network ${routed[0]} (driver: routed), so it must forward`,
        'remove forward: false',
      );
    }
    hosts.push({
      name: hname,
      address: address ?? 0,
      docker,
      interface: iface,
      parents,
      ranges,
      gateway,
      forward: h.forward ?? routed.length > 0,
      engine: h.engine,
      containers,
    });
  }
  return { hosts, hostAddr, ipOwner };
}

/** On a routed network a host's segment is its range: a fixed address outside it cannot be given. */
function routedInRange(
  bad: Bad,
  p: string,
  containers: ContainerSpec[],
  ranges: Record<string, Cidr>,
  netByName: Map<string, NetworkSpec>,
): void {
  for (const c of containers) {
    const range = ranges[c.network];
    if (netByName.get(c.network)?.driver !== 'routed' || !range || c.ip === undefined || contains(range, c.ip))
      continue;
    bad(
      `${p}.containers.${c.name}.ip`,
      `${formatIp(c.ip)} is outside this host's range ${formatCidr(range)} of routed network ${c.network}`,
      `on a routed network each host's containers live in its range: pick an address in ${formatCidr(range)}`,
    );
  }
}

/** A host's explicit per-network ranges: inside their subnet, disjoint from other hosts' ranges of that network. */
function rangesOf(
  v: V,
  p: string,
  hname: string,
  h: RawTopology['hosts'][string],
  netByName: Map<string, NetworkSpec>,
  rangesByNet: Map<string, { host: string; range: Cidr }[]>,
): Record<string, Cidr> {
  const { bad, netNames } = v;
  const ranges: Record<string, Cidr> = Object.create(null);
  for (const [net, r] of Object.entries(h.ranges ?? {})) {
    const n = netByName.get(net);
    if (!n) {
      bad(`${p}.ranges.${net}`, `unknown network "${net}"`, `networks are: ${netNames.join(', ')}`);
      continue;
    }
    const rp = parseCidr(r);
    if (!rp.ok) {
      bad(`${p}.ranges.${net}`, rp.error);
      continue;
    }
    if (!cidrWithin(rp.cidr, n.subnet)) {
      bad(`${p}.ranges.${net}`, `${r} is not inside the network's subnet ${formatCidr(n.subnet)}`);
      continue;
    }
    const others = rangesByNet.get(net) ?? [];
    const clash = others.find((o) => overlaps(o.range, rp.cidr));
    if (clash)
      bad(
        `${p}.ranges.${net}`,
        `${r} overlaps hosts.${clash.host}.ranges.${net} (${formatCidr(clash.range)})`,
        'per-host ranges must be disjoint',
      );
    others.push({ host: hname, range: rp.cidr });
    rangesByNet.set(net, others);
    ranges[net] = rp.cidr;
  }
  return ranges;
}

/** A host's containers: names, networks, fixed addresses (unique across the cluster), MACs, images, commands. */
function containersOf(
  v: V,
  p: string,
  h: RawTopology['hosts'][string],
  netByName: Map<string, NetworkSpec>,
  taken: { hostAddr: Map<Ip, string>; ipOwner: Map<Ip, string> },
): ContainerSpec[] {
  const { bad, netNames } = v;
  const { ipOwner } = taken;
  const containers: ContainerSpec[] = [];
  for (const [cname, c] of Object.entries(h.containers ?? {})) {
    const cp = `${p}.containers.${cname}`;
    const dp = dockerNameProblem(cname, 'container');
    if (dp) bad(cp, dp);
    const n = netByName.get(c.network);
    if (!n)
      bad(
        `${cp}.network`,
        `unknown network "${c.network}"`,
        netNames.length ? `networks are: ${netNames.join(', ')}` : 'declare it under networks:',
      );
    let ip: Ip | undefined;
    if (c.ip !== undefined) {
      const v = parseIp(c.ip);
      if (v === null) bad(`${cp}.ip`, `"${c.ip}" is not an IPv4 address`);
      else if (n && !contains(n.subnet, v))
        bad(`${cp}.ip`, `${c.ip} is outside the subnet ${formatCidr(n.subnet)} of network ${n.name}`);
      else if (n && v === n.subnet.base) bad(`${cp}.ip`, `${c.ip} is the network address of ${formatCidr(n.subnet)}`);
      else if (n && v === broadcastOf(n.subnet))
        bad(`${cp}.ip`, `${c.ip} is the broadcast address of ${formatCidr(n.subnet)}`);
      else if (n && v === n.gateway) bad(`${cp}.ip`, `${c.ip} is the gateway of network ${n.name}`);
      else if (n && n.reserved.includes(v)) bad(`${cp}.ip`, `${c.ip} is reserved in networks.${n.name}.reserved`);
      else if (ipOwner.has(v))
        bad(
          `${cp}.ip`,
          `${c.ip} is already used by ${ipOwner.get(v)}`,
          'every address must be unique across the cluster: the hosts share one LAN',
        );
      else {
        ip = v;
        ipOwner.set(v, cp);
      }
    }
    let mac: string | undefined;
    if (c.mac !== undefined) {
      const m = parseMac(c.mac);
      if (!m) bad(`${cp}.mac`, `"${c.mac}" is not a MAC address (write it as 02:42:0a:64:01:01)`);
      else if (macProblem(m)) bad(`${cp}.mac`, macProblem(m)!);
      else mac = m;
    }
    if (c.image !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.\-/:@]{0,254}$/.test(c.image))
      bad(`${cp}.image`, `"${c.image}" is not a valid image reference`);
    const command = commandOf(c.command, `${cp}.command`, bad);
    containers.push({ name: cname, network: c.network, ip, mac, image: c.image, command });
  }
  return containers;
}

/** Explicit MACs are unique across the cluster. */
function uniqueMacs(bad: Bad, hosts: HostSpec[]): void {
  const macs = new Map<string, string>();
  for (const h of hosts)
    for (const c of h.containers)
      if (c.mac) {
        const prev = macs.get(c.mac);
        if (prev) bad(`hosts.${h.name}.containers.${c.name}.mac`, `${c.mac} is already used by ${prev}`);
        else macs.set(c.mac, `hosts.${h.name}.containers.${c.name}`);
      }
}

/** A passthru network takes its parent whole: no other network on it, on any host. */
function passthruAlone(bad: Bad, hosts: HostSpec[], networks: NetworkSpec[]): void {
  const netByName = new Map(networks.map((n) => [n.name, n]));
  for (const h of hosts) {
    const links = new Map<string, string[]>();
    for (const n of networks) {
      const key = `${h.parents[n.name] ?? n.parent}`;
      links.set(key, [...(links.get(key) ?? []), n.name]);
    }
    for (const [par, nets] of links) {
      const pt = nets.map((x) => netByName.get(x)!).filter((n) => n.mode === 'passthru');
      if (pt.length > 0 && nets.length > 1) {
        bad(
          `networks.${pt[0].name}.parent`,
          `passthru network ${pt[0].name} shares parent ${par} ` +
            `with ${nets.filter((x) => x !== pt[0].name).join(', ')} on host ${h.name}`,
          'a passthru network takes its parent whole: give it its own parent',
        );
      }
    }
  }
}

/** Devices on the LAN: routers and plain machines. */
function devicesOf(v: V, hostAddr: Map<Ip, string>, ipOwner: Map<Ip, string>): DeviceSpec[] {
  const { raw, bad, lan, lanText } = v;
  const lanParse = { ok: v.lanOk };
  const devices: DeviceSpec[] = [];
  for (const [dname, d] of Object.entries(raw.devices ?? {})) {
    const p = `devices.${dname}`;
    const np = simpleNameProblem(dname, 'device name');
    if (np) bad(p, np);
    if (raw.hosts[dname]) bad(p, `"${dname}" is also a host name`, 'give devices and hosts different names');
    const address = parseIp(d.address);
    if (address === null) bad(`${p}.address`, `"${d.address}" is not an IPv4 address`);
    else if (lanParse.ok && !contains(lan, address)) bad(`${p}.address`, `${d.address} is outside the LAN ${lanText}`);
    else if (hostAddr.has(address))
      bad(`${p}.address`, `${d.address} is already the address of ${hostAddr.get(address)}`);
    else if (ipOwner.has(address)) bad(`${p}.address`, `${d.address} is already used by ${ipOwner.get(address)}`);
    else hostAddr.set(address, `device ${dname}`);
    const addresses: { ip: Ip; prefix: number }[] = [];
    (d.addresses ?? []).forEach((a, i) => {
      const [ipText, pre] = a.split('/');
      const ip = parseIp(ipText);
      const prefix = Number(pre);
      if (ip === null || !/^\d{1,2}$/.test(pre ?? '') || prefix > 32) {
        bad(`${p}.addresses.${i}`, `"${a}" is not an address with a prefix (write it as 10.100.0.1/16)`);
        return;
      }
      if (ipOwner.has(ip)) {
        bad(`${p}.addresses.${i}`, `${ipText} is already used by ${ipOwner.get(ip)}`);
        return;
      }
      ipOwner.set(ip, `${p}.addresses.${i}`);
      addresses.push({ ip, prefix });
    });
    let gateway: Ip | undefined;
    if (d.gateway !== undefined) {
      const g = parseIp(d.gateway);
      if (g === null) bad(`${p}.gateway`, `"${d.gateway}" is not an IPv4 address`);
      else gateway = g;
    }
    if (d.kind === 'machine' && addresses.length > 0)
      bad(
        `${p}.addresses`,
        'a machine has only its LAN address',
        'use kind: router for a device with legs on other networks',
      );
    devices.push({ name: dname, kind: d.kind, address: address ?? 0, addresses, gateway });
  }
  return devices;
}

/** A container's fixed address may not be a device's, a router leg's, or a host's or device's default gateway. */
function containerClashes(bad: Bad, hosts: HostSpec[], devices: DeviceSpec[]): void {
  const taken = new Map<Ip, string>();
  // every host's LAN address, whatever the order of hosts in the file
  for (const h of hosts) taken.set(h.address, `the LAN address of host ${h.name}`);
  for (const d of devices) {
    taken.set(d.address, `the LAN address of device ${d.name}`);
    for (const a of d.addresses) taken.set(a.ip, `an address of router ${d.name}`);
    if (d.gateway !== undefined && !taken.has(d.gateway)) taken.set(d.gateway, `the gateway of device ${d.name}`);
  }
  for (const h of hosts)
    if (h.gateway !== undefined && !taken.has(h.gateway)) taken.set(h.gateway, `the gateway of host ${h.name}`);
  for (const h of hosts)
    for (const c of h.containers) {
      if (c.ip !== undefined && taken.has(c.ip))
        bad(
          `hosts.${h.name}.containers.${c.name}.ip`,
          `${formatIp(c.ip)} is ${taken.get(c.ip)}`,
          'give the container a free address, or leave ip: out',
        );
    }
}

/** engine: swarm, its manager and services (and what Swarm does not support). */
function swarmOf(
  v: V,
  networks: NetworkSpec[],
  hosts: HostSpec[],
): { engine: Topology['engine']; manager?: string; services: ServiceSpec[] } {
  const { raw, bad, netNames, hostNames } = v;
  const netByName = new Map(networks.map((n) => [n.name, n]));
  const engine = raw.engine ?? 'docker';
  let manager: string | undefined;
  const services: ServiceSpec[] = [];
  if (engine === 'swarm') {
    if (!raw.manager)
      bad(
        'manager',
        'is required with engine: swarm',
        `name the manager host, e.g. manager: ${hostNames[0] ?? 'node1'}`,
      );
    else if (!raw.hosts[raw.manager])
      bad('manager', `unknown host "${raw.manager}"`, `hosts are: ${hostNames.join(', ')}`);
    else manager = raw.manager;
    for (const n of networks)
      if (n.mode === 'passthru')
        bad(`networks.${n.name}.mode`, 'passthru cannot be a swarm network (one container per node)');
    for (const n of networks)
      if (n.hostAccess) bad(`networks.${n.name}.hostAccess`, 'host access is not built for swarm networks yet');
    for (const n of networks)
      if (n.subnet6) bad(`networks.${n.name}.subnet6`, 'IPv6 on swarm networks is not built yet', 'remove subnet6');
    for (const n of networks)
      if (n.driver === 'routed')
        bad(
          `networks.${n.name}.driver`,
          'routed networks are not built for swarm yet',
          'use driver: macvlan (the default)',
        );
    for (const h of hosts)
      if (h.containers.length)
        bad(
          `hosts.${h.name}.containers`,
          'with engine: swarm, declare services (Swarm schedules their tasks)',
          'move these to services:',
        );
  } else {
    if (raw.manager) bad('manager', 'only with engine: swarm');
    if (raw.services && Object.keys(raw.services).length)
      bad(
        'services',
        'services need engine: swarm',
        'add engine: swarm and manager: HOST, or declare containers under hosts',
      );
  }
  for (const [sname, sv] of Object.entries(raw.services ?? {})) {
    const p = `services.${sname}`;
    const np = dockerNameProblem(sname, 'service');
    if (np) bad(p, np);
    if (!netByName.has(sv.network))
      bad(`${p}.network`, `unknown network "${sv.network}"`, `networks are: ${netNames.join(', ')}`);
    const replicas = sv.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 1000)
      bad(`${p}.replicas`, 'must be a whole number from 0 to 1000');
    const placement =
      sv.placement === undefined ? undefined : Array.isArray(sv.placement) ? sv.placement : [sv.placement];
    for (const h of placement ?? [])
      if (!raw.hosts[h]) bad(`${p}.placement`, `unknown host "${h}"`, `hosts are: ${hostNames.join(', ')}`);
    if (sv.image !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.\-/:@]{0,254}$/.test(sv.image))
      bad(`${p}.image`, `"${sv.image}" is not a valid image reference`);
    const command = commandOf(sv.command, `${p}.command`, bad);
    services.push({ name: sname, network: sv.network, replicas, image: sv.image, command, placement });
  }
  return { engine, manager, services };
}

function empty(file: string, name: string, lan: Cidr): Topology {
  return {
    file,
    name,
    lan,
    hairpin: false,
    lanSwitch: 'learning',
    networks: [],
    hosts: [],
    devices: [],
    engine: 'docker',
    services: [],
    lock: 'engine',
  };
}

/** A command: an array as given, or a string split into words as a POSIX shell would (nothing expanded). */
function commandOf(
  c: string | string[] | undefined,
  path: string,
  bad: (path: string, message: string, hint?: string) => void,
): string[] | undefined {
  if (typeof c !== 'string') return c;
  const w = splitWords(c);
  if (!w.ok) {
    bad(
      path,
      `${w.problem} in "${c.length > 80 ? `${c.slice(0, 80)}…` : c}"`,
      'close the quote, or give the command as a list: [sh, -c, "sleep 1000"]',
    );
    return undefined;
  }
  if (w.words.length === 0) bad(path, 'is empty', "leave command: out to use the image's own");
  return w.words;
}
