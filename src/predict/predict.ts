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
import { REASON_TEXT, type Reason, type Verdict } from './reasons.ts';

/** A layer-2 attachment of a node. */
interface Iface {
  /** the box it lives in: a host name, or dev:NAME for a LAN device */
  host: string;
  /** parent name (without VLAN) */
  parent: string;
  vlan?: number;
  kind: 'parent' | 'macvlan';
  mode?: MacvlanMode;
  shim?: boolean;
  ip: Ip;
  /** on-link subnet of this address */
  subnet: Cidr;
  label: string;
}

interface Node {
  label: string;
  ifaces: Iface[];
  gateway?: Ip;
  /** on-link routes through an interface (a shim) */
  routes: { to: Cidr; iface: Iface }[];
  forwards: boolean;
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
}

export interface Prediction {
  groups: Group[];
  /** verdict[from][to]; null where no pair is predicted (host -> host, a lone container to itself) */
  matrix: (Verdict | null)[][];
  pairCount: number;
}

function netOf(plan: Plan, name: string): NetworkSpec {
  return plan.networks.find((n) => n.name === name)!;
}

function containerNode(plan: Plan, host: string, network: string, ip: Ip): Node {
  const net = netOf(plan, network);
  const hn = plan.hosts.find((h) => h.name === host)!.networks.find((n) => n.network === network)!;
  return {
    label: `${host}/container`,
    ifaces: [{ host, parent: hn.parent, vlan: net.vlan, kind: 'macvlan', mode: net.mode, ip, subnet: net.subnet, label: `${host} macvlan on ${hn.link}` }],
    gateway: hn.gateway, routes: [], forwards: false,
  };
}

function hostNode(plan: Plan, host: string): Node {
  const h = plan.hosts.find((x) => x.name === host)!;
  const node: Node = {
    label: host, forwards: h.forward, gateway: h.gateway, routes: [],
    ifaces: [{ host, parent: h.interface, kind: 'parent', ip: h.address, subnet: plan.lan, label: `${host} ${h.interface}` }],
  };
  for (const hn of h.networks) {
    if (hn.shim === undefined) continue;
    const net = netOf(plan, hn.network);
    const shim: Iface = { host, parent: hn.parent, vlan: net.vlan, kind: 'macvlan', mode: 'bridge', shim: true, ip: hn.shim, subnet: { base: hn.shim, prefix: 32 }, label: `${host} shim ${hn.shimName} on ${hn.link}` };
    node.ifaces.push(shim);
    node.routes.push({ to: net.subnet, iface: shim });
  }
  return node;
}

function deviceNode(plan: Plan, name: string): Node {
  const d = plan.devices.find((x) => x.name === name)!;
  const box = `dev:${name}`;
  const ifaces: Iface[] = [
    { host: box, parent: 'eth0', kind: 'parent', ip: d.address, subnet: plan.lan, label: `${d.kind} ${name}` },
    ...d.addresses.map((a) => ({ host: box, parent: 'eth0', kind: 'parent' as const, ip: a.ip, subnet: { base: (a.ip & (a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)))) >>> 0, prefix: a.prefix }, label: `${d.kind} ${name}` })),
  ];
  return { label: `${d.kind} ${name}`, ifaces, gateway: d.gateway, routes: [], forwards: d.kind === 'router' };
}

/** A node's on-link subnets and routes, longest prefix first (the order a lookup wants), made once per node. */
const tables = new WeakMap<Node, { to: Cidr; iface: Iface }[]>();

function table(node: Node): { to: Cidr; iface: Iface }[] {
  let t = tables.get(node);
  if (!t) {
    t = [...node.ifaces.map((i) => ({ to: i.subnet, iface: i })), ...node.routes.map((r) => ({ to: r.to, iface: r.iface }))]
      .sort((x, y) => y.to.prefix - x.to.prefix);
    tables.set(node, t);
  }
  return t;
}

/** Route lookup (longest prefix): the interface a packet for `dst` leaves by, and its next hop. */
function route(node: Node, dst: Ip): { iface: Iface; nextHop: Ip } | null {
  const t = table(node);
  const hit = t.find((c) => contains(c.to, dst));
  if (hit) return { iface: hit.iface, nextHop: dst };
  if (node.gateway !== undefined) {
    const g = node.gateway;
    return { iface: t.find((c) => contains(c.to, g))?.iface ?? node.ifaces[0], nextHop: g };
  }
  return null;
}

