/**
 * `mvnet check`: does the real LAN carry frames from MACs that are not the hosts' own? That is what macvlan needs
 * to cross hosts, and what port security, VMware port groups that reject forged transmits, clouds and Wi-Fi drop.
 *
 * On every host a helper (host network, SYS_ADMIN for a network namespace of its own) plugs a macvlan probe into
 * the host's LAN interface and moves it into that namespace with a link-local address (169.254.N.x/24, N drawn per
 * run). Once every probe is up, each helper pings the other probes (3 tries a second apart); then the helpers are
 * removed, and each probe goes with its namespace. An answered ping proves that frames from a foreign MAC crossed
 * from A to B and back. A helper that mvnet cannot remove (mvnet killed) ends by itself after two minutes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Plan } from '../plan/types.ts';
import { formatIp } from '../net/ipv4.ts';
import type { Engine } from './engine.ts';
import { ensureHelperImage, PROBE_IMAGE } from './image.ts';
import { labels } from './labels.ts';
import { onAll } from './cluster.ts';
import { hostFacts } from './preflight.ts';

export interface LanCheck {
  /** each ordered pair of hosts: did frames from a foreign MAC cross from `from` to `to` (and back)? */
  pairs: { from: string; to: string; crosses: boolean }[];
  /** hosts whose probe could not be set up, with why */
  failed: { host: string; why: string }[];
}

/** Sets the probe up, says `ready PID` (the probe's namespace), and waits (at most two minutes). */
const SETUP = `
parent=$1; me=$2
unshare -n sleep 120 & P=$!
i=0; while [ "$(readlink /proc/$P/ns/net)" = "$(readlink /proc/self/ns/net)" ] && [ $i -lt 50 ]; do sleep 0.02; i=$((i+1)); done
dev=mvchk$$
ip link add link "$parent" name "$dev" type macvlan mode bridge ||
  { echo "error cannot add a macvlan on $parent"; kill $P; exit 3; }
ip link set "$dev" netns "$P" || { ip link del "$dev"; echo "error cannot move the probe"; kill $P; exit 3; }
nsenter -t "$P" -n ip link set lo up
nsenter -t "$P" -n ip addr add "$me" dev "$dev"
nsenter -t "$P" -n ip link set "$dev" up
echo "ready $P"
wait $P
`;

/** From the probe's namespace, every target at once, each up to 3 tries. */
const PINGS = `
P=$1; shift
for t in "$@"; do
  ( ok=0; for k in 1 2 3; do nsenter -t "$P" -n ping -c 1 -W 1 "$t" >/dev/null 2>&1 && { ok=1; break; }; done
    echo "to $t $ok" ) &
done
wait
`;

