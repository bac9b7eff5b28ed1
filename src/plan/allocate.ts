/**
 * The cluster-wide allocator. One pass over the whole topology decides each host's ip-range per network
 * and every container's address and MAC.
 *
 * Stability: ranges and addresses are decided in this order, and a later step never moves an earlier one:
 *   1. values pinned from the live hosts (apply passes them), 2. values written in the file,
 *   3. a host's range follows the block that holds its fixed addresses,
 *   4. the remaining hosts take the first free block in file order, containers the lowest free address.
 * So appending a host or a container never moves an existing range or address.
 */
import { shimName } from './shim-names.ts';
import { TopologyError, type Issue } from '../errors.ts';
import {
  blockIndexOf,
  broadcastOf,
  cidrSize,
  contains,
  formatCidr,
  formatIp,
  lastIp,
  overlaps,
  subBlock,
  type Cidr,
  type Ip,
} from '../net/ipv4.ts';
import { macFromIp } from '../net/mac.ts';
import { mirror6, mirrorRange6 } from './mirror.ts';
import { linkOf, parentOf, type NetworkSpec, type Topology } from '../topology/types.ts';
import {
  containerId,
  type HostNetworkPlan,
  type HostPlan,
  type Pins,
  type Plan,
  type PlannedContainer,
  type Source,
} from './types.ts';

/** Each host's automatic range size for a subnet: /24 for /16 and larger, else half the host bits. */
export function defaultHostPrefix(net: NetworkSpec): number {
  if (net.hostPrefix) return net.hostPrefix;
  const p = net.subnet.prefix;
  return p <= 16 ? 24 : Math.min(30, p + Math.ceil((32 - p) / 2));
}

/** The shim address of a host on a hostAccess network: the last usable address of its range. */
export function shimAddress(range: Cidr): Ip {
  return (lastIp(range) - 1) >>> 0;
}

/** The entries of an address-sorted list that lie in a range (binary search for its first address). */
function within<T extends { ip: Ip }>(sorted: T[], range: Cidr): T[] {
  const first = range.base;
  const last = lastIp(range);
  let lo = 0,
    hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].ip < first) lo = mid + 1;
    else hi = mid;
  }
  const out: T[] = [];
  for (let i = lo; i < sorted.length && sorted[i].ip <= last; i++) out.push(sorted[i]);
  return out;
}

export function plan(topo: Topology, pins: Pins = {}): Plan {
  const issues: Issue[] = [];
  const ranges = rangesOf(topo, pins, issues);
  const used = takenAddresses(topo);
  const chosen = fixedAddresses(topo, pins, ranges, used);
  // shims and routed segments' host addresses are reserved before automatic addresses are handed out
  const shims = ownAddresses(topo, ranges, used, issues, 'shim');
  const bridges = ownAddresses(topo, ranges, used, issues, 'segment');
  for (const t of pins.taken ?? []) used.add(t);
  automaticAddresses(topo, ranges, used, chosen, issues);
  if (issues.length > 0) throw new TopologyError(topo.file, issues);
  const hosts = hostPlans(topo, chosen);
  uniqueMacs(topo, hosts, issues);
  if (issues.length > 0) throw new TopologyError(topo.file, issues);
  networkPlans(topo, hosts, ranges, shims, bridges);
  return {
    name: topo.name,
    file: topo.file,
    lan: topo.lan,
    hairpin: topo.hairpin,
    lanSwitch: topo.lanSwitch,
    networks: topo.networks,
    hosts,
    devices: topo.devices,
    containers: hosts.flatMap((h) => h.containers),
    engine: topo.engine,
    manager: topo.manager,
    services: topo.services,
  };
}

type Ranges = Map<string, { range: Cidr; from: HostNetworkPlan['rangeFrom'] }>; // host/net -> range
type Chosen = Map<string, { ip: Ip; from: Source }>;

/** Networks where each host takes an address of its range for itself (a shim, a routed segment's gateway). */
function ownNeeded(n: Topology['networks'][number]): boolean {
  return n.hostAccess || n.driver === 'routed';
}