/** host + parent pairs whose parent a passthru network (no VLAN) takes over, made once per plan. */
const passthruParents = new WeakMap<Plan, Set<string>>();

function passthruSet(plan: Plan): Set<string> {
  let set = passthruParents.get(plan);
  if (!set) {
    set = new Set();
    for (const h of plan.hosts) for (const n of h.networks) {
      const net = netOf(plan, n.network);
      if (!net.vlan && net.mode === 'passthru') set.add(`${h.name}\n${n.parent}`);
    }
    passthruParents.set(plan, set);
  }
  return set;
}

/** Layer 2 between two interfaces: can a frame from a reach b? */
function l2(plan: Plan, a: Iface, b: Iface): { ok: boolean; reason: Reason } {
  if ((a.vlan ?? 0) !== (b.vlan ?? 0)) return { ok: false, reason: 'vlan-mismatch' };
  const passthru = passthruSet(plan);
  const passthruOn = (i: Iface) => i.kind === 'parent' && passthru.size > 0 && passthru.has(`${i.host}\n${i.parent}`);
  if (passthruOn(a) || passthruOn(b)) return { ok: false, reason: 'passthru-takes-parent' };
  if (a.host !== b.host || a.parent !== b.parent) return { ok: true, reason: 'over-lan' };
  if (a.kind === 'parent' && b.kind === 'parent') return { ok: true, reason: 'over-lan' };
  // same host, same parent (and VLAN)
  if (a.kind === 'parent' || b.kind === 'parent') return { ok: false, reason: 'parent-isolation' };
  if (a.mode === 'private' || b.mode === 'private') return { ok: false, reason: 'private-mode' };
  if (a.mode === 'bridge' && b.mode === 'bridge') return { ok: true, reason: 'same-host-bridge' };
  return plan.hairpin ? { ok: true, reason: 'vepa-hairpin' } : { ok: false, reason: 'vepa-no-hairpin' };
}

type Owner = (ip: Ip) => { iface: Iface; node: Node } | undefined;
type Way = { ok: true; iface: Iface; reason: Reason } | { ok: false; reason: Reason; detail: string };

/** One direction: from `src` to address `dst`, hop by hop through forwarding nodes. */
function oneWay(plan: Plan, src: Node, dst: Ip, owner: Owner): Way {
  let node = src;
  let first: Iface | undefined;
  let reason: Reason | undefined;
  for (let hop = 0; hop < 6; hop++) {
    const r = route(node, dst);
    if (!r) return { ok: false, reason: 'no-route', detail: `${node.label} has no route to ${formatIp(dst)} (outside ${node.ifaces.map((i) => formatCidr(i.subnet)).join(', ')}, no gateway)` };
    const o = owner(r.nextHop);
    if (!o) {
      if (r.nextHop !== dst) return { ok: false, reason: 'no-gateway', detail: `${formatIp(dst)} is outside ${formatCidr(r.iface.subnet)}; it goes to the gateway ${formatIp(r.nextHop)}, where no device answers (Destination Host Unreachable)` };
      return { ok: false, reason: 'no-arp-reply', detail: `nothing owns ${formatIp(dst)}` };
    }
    const link = l2(plan, r.iface, o.iface);
    if (!link.ok) return { ok: false, reason: link.reason, detail: `${r.iface.label} -> ${o.iface.label}: ${REASON_TEXT[link.reason]}` };
    first ??= r.iface;
    reason ??= r.iface.shim || o.iface.shim ? 'via-shim' : link.reason;
    if (o.node.ifaces.some((i) => i.ip === dst)) return { ok: true, iface: first, reason };
    if (!o.node.forwards) return { ok: false, reason: 'no-forwarding', detail: `${o.node.label} receives the packet for ${formatIp(dst)} but does not forward it` };
    node = o.node;
    reason = 'via-router';
  }
  return { ok: false, reason: 'no-route', detail: `no path to ${formatIp(dst)} within 6 hops` };
}

