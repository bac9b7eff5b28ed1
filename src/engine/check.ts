/**
 * `mvnet check`: does the real LAN carry frames from MACs that are not the hosts' own? That is what macvlan needs
 * to cross hosts, and what port security, VMware port groups that reject forged transmits, clouds and Wi-Fi drop.
 *
 * On every host at once, a helper (host network, SYS_ADMIN for a network namespace of its own) plugs a short-lived
 * macvlan probe into the host's LAN interface, moves it into that namespace with a link-local address
 * (169.254.N.x/24, N drawn per run), and pings every other host's probe for a few seconds; it stays up a little
 * longer so that the others can reach it, then ends, and the probe goes with its namespace. A ping that is answered
 * proves that frames from a foreign MAC crossed from A to B and back.
 */
import type { Plan } from '../plan/types.ts';
import { formatIp } from '../net/ipv4.ts';
import type { Engine } from './engine.ts';
import { onHost } from './helpers.ts';
import { onAll } from './cluster.ts';
import { hostFacts } from './preflight.ts';
import { crossingPairs, pairKey, rememberCrossing, type HostSide } from './lan-memo.ts';

/**
 * Why a pair does not cross: `dropped` (the hosts reach each other's own addresses, the probes' foreign MACs do
 * not: a MAC filter), `link-down` (a host's LAN interface has no carrier: it is cut off), `unreachable` (the hosts do
 * not reach each other's own addresses either: down, firewalled, or not on one LAN).
 */
export type NoCross = 'dropped' | 'link-down' | 'unreachable';

export interface LanPair {
  from: string;
  to: string;
  /** did frames from a foreign MAC cross from `from` to `to` (and back)? */
  crosses: boolean;
  why?: NoCross;
}

export interface LanCheck {
  /** each ordered pair of hosts */
  pairs: LanPair[];
  /** hosts whose probe could not be set up, with why */
  failed: { host: string; why: string }[];
}

/**
 * Seconds a probe pings for (at most), and how long it stays up after all its peers answered: a peer's probe may
 * come up a moment later than this one and still needs an answer from it.
 */
const PING_S = 6;
const GRACE_S = 2;

const SCRIPT = `
parent=$1; me=$2; shift 2
unshare -n sleep ${PING_S + GRACE_S + 5} & P=$!
sleep 0.3
dev=mvchk$$
ip link add link "$parent" name "$dev" type macvlan mode bridge ||
  { echo "error cannot add a macvlan on $parent"; exit 3; }
ip link set "$dev" netns "$P" || { ip link del "$dev"; echo "error cannot move the probe"; exit 3; }
nsenter -t "$P" -n ip link set lo up
nsenter -t "$P" -n ip addr add "$me" dev "$dev"
nsenter -t "$P" -n ip link set "$dev" up
start=$(date +%s)
echo "ready"
echo "carrier $(cat "/sys/class/net/$parent/carrier" 2>/dev/null || echo 0)"
pids=""
for t in "$@"; do
  probe=\${t%,*}; lan=\${t#*,}
  ( ok=0
    while [ $(( $(date +%s) - start )) -lt ${PING_S} ]; do
      if nsenter -t "$P" -n ping -c 1 -W 1 "$probe" >/dev/null 2>&1; then ok=1; break; fi
      sleep 0.2
    done
    # the control: the hosts' own addresses, MACs the LAN knows
    own=0; [ "$ok" = 1 ] || { ping -c 2 -W 1 "$lan" >/dev/null 2>&1 && own=1; }
    echo "to $probe $ok $own" ) &
  pids="$pids $!"
done
wait $pids
sleep ${GRACE_S}
kill "$P"
`;

