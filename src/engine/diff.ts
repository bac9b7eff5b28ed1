/** Desired vs live on one host: the minimum of changes, with drift named. Pure. */
import type { LiveContainer, LiveNetwork } from './engine.ts';
import type { Desired } from './desired.ts';
import { LABEL } from './labels.ts';
import type { LiveShim } from './shim.ts';
import type { RouteSpec } from './routes.ts';
import type { MemberRecord } from './membership.ts';

export type Action = 'create' | 'recreate' | 'remove' | 'start' | 'scale';

/**
 * Why a change is called for: `missing` (not on the host yet), `changed` (changed in the file), `drift` (changed
 * by hand), `stopped`, `network-recreated` (its network is remade), `unplanned` (no longer in the file),
 * `host-removed` (its host left the file), `replicas` (a service's count changed).
 */
export type ChangeReason =
  'missing' | 'changed' | 'drift' | 'stopped' | 'network-recreated' | 'unplanned' | 'host-removed' | 'replicas';

export interface Change {
  host: string;
  kind: 'network' | 'container' | 'shim' | 'route' | 'service' | 'record';
  name: string;
  action: Action;
  /** why, as a code a pipeline can gate on */
  reason: ChangeReason;
  /** why, in words: "not there", "changed in the file", or the drift seen */
  why: string;
  /** the live object differs from what mvnet made (changed by hand) */
  drift: boolean;
  liveId?: string;
  /** for a recreate: each field that changed, from its live value to the planned one */
  fields?: FieldChange[];
}

export interface FieldChange {
  field: string;
  from: string;
  to: string;
}

/** A live object the file no longer has: removed. */
export function removal(host: string, kind: Change['kind'], name: string, liveId: string, why: string): Change {
  return { host, kind, name, action: 'remove', reason: 'unplanned', why, drift: false, liveId };
}

const show = (v: unknown): string =>
  v === undefined || v === null ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v);

/**
 * What changed between the body an object was made from (its label, or what the engine shows of it) and the
 * planned one, field by field. Fields the live side does not show are left out.
 */
export function fieldChanges(live: Record<string, unknown>, want: Record<string, unknown>): FieldChange[] {
  const out: FieldChange[] = [];
  for (const [field, to] of Object.entries(want)) {
    if (!(field in live)) continue;
    if (JSON.stringify(live[field]) !== JSON.stringify(to)) out.push({ field, from: show(live[field]), to: show(to) });
  }
  return out;
}