async function ready(e: Engine, id: string): Promise<number> {
  const until = Date.now() + 15_000;
  for (;;) {
    const log = await e.logTail(id, 20);
    const pid = /^ready (\d+)$/m.exec(log)?.[1];
    if (pid) return Number(pid);
    const err = /^error (.*)$/m.exec(log)?.[1];
    if (err) throw new Error(err);
    if (Date.now() > until) throw new Error('the probe did not come up within 15 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function checkLan(plan: Plan, hosts: Map<string, Engine>, only?: Set<string>): Promise<LanCheck> {
  const net = 1 + Math.floor(Math.random() * 254);
  const names = plan.hosts.map((h) => h.name).filter((h) => hosts.has(h) && (!only || only.has(h)));
  const ipOf = (i: number) => formatIp(((169 << 24) | (254 << 16) | (net << 8) | (i + 1)) >>> 0);
  const out: LanCheck = { pairs: [], failed: [] };
  const probes = new Map<string, { e: Engine; id: string; pid: number }>();
  const started: { e: Engine; id: string }[] = [];
  const chosen = new Map([...hosts].filter(([h]) => names.includes(h)));
  try {
    await onAll(
      chosen,
      async (e) => {
        const i = names.indexOf(e.host);
        const h = plan.hosts.find((x) => x.name === e.host)!;
        await ensureHelperImage(e);
        const id = await e.startHelper({
          image: PROBE_IMAGE,
          cmd: ['sh', '-c', SETUP, 'mvnet-check', h.interface, `${ipOf(i)}/24`],
          network: 'host',
          capAdd: ['SYS_ADMIN'],
          labels: labels(plan.name, 'helper', e.host, 'lan-check'),
        });
        started.push({ e, id });
        try {
          probes.set(e.host, { e, id, pid: await ready(e, id) });
        } catch (err) {
          out.failed.push({ host: e.host, why: (err as Error).message });
        }
      },
      'checking the LAN',
    );
    await Promise.all(
      [...probes].map(async ([host, p]) => {
        const targets = names.filter((x) => x !== host && probes.has(x)).map((x) => ipOf(names.indexOf(x)));
        if (targets.length === 0) return;
        const r = await p.e.exec(p.id, ['sh', '-c', PINGS, 'mvnet-check', String(p.pid), ...targets], 30_000);
        for (const m of r.stdout.matchAll(/^to (\S+) ([01])$/gm)) {
          out.pairs.push({ from: host, to: names[names.findIndex((_, k) => ipOf(k) === m[1])], crosses: m[2] === '1' });
        }
      }),
    );
  } finally {
    await Promise.all(started.map(({ e, id }) => e.removeContainer(id).catch(() => {})));
  }
  out.pairs.sort((a, b) => names.indexOf(a.from) - names.indexOf(b.from) || names.indexOf(a.to) - names.indexOf(b.to));
  return out;
}

/**
 * What `apply` remembers of earlier checks, per ordered pair of hosts' LAN interfaces (by MAC address and IP: the
 * path through the switch between them; a rebuilt host or another NIC is asked again):
 * `~/.cache/mvnet/lan-checks.json` (or under $XDG_CACHE_HOME).
 */
export function checkCachePath(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mvnet', 'lan-checks.json');
}

type Cache = Record<string, { crosses: boolean; at: string }>;

function readCache(): Cache {
  try {
    return JSON.parse(readFileSync(checkCachePath(), 'utf8')) as Cache;
  } catch {
    return {};
  }
}

async function pairKey(plan: Plan, hosts: Map<string, Engine>, a: string, b: string): Promise<string> {
  const side = async (h: string) => {
    const hp = plan.hosts.find((x) => x.name === h)!;
    // no MAC known: the engine's address stands in (such a host is simply asked again when it changes)
    const mac = (await hostFacts(hosts.get(h)!, plan.name)).macs[hp.interface] ?? hosts.get(h)!.endpoint;
    return `${mac}@${formatIp(hp.address)}`;
  };
  return `${await side(a)} > ${await side(b)}`;
}

/**
 * The check as apply runs it: only for host pairs not checked before (with containers on both sides), the answers
 * remembered. Returns the check of those pairs (empty when every pair was known), with the known blocked ones.
 */
export async function checkUnknownPairs(plan: Plan, hosts: Map<string, Engine>): Promise<LanCheck & { asked: number }> {
  const withContainers = plan.hosts.filter((h) => h.containers.length > 0 && hosts.has(h.name)).map((h) => h.name);
  const cache = readCache();
  const known: LanCheck['pairs'] = [];
  const unknown = new Set<string>();
  for (const a of withContainers)
    for (const b of withContainers) {
      if (a === b) continue;
      const hit = cache[await pairKey(plan, hosts, a, b)];
      if (hit && Date.now() - Date.parse(hit.at) <= 30 * 86_400_000)
        known.push({ from: a, to: b, crosses: hit.crosses });
      else {
        unknown.add(a);
        unknown.add(b);
      }
    }
  if (unknown.size === 0) return { pairs: known, failed: [], asked: 0 };
  const fresh = await checkLan(plan, hosts, unknown);
  const now = new Date().toISOString();
  // answers older than 30 days are asked again (and dropped: the file does not grow without end)
  for (const [k, v] of Object.entries(cache)) if (Date.now() - Date.parse(v.at) > 30 * 86_400_000) delete cache[k];
  for (const p of fresh.pairs) cache[await pairKey(plan, hosts, p.from, p.to)] = { crosses: p.crosses, at: now };
  mkdirSync(dirname(checkCachePath()), { recursive: true });
  writeFileSync(checkCachePath(), JSON.stringify(cache, null, 2) + '\n');
  const merged = [...known.filter((k) => !fresh.pairs.some((f) => f.from === k.from && f.to === k.to)), ...fresh.pairs];
  return { pairs: merged, failed: fresh.failed, asked: fresh.pairs.length };
}
