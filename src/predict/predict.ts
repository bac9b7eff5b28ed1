/**
 * Reachability prediction. Endpoints that behave alike are grouped (containers of one host and network;
 * each host; each LAN machine), verdicts are computed per ordered pair of groups, and pairs are expanded
 * only on demand, so the cost grows with groups, not with pairs.
 *
 * The model: every node (container, host, router, machine) has interfaces on the LAN wire (a host's
 * parent, a container's macvlan, a host's shim, a router's legs), routes and maybe a default gateway.
 * A ping needs a forward path (route lookup, then layer 2 to the next hop; routers forward, hosts do
 * not) and the same back from the destination to the address the request came from.
 */
import { contains, formatCidr, formatIp, type Cidr, type Ip } from '../net/ipv4.ts';
import type { Plan } from '../plan/types.ts';
import type { MacvlanMode, NetworkSpec } from '../topology/types.ts';
import { REASON_TEXT, type Reach, type Reason, type Verdict } from './reasons.ts';

/** A layer-2 attachment of a node. */
export interface Iface {
  /** the box it lives in: a host name, or dev:NAME for a LAN device */
  host: string;
  /** parent name (without VLAN) */
  parent: string;
  vlan?: number;
  /** segment: a routed network's per-host segment (a Linux bridge that only this host's containers are on) */
  kind: 'parent' | 'macvlan' | 'segment';
  mode?: MacvlanMode;
  shim?: boolean;
  ip: Ip;
  /** on-link subnet of this address */
  subnet: Cidr;
  label: string;
}

interface Route {
  to: Cidr;
  iface: Iface;
  via?: Ip;
}

interface Node {
  label: string;
  ifaces: Iface[];
  gateway?: Ip;
  /** routes through an interface: on-link (a shim), or through a gateway `via` (a routed network's other hosts) */
  routes: Route[];
  forwards: boolean;
  /** made on first lookup */
  table?: Route[];
}

export interface Group {
  key: string;
  kind: 'container' | 'host' | 'device';
  host: string;
  network?: string;
  members: string[];
  ips: Ip[];
}

export interface PairVerdict extends Verdict {
  from: string;
  to: string;
  /** 6: pinged over IPv6 (a dual-stack network); absent: IPv4 */
  family?: 6;
}

export interface Prediction {
  groups: Group[];
  /** per ordered pair of groups (row-major): 0 where no pair is predicted (host -> host, a lone container to
   * itself), else 1 + the index of its kind */
  codes: Uint8Array;
  /** the distinct outcomes met */
  kinds: { expected: Reach; reason: Reason }[];
  /** the verdict from group i to group j, its sentence made when read; null where no pair is predicted */
  verdict(i: number, j: number): Verdict | null;
  pairCount: number;
}

function netOf(plan: Plan, name: string): NetworkSpec {
  return plan.networks.find((n) => n.name === name)!;
}

function containerNode(plan: Plan, host: string, network: string, ip: Ip): Node {
  const net = netOf(plan, network);
  const hn = plan.hosts.find((h) => h.name === host)!.networks.find((n) => n.network === network)!;
  if (net.driver === 'routed') {
    return {
      label: `${host}/container`,
      gateway: hn.gateway,
      routes: [],
      forwards: false,
      ifaces: [
        {
          host,
          parent: `seg:${network}`,
          kind: 'segment',
          ip,
          subnet: hn.range,
          label: `${host} segment of ${network}`,
        },
      ],
    };
  }
  return {
    label: `${host}/container`,
    ifaces: [
      {
        host,
        parent: hn.parent,
        vlan: net.vlan,
        kind: 'macvlan',
        mode: net.mode,
        ip,
        subnet: net.subnet,
        label: `${host} macvlan on ${hn.link}`,
      },
    ],
    gateway: hn.gateway,
    routes: [],
    forwards: false,
  };
}

