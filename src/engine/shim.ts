/**
 * Host access: a macvlan "shim" on the host, on the network's parent in bridge mode, with the address the
 * plan reserved, and a route to the network through it. Made through a short-lived helper (NET_ADMIN) on
 * the host network (so it works on remote hosts too). Fixed scripts; values arrive as arguments.
 */
import { contains, formatCidr, formatIp } from '../net/ipv4.ts';
import { formatCidr6, formatIp6 } from '../net/ipv6.ts';
import { shimAlias } from '../plan/shim-names.ts';
import type { HostPlan, Plan } from '../plan/types.ts';
import { HostError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { onHost } from './helpers.ts';

export interface ShimSpec {
  name: string;
  link: string;
  ip: string;
  /**
   * the destination routed through the shim: the network's subnet, or on a network that holds the host's own LAN
   * address (a flat network) only the host's range, so that the host's LAN route stays as it is
   */
  subnet: string;
  alias: string;
  /** dual stack: the shim's IPv6 address and the network's IPv6 subnet, routed through it too */
  ip6?: string;
  subnet6?: string;
}
export interface LiveShim {
  name: string;
  alias: string;
  ip?: string;
  routes: string[];
  up: boolean;
  ip6?: string;
  routes6: string[];
}

export function desiredShims(plan: Plan, h: HostPlan): ShimSpec[] {
  return h.networks
    .filter((n) => n.shimName)
    .map((n) => {
      const net = plan.networks.find((x) => x.name === n.network)!;
      return {
        name: n.shimName!,
        link: n.link,
        ip: formatIp(n.shim!),
        subnet: formatCidr(contains(net.subnet, h.address) ? n.range : net.subnet),
        alias: shimAlias(plan.name, n.network),
        ...(net.subnet6 && n.shim6 !== undefined ? { ip6: formatIp6(n.shim6), subnet6: formatCidr6(net.subnet6) } : {}),
      };
    });
}

const LIST = [
  'sh',
  '-c',
  'ip -o link show; echo ---; ip -o -4 addr show; echo ---; ip route show; echo ---; ' +
    'for d in /sys/class/net/*; do printf "%s %s\n" "${d##*/}" "$(cat "$d/ifalias" 2>/dev/null)"; done; echo ---; ' +
    'ip -o -6 addr show 2>/dev/null; echo ---; ip -6 route show 2>/dev/null',
];

/** The owner check every script starts with: an interface of that name that is not this shim is never touched. */
const OWNER = `
alias_of() { cat "/sys/class/net/$1/ifalias" 2>/dev/null; }
if [ -e "/sys/class/net/$name" ] && [ "$(alias_of "$name")" != "$alias" ]; then
  echo "interface $name exists and is not $alias (its alias: '$(alias_of "$name")'); not touching it" >&2; exit 3
fi
`;

const ENSURE = `
name="$1"; link="$2"; addr="$3"; subnet="$4"; alias="$5"; addr6="$6"; subnet6="$7"
${OWNER}
ipf=ip-full; command -v ip-full >/dev/null || ipf=ip
[ -e "/sys/class/net/$name" ] && ip link del "$name"
$ipf link add "$name" link "$link" type macvlan mode bridge || exit 1
$ipf link set dev "$name" alias "$alias" || exit 1
ip addr add "$addr/32" dev "$name" || exit 1
ip link set "$name" up || exit 1
# a route the host already has to that destination is not mvnet's: never replaced (preflight names it first)
foreign() {
  echo "the host already has a route to $2 that is not mvnet's:" \
    "$($ipf "$1" route show to exact "$2"); not replacing it" >&2
  ip link del "$name"; exit 4
}
ip route add "$subnet" dev "$name" || foreign -4 "$subnet"
if [ -n "$addr6" ]; then
  # no duplicate address detection: the address is planned, and a tentative one would not answer for a second
  if [ "$ipf" = ip-full ]; then ip-full -6 addr add "$addr6/128" dev "$name" nodad || exit 1
  else ip -6 addr add "$addr6/128" dev "$name" || exit 1; fi
  ip -6 route add "$subnet6" dev "$name" || foreign -6 "$subnet6"
fi
echo ok
`;

const REMOVE = `
name="$1"; alias="$2"
${OWNER}
[ -e "/sys/class/net/$name" ] && ip link del "$name"
exit 0
`;

function helper(e: Engine, topology: string, cmd: string[], what: string) {
  // NET_ADMIN is enough (and "privileged" asks for capabilities some sandboxes cannot grant)
  return onHost(e, topology, what, cmd);
}

/** This topology's shims on a host: interfaces whose alias names it as their owner. */
export async function liveShims(e: Engine, topology: string): Promise<LiveShim[]> {
  const r = await helper(e, topology, LIST, 'shim-list');
  const [links, addrs, routes, aliases, addrs6, routes6] = r.stdout.split('---');
  const owner = `mvnet:${topology}/`;
  const mine = new Map(
    (aliases ?? '')
      .split('\n')
      .map((l) => l.trim().split(' '))
      .filter(([, a]) => a?.startsWith(owner))
      .map(([n, a]) => [n, a]),
  );
  const out: LiveShim[] = [];
  for (const l of (links ?? '').split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)[^<]*<([^>]*)>/.exec(l.trim());
    if (!m || !mine.has(m[1])) continue;
    const name = m[1];
    const ip = new RegExp(`^\\d+:\\s+${name}\\s+inet\\s+([\\d.]+)/32`, 'm').exec(addrs ?? '')?.[1];
    const rs = (routes ?? '')
      .split('\n')
      .filter((x) => new RegExp(`\\bdev ${name}\\b`).test(x))
      .map((x) => x.trim().split(/\s+/)[0]);
    const ip6 = new RegExp(`^\\d+:\\s+${name}\\s+inet6\\s+([0-9a-f:]+)/128`, 'm').exec(addrs6 ?? '')?.[1];
    const rs6 = (routes6 ?? '')
      .split('\n')
      .filter((x) => new RegExp(`\\bdev ${name}\\b`).test(x))
      .map((x) => x.trim().split(/\s+/)[0]);
    out.push({
      name,
      alias: mine.get(name)!,
      ip,
      routes: rs,
      up: m[2].split(',').includes('UP'),
      ...(ip6 ? { ip6 } : {}),
      routes6: rs6,
    });
  }
  return out;
}

