/**
 * Reachability prediction. Endpoints that behave alike are grouped (containers of one host and network;
 * each host), verdicts are computed per ordered pair of groups, and pairs are expanded only on demand,
 * so the cost grows with groups, not with pairs.
 *
 * The model: each endpoint has interfaces on the LAN (the host's parent, a container's macvlan, a host's
 * shim). A ping from A to B needs a forward path (route lookup on A, then layer 2 from A's interface to
 * the next hop) and the same back from B to A's address.
 */
import { contains, formatCidr, formatIp, type Cidr, type Ip } from '../net/ipv4.ts';
import type { Plan, PlannedContainer } from '../plan/types.ts';
import type { MacvlanMode, NetworkSpec } from '../topology/types.ts';
import { REASON_TEXT, type Reason, type Verdict } from './reasons.ts';

/** A layer-2 attachment of an endpoint. */
interface Iface {
  host: string;
  /** parent name (without VLAN) */
  parent: string;
  vlan?: number;
  kind: 'parent' | 'macvlan';
  mode?: MacvlanMode;
  ip: Ip;
  /** on-link subnet of this interface */
  subnet: Cidr;
  label: string;
}

interface Node {
  ifaces: Iface[];
  /** default gateway of a container */
  gateway?: Ip;
  /** extra on-link routes (shim): destination -> interface */
  routes: { to: Cidr; iface: Iface }[];
}

export interface Group {
  key: string;
  kind: 'container' | 'host';
  host: string;
  network?: string;
  members: string[];
  /** addresses of members, same order */
  ips: Ip[];
}

export interface PairVerdict extends Verdict {
  from: string;
  to: string;
}

export interface Prediction {
  groups: Group[];
  /** verdict[fromGroupIndex][toGroupIndex]; host -> host is not predicted (null) */
  matrix: (Verdict | null)[][];
  pairCount: number;
}

function hostIface(plan: Plan, hostName: string): Iface {
  const h = plan.hosts.find((x) => x.name === hostName)!;
  return { host: h.name, parent: h.interface, kind: 'parent', ip: h.address, subnet: plan.lan, label: `${h.name} ${h.interface}` };
}

function netOf(plan: Plan, name: string): NetworkSpec {
  return plan.networks.find((n) => n.name === name)!;
}

function containerNode(plan: Plan, host: string, network: string, ip: Ip): Node {
  const net = netOf(plan, network);
  const hn = plan.hosts.find((h) => h.name === host)!.networks.find((n) => n.network === network)!;
  return {
    ifaces: [{ host, parent: hn.parent, vlan: net.vlan, kind: 'macvlan', mode: net.mode, ip, subnet: net.subnet, label: `${host} macvlan on ${hn.link}` }],
    gateway: net.gateway,
    routes: [],
  };
}

function hostNode(plan: Plan, host: string): Node {
  const main = hostIface(plan, host);
  const node: Node = { ifaces: [main], routes: [] };
  const hp = plan.hosts.find((h) => h.name === host)!;
  for (const hn of hp.networks) {
    if (hn.shim === undefined) continue;
    const net = netOf(plan, hn.network);
    const shim: Iface = { host, parent: hn.parent, vlan: net.vlan, kind: 'macvlan', mode: 'bridge', ip: hn.shim, subnet: { base: hn.shim, prefix: 32 }, label: `${host} shim on ${hn.link}` };
    node.ifaces.push(shim);
    node.routes.push({ to: net.subnet, iface: shim });
  }
  return node;
}

type Step = { ok: true; iface: Iface; via?: Reason } | { ok: false; reason: Reason; detail: string };

/** Route lookup (longest prefix): which interface does `node` send a packet for `dst` out of, and to which next hop. */
function route(node: Node, dst: Ip): { iface: Iface; nextHop: Ip; shim: boolean } | null {
  const cands = [
    ...node.ifaces.map((i) => ({ to: i.subnet, iface: i, shim: false })),
    ...node.routes.map((r) => ({ to: r.to, iface: r.iface, shim: true })),
  ].filter((c) => contains(c.to, dst)).sort((x, y) => y.to.prefix - x.to.prefix);
  if (cands.length > 0) return { iface: cands[0].iface, nextHop: dst, shim: cands[0].shim };
  if (node.gateway !== undefined) return { iface: node.ifaces[0], nextHop: node.gateway, shim: false };
  return null;
}

/** Layer 2 between two interfaces: can a frame from a reach b? */
function l2(plan: Plan, a: Iface, b: Iface): { ok: true; reason: Reason } | { ok: false; reason: Reason } {
  if ((a.vlan ?? 0) !== (b.vlan ?? 0)) return { ok: false, reason: 'vlan-mismatch' };
  const passthruOn = (i: Iface) => i.kind === 'parent' && plan.hosts.find((h) => h.name === i.host)!.networks
    .some((n) => n.parent === i.parent && !netOf(plan, n.network).vlan && netOf(plan, n.network).mode === 'passthru');
  if (passthruOn(a) || passthruOn(b)) return { ok: false, reason: 'passthru-takes-parent' };
  if (a.host !== b.host || a.parent !== b.parent) return { ok: true, reason: 'over-lan' };
  // same host, same parent (and VLAN)
  if (a.kind === 'parent' || b.kind === 'parent') return { ok: false, reason: 'parent-isolation' };
  if (a.mode === 'private' || b.mode === 'private') return { ok: false, reason: 'private-mode' };
  if (a.mode === 'bridge' && b.mode === 'bridge') return { ok: true, reason: 'same-host-bridge' };
  return plan.hairpin ? { ok: true, reason: 'vepa-hairpin' } : { ok: false, reason: 'vepa-no-hairpin' };
}