function hostNode(plan: Plan, host: string): Node {
  const h = plan.hosts.find((x) => x.name === host)!;
  const node: Node = {
    label: host,
    forwards: h.forward,
    gateway: h.gateway,
    routes: [],
    ifaces: [
      { host, parent: h.interface, kind: 'parent', ip: h.address, subnet: plan.lan, label: `${host} ${h.interface}` },
    ],
  };
  for (const hn of h.networks) {
    if (hn.routes) {
      node.ifaces.push({
        host,
        parent: `seg:${hn.network}`,
        kind: 'segment',
        ip: hn.gateway,
        subnet: hn.range,
        label: `${host} segment of ${hn.network}`,
      });
      for (const r of hn.routes) node.routes.push({ to: r.to, iface: node.ifaces[0], via: r.via });
    }
    if (hn.shim === undefined) continue;
    const net = netOf(plan, hn.network);
    const shim: Iface = {
      host,
      parent: hn.parent,
      vlan: net.vlan,
      kind: 'macvlan',
      mode: 'bridge',
      shim: true,
      ip: hn.shim,
      subnet: { base: hn.shim, prefix: 32 },
      label: `${host} shim ${hn.shimName} on ${hn.link}`,
    };
    node.ifaces.push(shim);
    // on a network that holds the host's own LAN address the shim routes only the host's range (the LAN route stays)
    node.routes.push({ to: contains(net.subnet, h.address) ? hn.range : net.subnet, iface: shim });
  }
  return node;
}

function deviceNode(plan: Plan, name: string): Node {
  const d = plan.devices.find((x) => x.name === name)!;
  const box = `dev:${name}`;
  const ifaces: Iface[] = [
    { host: box, parent: 'eth0', kind: 'parent', ip: d.address, subnet: plan.lan, label: `${d.kind} ${name}` },
    ...d.addresses.map((a) => ({
      host: box,
      parent: 'eth0',
      kind: 'parent' as const,
      ip: a.ip,
      subnet: { base: (a.ip & (a.prefix === 0 ? 0 : 0xffffffff << (32 - a.prefix))) >>> 0, prefix: a.prefix },
      label: `${d.kind} ${name}`,
    })),
  ];
  return { label: `${d.kind} ${name}`, ifaces, gateway: d.gateway, routes: [], forwards: d.kind === 'router' };
}

/** A node's on-link subnets and routes, longest prefix first (the order a lookup wants), made once per node. */
function table(node: Node): Route[] {
  node.table ??= [...node.ifaces.map((i) => ({ to: i.subnet, iface: i })), ...node.routes].sort(
    (x, y) => y.to.prefix - x.to.prefix,
  );
  return node.table;
}

/** Route lookup (longest prefix): the interface a packet for `dst` leaves by, and its next hop. */
function route(node: Node, dst: Ip): { iface: Iface; nextHop: Ip } | null {
  const t = table(node);
  for (const c of t) if (contains(c.to, dst)) return { iface: c.iface, nextHop: c.via ?? dst };
  if (node.gateway !== undefined) {
    const g = node.gateway;
    return { iface: t.find((c) => contains(c.to, g))?.iface ?? node.ifaces[0], nextHop: g };
  }
  return null;
}

/** host + parent pairs whose parent a passthru network (no VLAN) takes over, made once per plan. */
const passthruParents = new WeakMap<Plan, Set<string>>();

export function passthruSet(plan: Plan): Set<string> {
  let set = passthruParents.get(plan);
  if (!set) {
    set = new Set();
    for (const h of plan.hosts)
      for (const n of h.networks) {
        const net = netOf(plan, n.network);
        if (!net.vlan && net.mode === 'passthru') set.add(`${h.name}\n${n.parent}`);
      }
    passthruParents.set(plan, set);
  }
  return set;
}

const LINK = (ok: boolean, reason: Reason) => ({ ok, reason });
const L2 = {
  vlan: LINK(false, 'vlan-mismatch'),
  passthru: LINK(false, 'passthru-takes-parent'),
  lan: LINK(true, 'over-lan'),
  parent: LINK(false, 'parent-isolation'),
  private: LINK(false, 'private-mode'),
  bridge: LINK(true, 'same-host-bridge'),
  hairpin: LINK(true, 'vepa-hairpin'),
  noHairpin: LINK(false, 'vepa-no-hairpin'),
  foreign: LINK(false, 'foreign-mac-dropped'),
  segment: LINK(true, 'routed-segment'),
  apart: LINK(false, 'no-route'),
};

