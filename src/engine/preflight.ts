/** Checks on every host before any change: a failed preflight changes nothing anywhere. */
import { HostError, MultiHostError, type MvnetError } from '../errors.ts';
import type { Engine } from './engine.ts';
import type { Desired } from './desired.ts';
import { ensureHelperImage, PROBE_IMAGE } from './image.ts';
import { L, labels } from './labels.ts';

/** Interface names on a host, seen from a helper container on the host network. */
export async function hostInterfaces(e: Engine, topology: string): Promise<string[]> {
  const r = await e.helper({ image: PROBE_IMAGE, cmd: ['ip', '-o', 'link', 'show'], network: 'host', labels: labels(topology, 'helper', e.host, 'links') });
  if (r.code !== 0) throw new HostError(e.host, `could not list interfaces: ${r.stderr.trim()}`);
  return r.stdout.split('\n').map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1]).filter((x): x is string => !!x);
}

/** Does the host forward packets? Read (not changed) through a helper: /proc/sys is read-only in containers. */
export async function hostForwards(e: Engine, topology: string): Promise<boolean> {
  const r = await e.helper({ image: PROBE_IMAGE, cmd: ['cat', '/proc/sys/net/ipv4/ip_forward'], network: 'host', labels: labels(topology, 'helper', e.host, 'forward') });
  return r.stdout.trim() === '1';
}

export async function preflightHost(e: Engine, topology: string, want: Desired, modes: Record<string, string>, forward = false): Promise<string[]> {
  const problems: string[] = [];
  const info = await e.info();
  await ensureHelperImage(e);
  const [ifaces, nets, conts] = await Promise.all([hostInterfaces(e, topology), e.networks(), e.containers()]);
  for (const n of want.networks) {
    const base = n.parent.split('.')[0];
    if (!ifaces.includes(base)) problems.push(`network ${n.name}: parent interface ${base} does not exist on ${e.host} (it has ${ifaces.filter((i) => i !== 'lo').join(', ')})`);
    const sameName = nets.find((x) => x.name === n.name);
    if (sameName && sameName.labels[L.topology] !== topology) problems.push(`network ${n.name}: a network of that name exists and is not mvnet's (topology ${topology}); rename it in the file or remove it by hand`);
    const onParent = nets.filter((x) => x.driver === 'macvlan' && x.parent === n.parent && !(x.labels[L.topology] === topology && x.labels[L.name] === n.name));
    if (onParent.length > 0 && (info.onePerParent || modes[n.name] === 'passthru')) {
      problems.push(`network ${n.name}: parent ${n.parent} is already used by macvlan network ${onParent.map((x) => x.name).join(', ')}; Docker ${info.version} allows one macvlan network per parent${modes[n.name] === 'passthru' ? ' (passthru: always)' : ' (before 27)'}`);
    }
  }
  if (forward && !(await hostForwards(e, topology))) {
    problems.push(`the file says ${e.host} forwards, but its net.ipv4.ip_forward is 0: run sysctl -w net.ipv4.ip_forward=1 there (and keep it in /etc/sysctl.d/)`);
  }
  for (const c of want.containers) {
    const clash = conts.find((x) => x.name === c.name);
    if (clash && !(clash.labels[L.topology] === topology && clash.labels[L.name] === c.name && clash.labels[L.kind] === 'container')) {
      problems.push(`container ${c.name}: a container of that name exists and is not mvnet's; mvnet will not take it over (rename it in the file or remove it by hand)`);
    }
  }
  for (const image of new Set(want.containers.map((c) => c.image))) {
    if (await e.hasImage(image)) continue;
    try { await e.pullImage(image); } catch (err) {
      problems.push(`image ${image} is not on ${e.host} and cannot be pulled (${(err as Error).message.split('\n')[0]}); load it there (docker load) or change image:`);
    }
  }
  return problems;
}

export async function preflight(hosts: Map<string, Engine>, topology: string, wants: Map<string, Desired>, modes: Record<string, string>, forwards: Set<string> = new Set()): Promise<void> {
  const errors: MvnetError[] = [];
  await Promise.all([...hosts.values()].map(async (e) => {
    try {
      const problems = await preflightHost(e, topology, wants.get(e.host)!, modes, forwards.has(e.host));
      for (const p of problems) errors.push(new HostError(e.host, p));
    } catch (err) {
      errors.push(err instanceof HostError ? err : new HostError(e.host, (err as Error).message));
    }
  }));
  if (errors.length > 0) throw new MultiHostError('preflight', errors, `preflight failed (${errors.length} problem${errors.length > 1 ? 's' : ''}); nothing was changed on any host`);
}