/** One direction: from node `src` to address `dst` owned by interface `dstIface` (or nobody). */
function oneWay(plan: Plan, src: Node, dst: Ip, owner: (ip: Ip) => Iface | undefined): Step & { srcIp?: Ip; text?: string } {
  const r = route(src, dst);
  if (!r) return { ok: false, reason: 'no-route', detail: `no route to ${formatIp(dst)} (outside ${formatCidr(src.ifaces[0].subnet)}, no gateway)` };
  const hop = owner(r.nextHop);
  if (!hop) {
    if (r.nextHop !== dst) return { ok: false, reason: 'no-gateway', detail: `${formatIp(dst)} is outside ${formatCidr(r.iface.subnet)}; it goes to the gateway ${formatIp(r.nextHop)}, where no device answers (Destination Host Unreachable)` };
    return { ok: false, reason: 'no-arp-reply', detail: `nothing owns ${formatIp(dst)}` };
  }
  const link = l2(plan, r.iface, hop);
  if (!link.ok) return { ok: false, reason: link.reason, detail: `${r.iface.label} -> ${hop.label}: ${REASON_TEXT[link.reason]}` };
  return { ok: true, iface: r.iface, via: r.shim ? 'via-shim' : link.reason };
}

/** `singletons` puts every endpoint in its own group: the naive per-pair method (benchmarks only). */
export function predict(plan: Plan, opts: { singletons?: boolean } = {}): Prediction {
  const groups: Group[] = [];
  const byKey = new Map<string, Group>();
  for (const h of plan.hosts) {
    for (const c of h.containers) {
      const key = opts.singletons ? `c:${c.id}` : `c:${h.name}:${c.network}`;
      let g = byKey.get(key);
      if (!g) { g = { key, kind: 'container', host: h.name, network: c.network, members: [], ips: [] }; byKey.set(key, g); groups.push(g); }
      g.members.push(c.id);
      g.ips.push(c.ip);
    }
  }
  for (const h of plan.hosts) {
    const g: Group = { key: `h:${h.name}`, kind: 'host', host: h.name, members: [h.name], ips: [h.address] };
    groups.push(g);
  }
  // who owns an address (one representative per group is enough: members of a group are alike)
  const hostIfaces = new Map(plan.hosts.map((h) => [h.name, hostNode(plan, h.name)]));
  const ownerTable = new Map<Ip, Iface>();
  for (const n of hostIfaces.values()) for (const i of n.ifaces) ownerTable.set(i.ip, i);
  const contIface = new Map<string, Iface>();
  for (const g of groups) if (g.kind === 'container') contIface.set(g.key, containerNode(plan, g.host, g.network!, g.ips[0]).ifaces[0]);
  const containerGroup = new Map<Ip, Group>();
  for (const g of groups) if (g.kind === 'container') for (const ip of g.ips) containerGroup.set(ip, g);
  const containerOwner = (ip: Ip): Iface | undefined => {
    const g = containerGroup.get(ip);
    return g ? { ...contIface.get(g.key)!, ip } : undefined;
  };
  const owner = (ip: Ip) => ownerTable.get(ip) ?? containerOwner(ip);

  const nodeOf = (g: Group, ip: Ip): Node => g.kind === 'host' ? hostIfaces.get(g.host)! : containerNode(plan, g.host, g.network!, ip);

  const matrix: (Verdict | null)[][] = groups.map((a) => groups.map((b) => {
    if (a.kind === 'host' && b.kind === 'host') return null;
    if (a === b && a.members.length < 2) return null;
    const aIp = a.ips[0];
    const bIp = a === b ? a.ips[1] : b.ips[0];
    const there = oneWay(plan, nodeOf(a, aIp), bIp, owner);
    if (!there.ok) return { expected: 'unreachable', reason: there.reason, why: there.detail };
    const back = oneWay(plan, nodeOf(b, bIp), there.iface.ip, owner);
    if (!back.ok) return { expected: 'unreachable', reason: back.reason === 'no-gateway' || back.reason === 'no-route' ? 'no-route-back' : back.reason, why: `the reply fails: ${back.detail}` };
    const reason = there.via!;
    return { expected: 'reachable', reason, why: describe(reason, a, b) };
  }));
  let pairCount = 0;
  groups.forEach((a, i) => groups.forEach((b, j) => { if (matrix[i][j]) pairCount += a.members.length * b.members.length - (a === b ? a.members.length : 0); }));
  return { groups, matrix, pairCount };
}

function describe(reason: Reason, a: Group, b: Group): string {
  switch (reason) {
    case 'same-host-bridge': return `same host ${a.host}, bridge mode: switched inside the macvlan driver`;
    case 'over-lan': return a.host === b.host ? `same host ${a.host}, different parents: across the LAN` : `${a.host} -> ${b.host} across the LAN`;
    default: return REASON_TEXT[reason];
  }
}

/** Expands group verdicts into ordered endpoint pairs (lazily). */
export function* pairs(p: Prediction): Generator<PairVerdict> {
  for (let i = 0; i < p.groups.length; i++) {
    const a = p.groups[i];
    for (let j = 0; j < p.groups.length; j++) {
      const v = p.matrix[i][j];
      if (!v) continue;
      const b = p.groups[j];
      for (const from of a.members) for (const to of b.members) {
        if (from === to) continue;
        yield { from, to, ...v };
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

export type { PlannedContainer };