/** Each host's range per network, in the order of the stability contract (live, file, fixed addresses, first free). */
function rangesOf(topo: Topology, pins: Pins, issues: Issue[]): Ranges {
  const ranges: Ranges = new Map();
  for (const net of topo.networks) {
    const blockPrefix = defaultHostPrefix(net);
    const taken: { host: string; range: Cidr }[] = [];
    const claim = (host: string, range: Cidr, from: HostNetworkPlan['rangeFrom']) => {
      ranges.set(`${host}/${net.name}`, { range, from });
      taken.push({ host, range });
    };
    // 1. live pins, 2. file
    for (const h of topo.hosts) {
      const pinned = pins.ranges?.get(`${h.name}/${net.name}`);
      // a live range holds only while it still fits: inside the subnet, nobody else's, and room for the host's
      // containers (and its own address where the network needs one), else it is planned afresh
      const need = h.containers.filter((c) => c.network === net.name).length + (ownNeeded(net) ? 1 : 0);
      const pinOk =
        pinned &&
        pinned.prefix >= net.subnet.prefix &&
        contains(net.subnet, pinned.base) &&
        cidrSize(pinned) - 2 >= need &&
        !taken.some((t) => overlaps(t.range, pinned));
      if (pinned && pinOk && !h.ranges[net.name]) claim(h.name, pinned, 'live');
      else if (h.ranges[net.name]) claim(h.name, h.ranges[net.name], 'file');
    }
    // 3. the block that holds a host's fixed addresses
    for (const h of topo.hosts) {
      if (ranges.has(`${h.name}/${net.name}`)) continue;
      // a live address counts only while it lies in the network's subnet (the subnet may have changed since)
      const livePin = (c: { name: string }) => {
        const ip = pins.ips?.get(containerId(h.name, c.name));
        return ip !== undefined && contains(net.subnet, ip) && ip !== net.subnet.base && ip !== lastIp(net.subnet);
      };
      const fixed = h.containers.find((c) => c.network === net.name && (c.ip !== undefined || livePin(c)));
      if (!fixed) continue;
      const ip = fixed.ip ?? pins.ips!.get(containerId(h.name, fixed.name))!;
      const block = subBlock(net.subnet, blockPrefix, blockIndexOf(net.subnet, blockPrefix, ip));
      const clash = taken.find((t) => overlaps(t.range, block));
      if (clash) {
        issues.push({
          path: `hosts.${h.name}.containers.${fixed.name}.ip`,
          message:
            `${formatIp(ip)} lies in host ${clash.host}'s range ${formatCidr(clash.range)}, ` +
            `so mvnet cannot derive a range for ${h.name}`,
          hint: `set hosts.${h.name}.ranges.${net.name} to a free part of ${formatCidr(net.subnet)}`,
        });
        continue;
      }
      claim(h.name, block, 'containers');
    }
    // 4. first free block, in file order; block 0 (the gateway's) stays free when there are enough blocks
    const blocks = cidrSize(net.subnet) / cidrSize({ base: 0, prefix: blockPrefix });
    let next = blocks >= 4 ? 1 : 0;
    for (const h of topo.hosts) {
      if (ranges.has(`${h.name}/${net.name}`)) continue;
      let found: Cidr | undefined;
      for (; next < blocks; next++) {
        const b = subBlock(net.subnet, blockPrefix, next);
        if (!taken.some((t) => overlaps(t.range, b))) {
          found = b;
          next++;
          break;
        }
      }
      if (!found) {
        issues.push({
          path: `networks.${net.name}.subnet`,
          message: `${formatCidr(net.subnet)} has no free /${blockPrefix} range left for host ${h.name}`,
          hint: `use a larger subnet, or a smaller hostPrefix than /${blockPrefix} for more, smaller ranges`,
        });
        continue;
      }
      claim(h.name, found, 'auto');
    }
  }

  return ranges;
}

/** Never a host's or device's address, a router's leg, or anyone's default gateway (flat networks share the LAN). */
function takenAddresses(topo: Topology): Set<Ip> {
  const used = new Set<Ip>();
  for (const h of topo.hosts) {
    used.add(h.address);
    if (h.gateway !== undefined) used.add(h.gateway);
  }
  for (const d of topo.devices) {
    used.add(d.address);
    d.addresses.forEach((a) => used.add(a.ip));
    if (d.gateway !== undefined) used.add(d.gateway);
  }
  for (const n of topo.networks) {
    used.add(n.gateway);
    n.reserved.forEach((r) => used.add(r));
  }
  return used;
}