/** Layer 2 between two interfaces: can a frame from a reach b? */
export function l2(plan: Plan, passthru: Set<string>, a: Iface, b: Iface): { ok: boolean; reason: Reason } {
  // a routed network's segment holds one host's containers and that host, nothing else
  if (a.kind === 'segment' || b.kind === 'segment')
    return a.host === b.host && a.parent === b.parent ? L2.segment : L2.apart;
  if ((a.vlan ?? 0) !== (b.vlan ?? 0)) return L2.vlan;
  const passthruOn = (i: Iface) => i.kind === 'parent' && passthru.size > 0 && passthru.has(`${i.host}\n${i.parent}`);
  if (passthruOn(a) || passthruOn(b)) return L2.passthru;
  if (a.host !== b.host || a.parent !== b.parent) {
    // across the switch: a frame from a macvlan carries a MAC the switch did not see from the host on that port
    return a.kind === 'macvlan' && plan.lanSwitch === 'port-security' ? L2.foreign : L2.lan;
  }
  if (a.kind === 'parent' && b.kind === 'parent') return L2.lan;
  // same host, same parent (and VLAN)
  if (a.kind === 'parent' || b.kind === 'parent') return L2.parent;
  if (a.mode === 'private' || b.mode === 'private') return L2.private;
  if (a.mode === 'bridge' && b.mode === 'bridge') return L2.bridge;
  return plan.hairpin ? L2.hairpin : L2.noHairpin;
}

type Owner = (ip: Ip) => { iface: Iface; node: Node } | undefined;
type Way = { ok: true; iface: Iface; reason: Reason } | { ok: false; reason: Reason; detail: string };

/** What one direction needs besides its ends. `explain` builds the sentences (only when a verdict is read). */
interface World {
  plan: Plan;
  passthru: Set<string>;
  owner: Owner;
  explain: boolean;
}

/**
 * A macvlan child asking (ARP) for its own host's parent address, where the host has a bridge-mode shim on that
 * parent: the shim hears the broadcast and Linux answers for any of its addresses on any interface (arp_ignore 0),
 * so the packet goes through the shim (a flat network with hostAccess).
 */
function arpThroughShim(
  w: World,
  from: Iface,
  to: { iface: Iface; node: Node },
): { ok: boolean; reason: Reason } | null {
  if (from.kind !== 'macvlan' || to.iface.kind !== 'parent' || from.host !== to.iface.host) return null;
  const shim = to.node.ifaces.find((i) => i.shim && i.parent === from.parent && (i.vlan ?? 0) === (from.vlan ?? 0));
  if (!shim) return null;
  const link = l2(w.plan, w.passthru, from, shim);
  return link.ok ? { ok: true, reason: 'via-shim' } : null;
}

/** One direction: from `src` to address `dst`, hop by hop through forwarding nodes. */
function oneWay(w: World, src: Node, dst: Ip): Way {
  const say = (f: () => string) => (w.explain ? f() : '');
  let node = src;
  let first: Iface | undefined;
  let reason: Reason | undefined;
  for (let hop = 0; hop < 6; hop++) {
    const r = route(node, dst);
    if (!r) {
      return {
        ok: false,
        reason: 'no-route',
        detail: say(
          () =>
            `${node.label} has no route to ${formatIp(dst)} ` +
            `(outside ${node.ifaces.map((i) => formatCidr(i.subnet)).join(', ')}, no gateway)`,
        ),
      };
    }
    const o = w.owner(r.nextHop);
    if (!o) {
      if (r.nextHop !== dst) {
        return {
          ok: false,
          reason: 'no-gateway',
          detail: say(
            () =>
              `${formatIp(dst)} is outside ${formatCidr(r.iface.subnet)}; ` +
              `it goes to the gateway ${formatIp(r.nextHop)}, where no device answers (Destination Host Unreachable)`,
          ),
        };
      }
      return { ok: false, reason: 'no-arp-reply', detail: say(() => `nothing owns ${formatIp(dst)}`) };
    }
    const link = arpThroughShim(w, r.iface, o) ?? l2(w.plan, w.passthru, r.iface, o.iface);
    if (!link.ok) {
      return {
        ok: false,
        reason: link.reason,
        detail: say(() => `${r.iface.label} -> ${o.iface.label}: ${REASON_TEXT[link.reason]}`),
      };
    }
    first ??= r.iface;
    reason ??= r.iface.shim || o.iface.shim ? 'via-shim' : link.reason;
    if (o.node.ifaces.some((i) => i.ip === dst)) {
      // forwarded by hosts, into or out of a routed network's segment
      if (reason === 'via-router' && (first.kind === 'segment' || o.iface.kind === 'segment'))
        reason = 'routed-by-host';
      return { ok: true, iface: first, reason };
    }
    if (!o.node.forwards) {
      return {
        ok: false,
        reason: 'no-forwarding',
        detail: say(() => `${o.node.label} receives the packet for ${formatIp(dst)} but does not forward it`),
      };
    }
    node = o.node;
    reason = 'via-router';
  }
  return { ok: false, reason: 'no-route', detail: say(() => `no path to ${formatIp(dst)} within 6 hops`) };
}

