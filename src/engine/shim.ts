/**
 * Host access: a macvlan "shim" on the host, on the network's parent in bridge mode, with the address the
 * plan reserved, and a route to the network through it. Made through a short-lived helper (NET_ADMIN) on
 * the host network (so it works on remote hosts too). Fixed scripts; values arrive as arguments.
 */
import { HostError } from '../errors.ts';
import type { Engine } from './engine.ts';
import { onHost } from './helpers.ts';
import type { ShimSpec } from './shim-spec.ts';

export { desiredShims, shimUnit, type ShimSpec } from './shim-spec.ts';

export interface LiveShim {
  name: string;
  alias: string;
  ip?: string;
  routes: string[];
  up: boolean;
  ip6?: string;
  routes6: string[];
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