/** Fixed addresses first, then live pins that still fit their host's range. */
function fixedAddresses(topo: Topology, pins: Pins, ranges: Ranges, used: Set<Ip>): Chosen {
  // the host's own address in its range (a shim, a routed segment's gateway) is never a container's, live or not
  const own = new Set(topo.networks.filter(ownNeeded).map((n) => n.name));
  const livePinFits = (ip: Ip, host: string, network: string) => {
    const r = ranges.get(`${host}/${network}`);
    if (!r || !contains(r.range, ip) || ip === r.range.base || ip === lastIp(r.range)) return false;
    return !(own.has(network) && ip === shimAddress(r.range));
  };
  const chosen = new Map<string, { ip: Ip; from: Source }>();
  for (const h of topo.hosts)
    for (const c of h.containers) {
      if (c.ip === undefined) continue;
      chosen.set(containerId(h.name, c.name), { ip: c.ip, from: 'file' });
      used.add(c.ip);
    }
  for (const h of topo.hosts)
    for (const c of h.containers) {
      const id = containerId(h.name, c.name);
      const pinned = pins.ips?.get(id);
      if (c.ip !== undefined || pinned === undefined || used.has(pinned) || !livePinFits(pinned, h.name, c.network))
        continue;
      chosen.set(id, { ip: pinned, from: 'live' });
      used.add(pinned);
    }
  return chosen;
}

/**
 * The host's own address in each of its ranges (the last usable one): its shim on hostAccess networks, its
 * address on a routed network's segment (its containers' gateway).
 */
function ownAddresses(
  topo: Topology,
  ranges: Ranges,
  used: Set<Ip>,
  issues: Issue[],
  kind: 'shim' | 'segment',
): Map<string, Ip> {
  const own = new Map<string, Ip>();
  const nets = topo.networks.filter((n) => (kind === 'shim' ? n.hostAccess : n.driver === 'routed'));
  for (const net of nets)
    for (const h of topo.hosts) {
      const r = ranges.get(`${h.name}/${net.name}`);
      if (!r) continue;
      const a = shimAddress(r.range);
      if (used.has(a)) {
        issues.push({
          path: kind === 'shim' ? `networks.${net.name}.hostAccess` : `networks.${net.name}`,
          message:
            kind === 'shim'
              ? `the shim address ${formatIp(a)} of host ${h.name} is already in use`
              : `${formatIp(a)}, host ${h.name}'s own address on its segment of routed network ${net.name}, ` +
                'is already in use',
          hint: 'leave the last usable address of each host range free',
        });
        continue;
      }
      own.set(`${h.name}/${net.name}`, a);
      used.add(a);
    }
  return own;
}

/** The remaining containers: the lowest free address of their host's range, in file order. */
function automaticAddresses(topo: Topology, ranges: Ranges, used: Set<Ip>, chosen: Chosen, issues: Issue[]): void {
  const cursor = new Map<string, Ip>();
  const netByName = new Map(topo.networks.map((n) => [n.name, n]));
  for (const h of topo.hosts)
    for (const c of h.containers) {
      const id = containerId(h.name, c.name);
      if (chosen.has(id)) continue;
      const net = netByName.get(c.network)!;
      const r = ranges.get(`${h.name}/${net.name}`);
      if (!r) continue; // its range already failed
      const key = `${h.name}/${net.name}`;
      const last = (lastIp(r.range) - 1) >>> 0;
      let ip = cursor.get(key) ?? (r.range.base + 1) >>> 0;
      while (ip <= last && (used.has(ip) || ip === net.subnet.base || ip === broadcastOf(net.subnet))) ip++;
      if (ip > last) {
        issues.push({
          path: `hosts.${h.name}.containers.${c.name}`,
          message: `host ${h.name}'s range ${formatCidr(r.range)} on ${net.name} is full`,
          hint: `set hosts.${h.name}.ranges.${net.name} to a larger range, or give the container an ip`,
        });
        continue;
      }
      chosen.set(id, { ip, from: 'auto' });
      used.add(ip);
      cursor.set(key, ip + 1);
    }
}

/** Hosts with their containers' addresses and MACs decided (networks filled in by networkPlans). */
function hostPlans(topo: Topology, chosen: Chosen): HostPlan[] {
  const netByName = new Map(topo.networks.map((n) => [n.name, n]));
  return topo.hosts.map((h) => {
    const containers: PlannedContainer[] = h.containers.map((c) => {
      const id = containerId(h.name, c.name);
      const { ip, from } = chosen.get(id)!;
      const ip6 = mirror6(netByName.get(c.network)!, ip);
      return {
        id,
        host: h.name,
        name: c.name,
        network: c.network,
        ip,
        ...(ip6 !== undefined ? { ip6 } : {}),
        mac: c.mac ?? macFromIp(ip),
        image: c.image,
        command: c.command,
        ipFrom: from,
      };
    });
    return {
      name: h.name,
      address: h.address,
      interface: h.interface,
      docker: h.docker,
      gateway: h.gateway,
      forward: h.forward,
      networks: [],
      containers,
    };
  });
}

