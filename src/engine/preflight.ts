/** Checks on every host before any change: a failed preflight changes nothing anywhere. */
import { HostError, MultiHostError, type MvnetError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';
import type { Engine, LiveContainer, LiveNetwork } from './engine.ts';
import type { Desired } from './desired.ts';
import type { Live } from './diff.ts';
import { onHost } from './helpers.ts';
import { LABEL } from './labels.ts';
import { ROUTE_PROTO } from './routes.ts';

/** What preflight learns of a host itself (not of Docker's objects): its interfaces and whether it forwards. */
export interface HostFacts {
  ifaces: string[];
  forwards: boolean;
  /** each interface's MAC address (interfaces that have one) */
  macs: Record<string, string>;
  /** forwards IPv6 (net.ipv6.conf.all.forwarding) */
  forwards6: boolean;
  /** each interface's IPv6 link-local address: a routed network's IPv6 next hop */
  linkLocal: Record<string, string>;
  /** the main routing table, both families (to find routes mvnet must not replace) */
  routes: HostRoute[];
}

/** A route of the host's main table as iproute2 prints it. */
export interface HostRoute {
  family: 4 | 6;
  /** the destination as a CIDR (`default` stays `default`) */
  to: string;
  dev: string;
  proto: string;
  line: string;
}

/** The shell program that prints a host's facts (run on the host network); its output is read by parseFacts. */
export const FACTS =
  'ip -o link show; echo "forward $(cat /proc/sys/net/ipv4/ip_forward)"; ' +
  'echo "forward6 $(cat /proc/sys/net/ipv6/conf/all/forwarding 2>/dev/null)"; ' +
  'ip -o -6 addr show scope link 2>/dev/null; ' +
  'r=ip; command -v ip-full >/dev/null && r=ip-full; ' +
  "$r -4 route show table main | sed 's/^/route4 /'; $r -6 route show table main 2>/dev/null | sed 's/^/route6 /'";
const facts = new Map<string, Promise<HostFacts>>();

export function parseFacts(out: string): HostFacts {
  const lines = out.split('\n');
  const ifaces = lines.map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((x): x is string => !!x);
  const macs: Record<string, string> = Object.create(null);
  for (const l of lines) {
    const m = /^\d+:\s+([^:@\s]+).*\slink\/ether\s+([0-9a-f:]{17})/.exec(l);
    if (m) macs[m[1]] = m[2];
  }
  const linkLocal: Record<string, string> = Object.create(null);
  for (const l of lines) {
    const m = /^\d+:\s+(\S+)\s+inet6\s+(fe80:[0-9a-f:]+)\/\d+ scope link/.exec(l);
    if (m && !linkLocal[m[1]]) linkLocal[m[1]] = m[2];
  }
  const routes = lines.flatMap((l) => {
    const m = /^route([46]) (?:unicast )?(\S+)(.*)$/.exec(l.trim());
    if (!m) return [];
    const family = m[1] === '6' ? 6 : 4;
    const to = m[2] === 'default' || m[2].includes('/') ? m[2] : `${m[2]}/${family === 6 ? 128 : 32}`;
    const word = (k: string) => new RegExp(`\\b${k} (\\S+)`).exec(m[3])?.[1] ?? '';
    return [{ family, to, dev: word('dev'), proto: word('proto'), line: `${m[2]}${m[3]}`.trim() } as HostRoute];
  });
  return {
    ifaces,
    forwards: lines.includes('forward 1'),
    macs,
    forwards6: lines.includes('forward6 1'),
    linkLocal,
    routes,
  };
}

/** Facts read by someone else for this run (the lock's container prints them as it starts: see lock.ts). */
export function provideFacts(endpoint: string, p: Promise<HostFacts>): void {
  p.catch(() => {});
  facts.set(endpoint, p);
}

/**
 * A host's facts, read once per run: from the lock's container when it printed them, else through one helper
 * container on the host network (/proc/sys is read-only in containers: read, never changed). Facts of the
 * machine, not of anything mvnet locks.
 */
export function hostFacts(e: Engine, topology: string): Promise<HostFacts> {
  const byHelper = async () => {
    await e.ensureHelperImage();
    const r = await onHost(e, topology, 'facts', ['sh', '-c', FACTS]);
    if (r.code !== 0) throw new HostError(e.host, `could not list interfaces: ${r.stderr.trim()}`);
    return parseFacts(r.stdout);
  };
  let p = facts.get(e.endpoint);
  if (!p) {
    p = byHelper();
    p.catch(() => {});
    facts.set(e.endpoint, p);
    return p;
  }
  return p.catch(byHelper);
}

/** Interface names on a host, seen from a helper container on the host network. */
export async function hostInterfaces(e: Engine, topology: string): Promise<string[]> {
  return (await hostFacts(e, topology)).ifaces;
}

/** What preflight needs to know of the apply it guards. */
export interface Guarded {
  topology: string;
  modes: Record<string, string>;
  forward: boolean;
  /** live ids of this topology's networks that the same apply removes or recreates */
  removing: Set<string>;
  live: Live;
}

function parentProblems(
  info: { version: string; onePerParent: boolean },
  want: Desired,
  nets: LiveNetwork[],
  g: Guarded,
): string[] {
  const problems: string[] = [];
  for (const n of want.networks) {
    const sameName = nets.find((x) => x.name === n.name);
    const owner = sameName?.labels[LABEL.topology];
    if (sameName && owner !== g.topology)
      problems.push(
        owner
          ? `network ${n.name}: a network of that name on this engine belongs to mvnet topology ${owner}; ` +
              'two topologies cannot share a network name on one engine: rename it in the file'
          : `network ${n.name}: a network of that name exists and is not mvnet's (topology ${g.topology}); ` +
              'rename it in the file or remove it by hand',
      );
    if (n.driver === 'bridge') continue; // a routed network's segment hangs on no parent
    // networks this same apply removes first do not count
    const onParent = nets.filter(
      (x) =>
        x.driver === 'macvlan' &&
        x.parent === n.parent &&
        !g.removing.has(x.id) &&
        !(x.labels[LABEL.topology] === g.topology && x.labels[LABEL.name] === n.name),
    );
    const passthru = g.modes[n.name] === 'passthru';
    // networks of this same file on the same parent (reported once, on the later one)
    const earlier = want.networks
      .slice(0, want.networks.indexOf(n))
      .filter((x) => x.parent === n.parent && x.driver === 'macvlan');
    if (earlier.length > 0 && info.onePerParent) {
      problems.push(
        `network ${n.name}: shares parent ${n.parent} with network ${earlier.map((x) => x.name).join(', ')} ` +
          `of this file; Docker ${info.version} allows one macvlan network per parent (before 27): ` +
          'give it another parent (hosts.HOST.parents) or run Docker 27 or later',
      );
    }
    if (onParent.length > 0 && (info.onePerParent || passthru)) {
      problems.push(
        `network ${n.name}: parent ${n.parent} is already used by macvlan network ` +
          `${onParent.map((x) => x.name).join(', ')}; Docker ${info.version} allows one macvlan network per parent` +
          (passthru ? ' (passthru: always)' : ' (before 27)'),
      );
    }
  }
  return problems;
}

/** Containers that are not this topology's: on a network apply must remove, or on an address it plans. */
function neighbourProblems(host: string, want: Desired, conts: LiveContainer[], g: Guarded): string[] {
  const problems: string[] = [];
  const planned = new Map(want.containers.map((c) => [c.ip, c.name]));
  const removed = new Map(g.live.networks.filter((n) => g.removing.has(n.id)).map((n) => [n.name, n]));
  for (const c of conts) {
    if (c.labels[LABEL.topology] === g.topology && c.labels[LABEL.kind] === 'container') continue;
    for (const [net, ep] of Object.entries(c.networks)) {
      if (removed.has(net)) {
        problems.push(
          `container ${c.name} (${ep.ip || 'no address'}) is not mvnet's and is attached to network ${net}, ` +
            'which this apply must remove or recreate; mvnet never disconnects what is not its own: ' +
            `docker network disconnect ${net} ${c.name}`,
        );
      }
      const mine = ep.ip ? planned.get(ep.ip) : undefined;
      if (mine) {
        problems.push(
          `address ${ep.ip} planned for container ${host}/${mine} is held by container ${c.name} (network ${net}), ` +
            `which is not mvnet's: give ${mine} another ip in the file, or free the address`,
        );
      }
    }
  }
  return problems;
}

/** Parents that are not there. */
function interfaceProblems(host: string, want: Desired, ifaces: string[]): string[] {
  const has = ifaces.filter((i) => i !== 'lo').join(', ');
  return want.networks.flatMap((n) => {
    const base = n.parent.split('.')[0];
    return ifaces.includes(base)
      ? []
      : [`network ${n.name}: parent interface ${base} does not exist on ${host} (it has ${has})`];
  });
}

/** Forwarding the file counts on, and the link-local address routed IPv6 goes through. */
function forwardingProblems(host: string, want: Desired, f: HostFacts, g: Guarded): string[] {
  const problems: string[] = [];
  if (g.forward && !f.forwards)
    problems.push(
      `the file says ${host} forwards, but its net.ipv4.ip_forward is 0: run sysctl -w net.ipv4.ip_forward=1 there ` +
        '(and keep it in /etc/sysctl.d/)',
    );
  const routed6 = want.networks.filter((n) => n.driver === 'bridge' && n.subnet6);
  if (routed6.length && !f.forwards6)
    problems.push(
      `network ${routed6[0].name} routes IPv6, but ${host}'s net.ipv6.conf.all.forwarding is 0: run sysctl -w ` +
        'net.ipv6.conf.all.forwarding=1 there (and keep it in /etc/sysctl.d/; a forwarding host ignores router ' +
        'advertisements unless accept_ra=2)',
    );
  const parent = routed6[0]?.parent;
  if (routed6.length && !f.linkLocal[parent])
    problems.push(
      `network ${routed6[0].name} routes IPv6 through the hosts' link-local addresses, but ${parent} on ` +
        `${host} has none (IPv6 is off there): enable IPv6 on it (sysctl -w net.ipv6.conf.${parent}.disable_ipv6=0)`,
    );
  return problems;
}

/**
 * Routes the plan needs whose destination the host already routes otherwise: a shim's route (any route there not
 * through that shim) and a routed network's routes (any route there of another protocol). Never replaced.
 */
function routeProblems(want: Desired, routes: HostRoute[], live: Live): string[] {
  // routes through this topology's own shims are its own (a renamed network's old shim goes first, in apply)
  const shims = new Set((live.shims ?? []).map((x) => x.name));
  const there = (family: 4 | 6, to: string, ours: (r: HostRoute) => boolean) =>
    routes.filter((r) => r.family === family && r.to === to && !ours(r) && !shims.has(r.dev));
  const say = (to: string, r: HostRoute, needs: string) =>
    `the host already has a route to ${to} that is not mvnet's (${r.line}); ${needs}: mvnet never replaces ` +
    'a route it did not make: remove or change that route, or change the file';
  const problems: string[] = [];
  for (const s of want.shims) {
    for (const [family, to] of [[4, s.subnet], ...(s.subnet6 ? [[6, s.subnet6]] : [])] as [4 | 6, string][])
      for (const r of there(family, to, (x) => x.dev === s.name))
        problems.push(say(to, r, `host access needs ${to} through shim ${s.name}`));
  }
  for (const rt of want.routes)
    for (const r of there(rt.family ?? 4, rt.to, (x) => x.proto === ROUTE_PROTO))
      problems.push(say(rt.to, r, `the routed network needs it via ${rt.via}`));
  return problems;
}

/** Planned container names taken by containers that are not this topology's. */
function nameProblems(want: Desired, conts: LiveContainer[], g: Guarded): string[] {
  const ours = (x: LiveContainer, name: string) =>
    x.labels[LABEL.topology] === g.topology && x.labels[LABEL.name] === name && x.labels[LABEL.kind] === 'container';
  return want.containers.flatMap((c) => {
    const clash = conts.find((x) => x.name === c.name);
    if (!clash || ours(clash, c.name)) return [];
    const owner = clash.labels[LABEL.topology];
    if (owner && owner !== g.topology)
      return [
        `container ${c.name}: a container of that name on this engine belongs to mvnet topology ${owner}; ` +
          'two topologies cannot share a container name on one engine: rename it in the file',
      ];
    return [
      `container ${c.name}: a container of that name exists and is not mvnet's; mvnet will not take it over ` +
        '(rename it in the file or remove it by hand)',
    ];
  });
}

/** Images that are neither on the host nor pullable. */
async function imageProblems(e: Engine, want: Desired): Promise<string[]> {
  const problems: string[] = [];
  for (const image of new Set(want.containers.map((c) => c.image))) {
    if (await e.hasImage(image)) continue;
    try {
      await e.pullImage(image);
    } catch (err) {
      problems.push(
        `image ${image} is not on ${e.host} and cannot be pulled (${(err as Error).message.split('\n')[0]}); ` +
          'load it there (docker load) or change image:',
      );
    }
  }
  return problems;
}

export async function preflightHost(e: Engine, want: Desired, g: Guarded): Promise<string[]> {
  e.cpus().catch(() => {}); // asked now, used by apply to size its concurrency
  const info = await e.info();
  await e.ensureHelperImage();
  const [facts, nets, conts] = await Promise.all([hostFacts(e, g.topology), e.networks(), e.containers()]);
  return [
    ...interfaceProblems(e.host, want, facts.ifaces),
    ...parentProblems(info, want, nets, g),
    ...neighbourProblems(e.host, want, conts, g),
    ...forwardingProblems(e.host, want, facts, g),
    ...routeProblems(want, facts.routes, g.live),
    ...nameProblems(want, conts, g),
    ...(await imageProblems(e, want)),
  ];
}

/**
 * Runs `check` on every host at once and collects every problem of every host: one error that lists them all,
 * so that nothing changes on any host (an interruption is passed on as such).
 */
export async function preflightAll(
  hosts: Map<string, Engine>,
  check: (e: Engine) => Promise<HostError[]>,
): Promise<void> {
  const errors: MvnetError[] = [];
  await Promise.all(
    [...hosts.values()].map(async (e) => {
      try {
        errors.push(...(await check(e)));
      } catch (err) {
        if ((err as MvnetError).kind === 'interrupted') throw err;
        errors.push(err instanceof HostError ? err : new HostError(e.host, (err as Error).message));
      }
    }),
  );
  if (errors.length > 0)
    throw new MultiHostError(
      'preflight',
      errors,
      `preflight failed (${errors.length} problem${errors.length > 1 ? 's' : ''}); nothing was changed on any host`,
    );
}

export async function preflight(
  hosts: Map<string, Engine>,
  plan: Plan,
  wants: Map<string, Desired>,
  live: Map<string, Live>,
  removing: Set<string>,
): Promise<void> {
  const modes = Object.fromEntries(plan.networks.map((n) => [n.name, n.mode]));
  await preflightAll(hosts, async (e) => {
    const g: Guarded = {
      topology: plan.name,
      modes,
      forward: !!plan.hosts.find((h) => h.name === e.host)?.forward,
      removing,
      live: live.get(e.host)!,
    };
    return (await preflightHost(e, wants.get(e.host)!, g)).map((p) => new HostError(e.host, p));
  });
}