/** Endpoints that behave alike, in a stable order: container groups, then hosts, then LAN machines. */
function groupsOf(plan: Plan, singletons: boolean): Group[] {
  const groups: Group[] = [];
  const byKey = new Map<string, Group>();
  for (const h of plan.hosts)
    for (const c of h.containers) {
      const key = singletons ? `c:${c.id}` : `c:${h.name}:${c.network}`;
      let g = byKey.get(key);
      if (!g) {
        g = { key, kind: 'container', host: h.name, network: c.network, members: [], ips: [] };
        byKey.set(key, g);
        groups.push(g);
      }
      g.members.push(c.id);
      g.ips.push(c.ip);
    }
  for (const h of plan.hosts)
    groups.push({ key: `h:${h.name}`, kind: 'host', host: h.name, members: [h.name], ips: [h.address] });
  for (const d of plan.devices.filter((x) => x.kind === 'machine')) {
    groups.push({ key: `d:${d.name}`, kind: 'device', host: d.name, members: [d.name], ips: [d.address] });
  }
  return groups;
}

/** The nodes of a plan and who owns an address; container nodes are made once per address asked for. */
function worldOf(plan: Plan, groups: Group[]): { owner: Owner; nodeOf: (g: Group, ip: Ip) => Node } {
  const nodes = new Map<string, Node>();
  for (const h of plan.hosts) nodes.set(h.name, hostNode(plan, h.name));
  for (const d of plan.devices) nodes.set(`dev:${d.name}`, deviceNode(plan, d.name));
  const fixed = new Map<Ip, { iface: Iface; node: Node }>();
  for (const n of nodes.values()) for (const i of n.ifaces) fixed.set(i.ip, { iface: i, node: n });
  const containerGroup = new Map<Ip, Group>();
  for (const g of groups) if (g.kind === 'container') for (const ip of g.ips) containerGroup.set(ip, g);
  const containerNodes = new Map<Ip, { iface: Iface; node: Node }>();
  const containerAt = (g: Group, ip: Ip) => {
    let n = containerNodes.get(ip);
    if (!n) {
      const node = containerNode(plan, g.host, g.network!, ip);
      n = { iface: node.ifaces[0], node };
      containerNodes.set(ip, n);
    }
    return n;
  };
  const owner: Owner = (ip) => {
    const f = fixed.get(ip);
    if (f) return f;
    const g = containerGroup.get(ip);
    return g ? containerAt(g, ip) : undefined;
  };
  const nodeOf = (g: Group, ip: Ip): Node =>
    g.kind === 'container'
      ? containerAt(g, ip).node
      : g.kind === 'host'
        ? nodes.get(g.host)!
        : nodes.get(`dev:${g.host}`)!;
  return { owner, nodeOf };
}

/** Is there a pair from group a to group b at all (host -> host is not predicted, a lone container has no peer)? */
function paired(a: Group, b: Group): boolean {
  if (a.kind !== 'container' && b.kind !== 'container') return false;
  return a !== b || a.members.length >= 2;
}

/**
 * Predicts every pair of groups: a verdict code per ordered pair, and the sentences only when a verdict is read.
 * `singletons` puts every endpoint in its own group: the naive per-pair method (benchmarks only).
 */