export async function ensureShim(e: Engine, topology: string, s: ShimSpec): Promise<void> {
  const r = await helper(
    e,
    topology,
    ['sh', '-c', ENSURE, 'mvnet-shim', s.name, s.link, s.ip, s.subnet, s.alias, s.ip6 ?? '', s.subnet6 ?? ''],
    'shim',
  );
  if (r.code !== 0)
    throw new HostError(e.host, `could not create shim ${s.name} on ${s.link}: ${(r.stderr || r.stdout).trim()}`);
}

/** Removes a shim, only when its alias says it is this owner's. */
export async function removeShim(e: Engine, topology: string, name: string, alias: string): Promise<void> {
  if (!alias.startsWith(`mvnet:${topology}/`))
    throw new HostError(e.host, `refusing to remove ${name}: not a shim of topology ${topology}`);
  const r = await helper(e, topology, ['sh', '-c', REMOVE, 'mvnet-shim-remove', name, alias], 'shim-remove');
  if (r.code !== 0) throw new HostError(e.host, `could not remove shim ${name}: ${(r.stderr || r.stdout).trim()}`);
}

/**
 * One argument of a systemd command line: quoted, with systemd's specifiers (%) and variables ($) escaped, so that
 * a parent or alias holding `;`, `%h` or `$HOME` reaches ip as written.
 */
function sdArg(v: string): string {
  if (/^[A-Za-z0-9_.:/@+-]+$/.test(v)) return v;
  return `"${v
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/%/g, '%%')
    .replace(/\$/g, '$$$$')}"`;
}

/** A systemd unit that recreates the shim at boot (print it, install it on the host). */
export function shimUnit(topology: string, network: string, raw: ShimSpec): string {
  const s = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? sdArg(v) : v]),
  ) as unknown as ShimSpec;
  const ip = (args: string) => `ExecStart=/sbin/ip ${args}`;
  const v6 = s.ip6
    ? [ip(`-6 addr add ${s.ip6}/128 dev ${s.name} nodad`), ip(`-6 route add ${s.subnet6} dev ${s.name}`)]
    : [];
  return [
    `# /etc/systemd/system/mvnet-shim-${s.name}.service — ` +
      `host access for macvlan network ${network} (topology ${topology})`,
    '# install: copy to /etc/systemd/system/, then: ' +
      `systemctl daemon-reload && systemctl enable --now mvnet-shim-${s.name}`,
    '[Unit]',
    `Description=mvnet macvlan shim ${s.name} for ${network} (${topology})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStartPre=-/sbin/ip link del ${s.name}`,
    ip(`link add ${s.name} link ${s.link} type macvlan mode bridge`),
    ip(`link set dev ${s.name} alias ${s.alias}`),
    ip(`addr add ${s.ip}/32 dev ${s.name}`),
    ip(`link set ${s.name} up`),
    ip(`route add ${s.subnet} dev ${s.name}`),
    ...v6,
    `ExecStop=/sbin/ip link del ${s.name}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
