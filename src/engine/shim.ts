/**
 * Host access: a macvlan "shim" on the host, on the network's parent in bridge mode, with the address the
 * plan reserved, and a route to the network through it. Made through a short-lived helper (NET_ADMIN) on
 * the host network (so it works on remote hosts too). Fixed scripts; values arrive as arguments.
 */
import { formatCidr, formatIp } from '../net/ipv4.ts';
import { shimPrefix } from '../plan/allocate.ts';
import type { HostPlan, Plan } from '../plan/types.ts';
import { HostError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { PROBE_IMAGE } from './image.ts';
import { labels } from './labels.ts';

export interface ShimSpec { name: string; link: string; ip: string; subnet: string }
export interface LiveShim { name: string; ip?: string; routes: string[]; up: boolean }

export function desiredShims(plan: Plan, h: HostPlan): ShimSpec[] {
  return h.networks.filter((n) => n.shimName).map((n) => ({
    name: n.shimName!, link: n.link, ip: formatIp(n.shim!), subnet: formatCidr(plan.networks.find((x) => x.name === n.network)!.subnet),
  }));
}

const LIST = ['sh', '-c', 'ip -o link show; echo ---; ip -o -4 addr show; echo ---; ip route show'];

const ENSURE = `
name="$1"; link="$2"; addr="$3"; subnet="$4"
ipf=ip-full; command -v ip-full >/dev/null || ipf=ip
ip link del "$name" 2>/dev/null
$ipf link add "$name" link "$link" type macvlan mode bridge || exit 1
ip addr add "$addr/32" dev "$name" || exit 1
ip link set "$name" up || exit 1
ip route replace "$subnet" dev "$name" || exit 1
echo ok
`;

function helper(e: Engine, topology: string, cmd: string[], what: string) {
  // NET_ADMIN is enough (and "privileged" asks for capabilities some sandboxes cannot grant)
  return e.helper({ image: PROBE_IMAGE, cmd, network: 'host', labels: labels(topology, 'helper', e.host, what) });
}

export async function liveShims(e: Engine, topology: string): Promise<LiveShim[]> {
  const r = await helper(e, topology, LIST, 'shim-list');
  const [links, addrs, routes] = r.stdout.split('---');
  const prefix = shimPrefix(topology);
  const out: LiveShim[] = [];
  for (const l of (links ?? '').split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)[^<]*<([^>]*)>/.exec(l.trim());
    if (!m || !m[1].startsWith(prefix)) continue;
    const name = m[1];
    const ip = new RegExp(`^\\d+:\\s+${name}\\s+inet\\s+([\\d.]+)/32`, 'm').exec(addrs ?? '')?.[1];
    const rs = (routes ?? '').split('\n').filter((x) => new RegExp(`\\bdev ${name}\\b`).test(x)).map((x) => x.trim().split(/\s+/)[0]);
    out.push({ name, ip, routes: rs, up: m[2].split(',').includes('UP') });
  }
  return out;
}

export async function ensureShim(e: Engine, topology: string, s: ShimSpec): Promise<void> {
  const r = await helper(e, topology, ['sh', '-c', ENSURE, 'mvnet-shim', s.name, s.link, s.ip, s.subnet], 'shim');
  if (r.code !== 0) throw new HostError(e.host, `could not create shim ${s.name} on ${s.link}: ${(r.stderr || r.stdout).trim()}`);
}

export async function removeShim(e: Engine, topology: string, name: string): Promise<void> {
  if (!name.startsWith(shimPrefix(topology))) throw new HostError(e.host, `refusing to remove ${name}: not a shim of topology ${topology}`);
  await helper(e, topology, ['ip', 'link', 'del', name], 'shim-remove');
}

/** A systemd unit that recreates the shim at boot (print it, install it on the host). */
export function shimUnit(topology: string, network: string, s: ShimSpec): string {
  return `# /etc/systemd/system/mvnet-shim-${s.name}.service — host access for macvlan network ${network} (topology ${topology})
# install: copy to /etc/systemd/system/, then: systemctl daemon-reload && systemctl enable --now mvnet-shim-${s.name}
[Unit]
Description=mvnet macvlan shim ${s.name} for ${network} (${topology})
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=-/sbin/ip link del ${s.name}
ExecStart=/sbin/ip link add ${s.name} link ${s.link} type macvlan mode bridge
ExecStart=/sbin/ip addr add ${s.ip}/32 dev ${s.name}
ExecStart=/sbin/ip link set ${s.name} up
ExecStart=/sbin/ip route replace ${s.subnet} dev ${s.name}
ExecStop=/sbin/ip link del ${s.name}

[Install]
WantedBy=multi-user.target
`;
}