export function predict(plan: Plan, opts: { singletons?: boolean } = {}): Prediction {
  const groups = groupsOf(plan, opts.singletons ?? false);
  const { owner, nodeOf } = worldOf(plan, groups);
  const passthru = passthruSet(plan);
  const quick: World = { plan, passthru, owner, explain: false };
  const full: World = { ...quick, explain: true };
  const judge = (i: number, j: number, explain: boolean): Verdict | null => {
    const a = groups[i],
      b = groups[j];
    if (!paired(a, b)) return null;
    const w = explain ? full : quick;
    const aIp = a.ips[0];
    const bIp = a === b ? a.ips[1] : b.ips[0];
    const there = oneWay(w, nodeOf(a, aIp), bIp);
    if (!there.ok) return { expected: 'unreachable', reason: there.reason, why: there.detail };
    const back = oneWay(w, nodeOf(b, bIp), there.iface.ip);
    if (!back.ok) {
      const reason: Reason = back.reason === 'no-gateway' || back.reason === 'no-route' ? 'no-route-back' : back.reason;
      return {
        expected: 'unreachable',
        reason,
        why: explain ? `the reply to ${formatIp(there.iface.ip)} fails: ${back.detail}` : '',
      };
    }
    return { expected: 'reachable', reason: there.reason, why: explain ? describe(there.reason, a, b) : '' };
  };
  const n = groups.length;
  const kinds: { expected: Reach; reason: Reason }[] = [];
  const kindIndex = { reachable: new Map<Reason, number>(), unreachable: new Map<Reason, number>() };
  const codes = new Uint8Array(n * n);
  let pairCount = 0;
  for (let i = 0; i < n; i++) {
    const size = groups[i].members.length;
    for (let j = 0; j < n; j++) {
      const v = judge(i, j, false);
      if (!v) continue;
      let code = kindIndex[v.expected].get(v.reason);
      if (code === undefined) {
        kinds.push({ expected: v.expected, reason: v.reason });
        code = kinds.length;
        kindIndex[v.expected].set(v.reason, code);
      }
      codes[i * n + j] = code;
      pairCount += size * groups[j].members.length - (i === j ? size : 0);
    }
  }
  const verdict = (i: number, j: number): Verdict | null => {
    const code = codes[i * n + j];
    if (code === 0) return null;
    const { expected, reason } = kinds[code - 1];
    return {
      expected,
      reason,
      get why() {
        return judge(i, j, true)!.why;
      },
    } as Verdict;
  };
  return { groups, codes, kinds, verdict, pairCount };
}

function describe(reason: Reason, a: Group, b: Group): string {
  switch (reason) {
    case 'same-host-bridge':
      return `same host ${a.host}, bridge mode: switched inside the macvlan driver`;
    case 'over-lan':
      return a.host === b.host
        ? `same host ${a.host}, different parents: across the LAN`
        : `${a.host} -> ${b.host} across the LAN`;
    case 'via-shim':
      return `through ${a.kind === 'host' ? a.host : b.kind === 'host' ? b.host : a.host}'s macvlan shim`;
    case 'via-router':
      return 'forwarded by the router on the LAN';
    default:
      return REASON_TEXT[reason];
  }
}

/** Expands group verdicts into ordered endpoint pairs (lazily); a group pair's sentence is made once. */
export function* pairs(p: Prediction): Generator<PairVerdict & { device: boolean }> {
  for (let i = 0; i < p.groups.length; i++) {
    const a = p.groups[i];
    for (let j = 0; j < p.groups.length; j++) {
      const lazy = p.verdict(i, j);
      if (!lazy) continue;
      const v: Verdict = { expected: lazy.expected, reason: lazy.reason, why: lazy.why };
      const b = p.groups[j];
      const device = a.kind === 'device' || b.kind === 'device';
      for (const from of a.members)
        for (const to of b.members) {
          if (from === to) continue;
          yield { from, to, ...v, device };
        }
    }
  }
}

/** The verdict for one ordered pair of endpoint ids. */
export function verdictFor(p: Prediction, from: string, to: string): Verdict | null {
  const i = p.groups.findIndex((g) => g.members.includes(from));
  const j = p.groups.findIndex((g) => g.members.includes(to));
  if (i < 0 || j < 0 || from === to) return null;
  const v = p.verdict(i, j);
  return v && { expected: v.expected, reason: v.reason, why: v.why };
}