function bodyOf(labels: Record<string, string>): Record<string, unknown> | null {
  try {
    return labels[LABEL.body] ? (JSON.parse(labels[LABEL.body]) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A live network as a body: its label when mvnet wrote one, else the fields the engine shows. */
function liveNetworkBody(l: LiveNetwork): Record<string, unknown> {
  return (
    bodyOf(l.labels) ??
    Object.fromEntries(
      Object.entries({ parent: l.parent, subnet: l.subnet, ipRange: l.ipRange }).filter(([, v]) => v !== undefined),
    )
  );
}

function liveContainerBody(l: LiveContainer): Record<string, unknown> {
  const network = Object.keys(l.networks)[0];
  return (
    bodyOf(l.labels) ?? {
      image: l.image,
      ...(network ? { network } : {}),
      ...(l.labels[LABEL.ip] ? { ip: l.labels[LABEL.ip] } : {}),
    }
  );
}

/** Planned fields without mvnet's own bookkeeping. */
function body(x: object, drop: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(x).filter(([k]) => !drop.includes(k)));
}
const BOOKKEEPING = ['spec', 'labels', 'id'];

export interface Live {
  networks: LiveNetwork[];
  containers: LiveContainer[];
  /** read only where host access is or was in use */
  shims?: LiveShim[];
  /** a routed network's routes (mvnet's protocol, in the topology's routed subnets); read where one is or was */
  routes?: RouteSpec[];
  /** this host's membership record(s) */
  record?: MemberRecord;
  /** containers that are not this topology's, attached to one of its networks */
  foreign?: ForeignEndpoint[];
  /** helper containers left by runs that died (removed by the next apply) */
  leftovers?: string[];
}

export interface ForeignEndpoint {
  container: string;
  network: string;
  ip: string;
}

export function diffHost(want: Desired, live: Live): Change[] {
  const recreatedNets = new Set<string>();
  return [
    ...networkChanges(want, live, recreatedNets),
    ...containerChanges(want, live, recreatedNets),
    ...shimChanges(want, live),
    ...routeChanges(want.host, want.routes, live.routes),
  ];
}

/** Networks missing, changed in the file (recreated: `recreatedNets` learns their names) or no longer in it. */
function networkChanges(want: Desired, live: Live, recreatedNets: Set<string>): Change[] {
  const changes: Change[] = [];
  const host = want.host;
  for (const n of want.networks) {
    const l = live.networks.find((x) => x.labels[LABEL.name] === n.name);
    if (!l)
      changes.push({
        host,
        kind: 'network',
        name: n.name,
        action: 'create',
        reason: 'missing',
        why: 'not there',
        drift: false,
      });
    else if (l.labels[LABEL.spec] !== n.spec) {
      const fields = fieldChanges(liveNetworkBody(l), body(n, BOOKKEEPING));
      changes.push({
        host,
        kind: 'network',
        name: n.name,
        action: 'recreate',
        reason: 'changed',
        why: 'changed in the file',
        drift: false,
        liveId: l.id,
        fields,
      });
      recreatedNets.add(n.name);
    }
  }
  for (const l of live.networks) {
    if (!want.networks.some((n) => n.name === l.labels[LABEL.name])) {
      changes.push(removal(host, 'network', l.labels[LABEL.name] ?? l.name, l.id, 'no longer in the file'));
      recreatedNets.add(l.labels[LABEL.name] ?? l.name);
    }
  }
  return changes;
}

/** Containers missing, changed, drifted (address, MAC, network), stopped, or no longer in the file. */
function containerChanges(want: Desired, live: Live, recreatedNets: Set<string>): Change[] {
  const changes: Change[] = [];
  const host = want.host;
  for (const c of want.containers) {
    const l = live.containers.find((x) => x.labels[LABEL.name] === c.name);
    if (!l) {
      changes.push({
        host,
        kind: 'container',
        name: c.name,
        action: 'create',
        reason: 'missing',
        why: 'not there',
        drift: false,
      });
      continue;
    }
    const ep = l.networks[c.network];
    let why: string | null = null,
      cause: ChangeReason = 'changed',
      drift = false;
    if (recreatedNets.has(c.network)) [why, cause] = [`its network ${c.network} is recreated`, 'network-recreated'];
    else if (l.labels[LABEL.spec] !== c.spec) why = 'changed in the file';
    else if (!ep) {
      why = `disconnected from ${c.network} by hand`;
      drift = true;
    } else if (l.state !== 'running') {
      /* a stopped container shows no address: started below, checked next time */
    } else if (ep.ip !== c.ip) {
      why = `address ${ep.ip || 'none'} differs from the planned ${c.ip}`;
      drift = true;
    } else if (c.ip6 && ep.ip6 !== c.ip6) {
      why = `IPv6 address ${ep.ip6 || 'none'} differs from the planned ${c.ip6}`;
      drift = true;
    } else if (ep.mac && ep.mac.toLowerCase() !== c.mac) {
      why = `MAC ${ep.mac} differs from the planned ${c.mac}`;
      drift = true;
    }
    if (why) {
      const fields = fieldChanges(
        {
          ...liveContainerBody(l),
          ...(drift && ep ? { ip: ep.ip, ...(ep.mac ? { mac: ep.mac.toLowerCase() } : {}) } : {}),
        },
        body(c, BOOKKEEPING),
      );
      changes.push({
        host,
        kind: 'container',
        name: c.name,
        action: 'recreate',
        reason: drift ? 'drift' : cause,
        why,
        drift,
        liveId: l.id,
        fields,
      });
    } else if (l.state !== 'running')
      changes.push({
        host,
        kind: 'container',
        name: c.name,
        action: 'start',
        reason: 'stopped',
        why: `${l.state}, not running`,
        drift: true,
        liveId: l.id,
      });
  }
  for (const l of live.containers) {
    if (!want.containers.some((c) => c.name === l.labels[LABEL.name])) {
      changes.push(removal(host, 'container', l.labels[LABEL.name] ?? l.name, l.id, 'no longer in the file'));
    }
  }
  return changes;
}

/** Host-access shims missing, drifted (address, route, IPv6, down) or no longer wanted. */
function shimChanges(want: Desired, live: Live): Change[] {
  const changes: Change[] = [];
  const host = want.host;
  for (const s of want.shims) {
    const l = live.shims?.find((x) => x.name === s.name);
    if (!l)
      changes.push({
        host,
        kind: 'shim',
        name: s.name,
        action: 'create',
        reason: 'missing',
        why: `host access on ${s.link}`,
        drift: false,
      });
    else if (s.ip6 && (l.ip6 !== s.ip6 || !l.routes6.includes(s.subnet6!))) {
      changes.push({
        host,
        kind: 'shim',
        name: s.name,
        action: 'recreate',
        reason: l.ip6 !== undefined ? 'drift' : 'changed',
        why: `live shim without ${s.ip6 === l.ip6 ? `a route to ${s.subnet6}` : `IPv6 address ${s.ip6}`}`,
        drift: l.ip6 !== undefined,
      });
    } else if (l.ip !== s.ip || !l.routes.includes(s.subnet) || !l.up) {
      changes.push({
        host,
        kind: 'shim',
        name: s.name,
        action: 'recreate',
        reason: 'drift',
        why:
          `live shim ${l.ip ?? 'without address'}${l.up ? '' : ', down'}` +
          (l.routes.includes(s.subnet) ? '' : `, no route to ${s.subnet}`),
        drift: true,
      });
    }
  }
  for (const l of live.shims ?? []) {
    if (!want.shims.some((s) => s.name === l.name))
      changes.push(removal(host, 'shim', l.name, l.alias, 'host access no longer in the file'));
  }
  return changes;
}

/** Routes by destination: missing, pointing elsewhere (recreated), or no longer planned. `liveId`: the live route. */
function routeChanges(host: string, want: RouteSpec[], live: RouteSpec[] = []): Change[] {
  const out: Change[] = [];
  for (const r of want) {
    const l = live.find((x) => x.to === r.to);
    if (!l)
      out.push({
        host,
        kind: 'route',
        name: r.to,
        action: 'create',
        reason: 'missing',
        why: `via ${r.via}`,
        drift: false,
      });
    else if (l.via !== r.via || l.dev !== r.dev) {
      out.push({
        host,
        kind: 'route',
        name: r.to,
        action: 'recreate',
        reason: 'changed',
        why: `live via ${l.via} dev ${l.dev}`,
        drift: false,
        liveId: JSON.stringify(l),
        fields: fieldChanges({ via: l.via, dev: l.dev }, { via: r.via, dev: r.dev }),
      });
    }
  }
  for (const l of live) {
    if (!want.some((r) => r.to === l.to)) {
      out.push(removal(host, 'route', l.to, JSON.stringify(l), 'no longer planned'));
    }
  }
  return out;
}