/** Every MAC once in the cluster: an explicit mac: may equal the one another container derives from its address. */
function uniqueMacs(topo: Topology, hosts: HostPlan[], issues: Issue[]): void {
  const macOwner = new Map<string, string>();
  for (const [hi, hp] of hosts.entries())
    for (const [ci, c] of hp.containers.entries()) {
      const fc = topo.hosts[hi].containers[ci];
      const path = `hosts.${hp.name}.containers.${c.name}.${fc.mac ? 'mac' : 'ip'}`;
      const prev = macOwner.get(c.mac);
      if (prev) {
        issues.push({
          path,
          message: `MAC ${c.mac}${fc.mac ? '' : ` (derived from ${formatIp(c.ip)})`} is also the MAC of ${prev}`,
          hint: 'give one of them another mac:, or another address',
        });
      } else macOwner.set(c.mac, path);
    }
}

/** Each host's plan per network: its range, aux-addresses, shim, gateway and routes. */
function networkPlans(
  topo: Topology,
  hosts: HostPlan[],
  ranges: Ranges,
  shims: Map<string, Ip>,
  bridges: Map<string, Ip>,
): void {
  // aux-addresses: what lies in a host's range but must never be handed out by that host's Docker
  const everyIp: { ip: Ip; name: string }[] = [];
  for (const hp of hosts) for (const c of hp.containers) everyIp.push({ ip: c.ip, name: `${hp.name}-${c.name}` });
  for (const n of topo.networks) n.reserved.forEach((ip, i) => everyIp.push({ ip, name: `reserved${i}` }));
  for (const [key, ip] of shims) everyIp.push({ ip, name: `shim-${key.split('/')[0]}` });
  for (const [key, ip] of bridges) everyIp.push({ ip, name: `host-${key.split('/')[0]}` });
  // Swarm hands out addresses itself: keep each range's own first and last address out of its reach
  if (topo.engine === 'swarm')
    for (const [key, r] of ranges) {
      const net = topo.networks.find((n) => n.name === key.split('/')[1])!;
      for (const [ip, tag] of [
        [r.range.base, 'first'],
        [lastIp(r.range), 'last'],
      ] as const) {
        if (ip !== net.subnet.base && ip !== broadcastOf(net.subnet) && ip !== net.gateway)
          everyIp.push({ ip, name: `${key.split('/')[0]}-${tag}` });
      }
    }
  // sorted once; each range takes its slice by binary search (a cluster of 100,000 addresses and 1,000 ranges)
  const sorted = [...everyIp].sort((a, b) => a.ip - b.ip);
  for (const [hi, hp] of hosts.entries()) {
    const h = topo.hosts[hi];
    for (const net of topo.networks) {
      const r = ranges.get(`${h.name}/${net.name}`)!;
      const shim = shims.get(`${h.name}/${net.name}`);
      const routerAtGateway = topo.devices.some(
        (d) => d.kind === 'router' && d.addresses.some((a) => a.ip === net.gateway),
      );
      // with host access and no router at the gateway, the host's shim is its containers' gateway
      const bridge = bridges.get(`${h.name}/${net.name}`);
      const gateway = bridge ?? (shim !== undefined && !routerAtGateway ? shim : net.gateway);
      const own = new Set(hp.containers.filter((c) => c.network === net.name).map((c) => c.ip));
      const aux = within(sorted, r.range).filter(
        (e) => contains(net.subnet, e.ip) && !own.has(e.ip) && e.ip !== gateway,
      );
      const routed = net.driver === 'routed';
      const routes = routed
        ? topo.hosts
            .filter((o) => o !== h && ranges.has(`${o.name}/${net.name}`))
            .map((o) => {
              const to = ranges.get(`${o.name}/${net.name}`)!.range;
              return { to, via: o.address, host: o.name, ...(net.subnet6 ? { to6: mirrorRange6(net, to) } : {}) };
            })
        : undefined;
      hp.networks.push({
        network: net.name,
        parent: routed ? h.interface : parentOf(h, net),
        link: routed ? h.interface : linkOf(h, net),
        range: r.range,
        rangeFrom: r.from,
        aux,
        ...(net.subnet6
          ? { range6: mirrorRange6(net, r.range), ...(shim !== undefined ? { shim6: mirror6(net, shim) } : {}) }
          : {}),
        shim,
        shimName: shim !== undefined ? shimName(topo.name, net.name) : undefined,
        gateway,
        ...(routes ? { routes } : {}),
        ...(routed && net.subnet6 ? { gateway6: mirror6(net, gateway) } : {}),
      });
    }
  }
}