export async function checkLan(plan: Plan, hosts: Map<string, Engine>): Promise<LanCheck> {
  const net = 1 + Math.floor(Math.random() * 254);
  const names = plan.hosts.map((h) => h.name).filter((h) => hosts.has(h));
  const ipOf = (i: number) => formatIp(((169 << 24) | (254 << 16) | (net << 8) | (i + 1)) >>> 0);
  const out: LanCheck = { pairs: [], failed: [] };
  const carrier = new Map<string, boolean>();
  await onAll(
    hosts,
    async (e) => {
      const i = names.indexOf(e.host);
      const h = plan.hosts.find((x) => x.name === e.host)!;
      await e.ensureHelperImage();
      const lanOf = (n: string) => formatIp(plan.hosts.find((x) => x.name === n)!.address);
      const targets = names
        .map((_, j) => j)
        .filter((j) => j !== i)
        .map((j) => `${ipOf(j)},${lanOf(names[j])}`);
      const cmd = ['sh', '-c', SCRIPT, 'mvnet-check', h.interface, `${ipOf(i)}/24`, ...targets];
      const r = await onHost(e, plan.name, 'lan-check', cmd, { capAdd: ['SYS_ADMIN'] });
      const err = /^error (.*)$/m.exec(r.stdout)?.[1];
      if (r.code !== 0 || err) {
        out.failed.push({
          host: e.host,
          why: err ?? (r.stderr.trim().split('\n').pop() || `the probe helper exited ${r.code}`),
        });
        return;
      }
      carrier.set(e.host, !/^carrier 0$/m.test(r.stdout));
      for (const m of r.stdout.matchAll(/^to (\S+) ([01]) ([01])$/gm)) {
        const j = names.findIndex((_, k) => ipOf(k) === m[1]);
        out.pairs.push({ from: e.host, to: names[j], crosses: m[2] === '1', ...(m[3] === '1' ? {} : { own: false }) });
      }
    },
    'checking the LAN',
  );
  out.pairs = out.pairs.map((p) => classify(p, carrier));
  out.pairs.sort((a, b) => names.indexOf(a.from) - names.indexOf(b.from) || names.indexOf(a.to) - names.indexOf(b.to));
  return out;
}

/** A pair that does not cross, told apart: no carrier at either end, hosts that do not reach each other, a filter. */
function classify(p: LanPair & { own?: false }, carrier: Map<string, boolean>): LanPair {
  const { own, ...pair } = p;
  if (pair.crosses) return pair;
  if (carrier.get(p.from) === false || carrier.get(p.to) === false) return { ...pair, why: 'link-down' };
  return { ...pair, why: own === false ? 'unreachable' : 'dropped' };
}

/** Hosts whose containers' frames cross the LAN with foreign MACs: those with a macvlan network. */
export function macvlanHosts(plan: Plan): string[] {
  const macvlan = new Set(plan.networks.filter((n) => n.driver !== 'routed').map((n) => n.name));
  return plan.hosts.filter((h) => h.networks.some((n) => macvlan.has(n.network))).map((h) => h.name);
}

export interface LanGate {
  /** host pairs that were checked just now (none when every pair was known to cross) */
  checked: number;
  /** the check's result when some pair does not cross (or a probe failed) */
  blocked?: LanCheck;
}

/**
 * Apply's gate: runs `checkLan` on the macvlan hosts of pairs not known to cross (see lan-memo.ts) and remembers
 * the pairs that crossed both ways. A host whose LAN interface is missing is left to preflight, which names it.
 */
export async function lanGate(
  plan: Plan,
  hosts: Map<string, Engine>,
  checking?: (hosts: number) => void,
): Promise<LanGate> {
  const names = macvlanHosts(plan).filter((h) => hosts.has(h));
  if (names.length < 2) return { checked: 0 };
  const sides = new Map<string, HostSide>();
  await Promise.all(
    names.map(async (n) => {
      const e = hosts.get(n)!;
      const iface = plan.hosts.find((h) => h.name === n)!.interface;
      const mac = (await hostFacts(e, plan.name)).macs[iface];
      if (mac) sides.set(n, { endpoint: e.endpoint, iface, mac });
    }),
  );
  const known = crossingPairs();
  const unknown: [string, string][] = [];
  const list = [...sides.keys()];
  list.forEach((a, i) =>
    list.slice(i + 1).forEach((b) => {
      if (!known.has(pairKey(sides.get(a)!, sides.get(b)!))) unknown.push([a, b]);
    }),
  );
  if (unknown.length === 0) return { checked: 0 };
  const involved = new Set(unknown.flat());
  checking?.(involved.size);
  const c = await checkLan(plan, new Map([...hosts].filter(([h]) => involved.has(h))));
  const crosses = (a: string, b: string) => c.pairs.some((p) => p.from === a && p.to === b && p.crosses);
  const good = unknown.filter(([a, b]) => crosses(a, b) && crosses(b, a));
  rememberCrossing(good.map(([a, b]) => pairKey(sides.get(a)!, sides.get(b)!)));
  return good.length === unknown.length && c.failed.length === 0
    ? { checked: unknown.length }
    : { checked: unknown.length, blocked: c };
}