/** `singletons` puts every endpoint in its own group: the naive per-pair method (benchmarks only). */
export function predict(plan: Plan, opts: { singletons?: boolean } = {}): Prediction {
  const groups: Group[] = [];
  const byKey = new Map<string, Group>();
  for (const h of plan.hosts) for (const c of h.containers) {
    const key = opts.singletons ? `c:${c.id}` : `c:${h.name}:${c.network}`;
    let g = byKey.get(key);
    if (!g) { g = { key, kind: 'container', host: h.name, network: c.network, members: [], ips: [] }; byKey.set(key, g); groups.push(g); }
    g.members.push(c.id);
    g.ips.push(c.ip);
  }
  for (const h of plan.hosts) groups.push({ key: `h:${h.name}`, kind: 'host', host: h.name, members: [h.name], ips: [h.address] });
  for (const d of plan.devices.filter((x) => x.kind === 'machine')) groups.push({ key: `d:${d.name}`, kind: 'device', host: d.name, members: [d.name], ips: [d.address] });

  const nodes = new Map<string, Node>();
  for (const h of plan.hosts) nodes.set(h.name, hostNode(plan, h.name));
  for (const d of plan.devices) nodes.set(`dev:${d.name}`, deviceNode(plan, d.name));
  const fixed = new Map<Ip, { iface: Iface; node: Node }>();
  for (const n of nodes.values()) for (const i of n.ifaces) fixed.set(i.ip, { iface: i, node: n });
  const containerGroup = new Map<Ip, Group>();
  for (const g of groups) if (g.kind === 'container') for (const ip of g.ips) containerGroup.set(ip, g);
  // a container's node, made once per address asked for (a group's first two, and owners found on the way)
  const containerNodes = new Map<Ip, Node>();
  const containerAt = (g: Group, ip: Ip): Node => {
    let n = containerNodes.get(ip);
    if (!n) { n = containerNode(plan, g.host, g.network!, ip); containerNodes.set(ip, n); }
    return n;
  };
  const owner: Owner = (ip) => {
    const f = fixed.get(ip);
    if (f) return f;
    const g = containerGroup.get(ip);
    if (!g) return undefined;
    const node = containerAt(g, ip);
    return { iface: node.ifaces[0], node };
  };
  const nodeOf = (g: Group, ip: Ip): Node => g.kind === 'container' ? containerAt(g, ip) : g.kind === 'host' ? nodes.get(g.host)! : nodes.get(`dev:${g.host}`)!;

  const matrix: (Verdict | null)[][] = groups.map((a) => groups.map((b) => {
    if (a.kind !== 'container' && b.kind !== 'container') return null;
    if (a === b && a.members.length < 2) return null;
    const aIp = a.ips[0];
    const bIp = a === b ? a.ips[1] : b.ips[0];
    const there = oneWay(plan, nodeOf(a, aIp), bIp, owner);
    if (!there.ok) return { expected: 'unreachable', reason: there.reason, why: there.detail };
    const back = oneWay(plan, nodeOf(b, bIp), there.iface.ip, owner);
    if (!back.ok) {
      const reason: Reason = back.reason === 'no-gateway' || back.reason === 'no-route' ? 'no-route-back' : back.reason;
      return { expected: 'unreachable', reason, why: `the reply to ${formatIp(there.iface.ip)} fails: ${back.detail}` };
    }
    return { expected: 'reachable', reason: there.reason, why: describe(there.reason, a, b) };
  }));
  let pairCount = 0;
  groups.forEach((a, i) => groups.forEach((b, j) => { if (matrix[i][j]) pairCount += a.members.length * b.members.length - (a === b ? a.members.length : 0); }));
  return { groups, matrix, pairCount };
}

function describe(reason: Reason, a: Group, b: Group): string {
  switch (reason) {
    case 'same-host-bridge': return `same host ${a.host}, bridge mode: switched inside the macvlan driver`;
    case 'over-lan': return a.host === b.host ? `same host ${a.host}, different parents: across the LAN` : `${a.host} -> ${b.host} across the LAN`;
    case 'via-shim': return `through ${a.kind === 'host' ? a.host : b.kind === 'host' ? b.host : a.host}'s macvlan shim`;
    case 'via-router': return 'forwarded by the router on the LAN';
    default: return REASON_TEXT[reason];
  }
}

/** Expands group verdicts into ordered endpoint pairs (lazily). */
export function* pairs(p: Prediction): Generator<PairVerdict & { device: boolean }> {
  for (let i = 0; i < p.groups.length; i++) {
    const a = p.groups[i];
    for (let j = 0; j < p.groups.length; j++) {
      const v = p.matrix[i][j];
      if (!v) continue;
      const b = p.groups[j];
      const device = a.kind === 'device' || b.kind === 'device';
      for (const from of a.members) for (const to of b.members) {
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
  return p.matrix[i][j];
}
