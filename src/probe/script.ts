/**
 * The probe program run inside a source (a container, or a helper on a host's network). It is a fixed
 * text: targets arrive as arguments ("$@"), already validated as IPv4 addresses, never spliced into it.
 * Every target is pinged at once, one ping process each. The fast pass sends one packet each and waits at most
 * WINDOW ms (it closes as soon as no ping is left running); the slow pass (for pairs whose fast answer differs
 * from the prediction) sends up to TRIES, WAIT s apart, so a packet lost to ARP or a busy machine does not read as
 * unreachable. The program then prints the route and neighbour tables once; mvnet classifies each failure from
 * them (classifyFailure), so a failure costs no extra process in the source.
 */
import { contains, parseCidr, parseIp } from '../net/ipv4.ts';
import { parseIp6 } from '../net/ipv6.ts';

export const PROBE_SCRIPT = `
probe() {
  t="$1"; i=0
  while [ "$i" -lt "$TRIES" ]; do
    if ping -c 1 -W "$WAIT" "$t" >/dev/null 2>&1; then echo "R $t ok $i"; return; fi
    i=$((i+1))
  done
  echo "R $t fail"
}
running() {
  jobs > "$d/.jobs"
  while read -r _ state _; do [ "$state" = Running ] && return 0; done < "$d/.jobs"
  return 1
}
answered() {
  while read -r _ b _; do [ "$b" = bytes ] && return 0; done < "$d/$1"
  return 1
}
TRIES="$1"; WAIT="$2"; WINDOW="$3"; shift 3
if [ "$WINDOW" = 0 ]; then
  for t in "$@"; do probe "$t" & done
  wait
else
  # files in the container's tmpfs: a file per target on the image's disk costs the machine more than the pings
  d=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
  for t in "$@"; do ping -c 1 -W 1 "$t" > "$d/$t" 2>&1 & done
  s=0
  while [ "$s" -lt "$WINDOW" ] && running; do sleep 0.05; s=$((s+50)); done
  kill $(jobs -p) 2>/dev/null
  wait
  for t in "$@"; do if answered "$t"; then echo "R $t ok 0"; else echo "R $t fail"; fi; done
  rm -rf "$d"
fi
echo T; ip route show
echo N; ip neigh show
echo L; ip -o link show
`;

export type FailKind = 'noroute' | 'noarp' | 'noicmp' | 'nogw';

export interface ProbeLine {
  target: string;
  ok: boolean;
  /** failed attempts before success */
  retries: number;
  kind?: FailKind;
  hop?: string;
}

export interface LinkLine {
  name: string;
  carrier: boolean;
}

/**
 * The probe's arguments. With a window (seconds), each target gets one packet and the window to answer: the fast
 * pass. Without one, each gets up to `tries` packets `wait` seconds apart: the slow pass, certain about a silence.
 */
export function probeArgs(targets: string[], tries = 3, wait = 1, window = 0): string[] {
  for (const t of targets) if (parseIp(t) === null && parseIp6(t) === null) throw new Error(`not an address: ${t}`);
  const ms = windowMs(window);
  return ['sh', '-c', PROBE_SCRIPT, 'mvnet-probe', String(tries), String(wait), ms, ...targets];
}

/** The fast pass's window (seconds) as the program takes it: whole milliseconds; 0 means the slow pass. */
export function windowMs(window: number): string {
  if (!(window >= 0 && window < 10)) throw new Error(`not a window: ${window}`);
  return String(Math.round(window * 1000));
}

interface Route {
  dest: string;
  via?: string;
  unreachable: boolean;
}

const BAD_ROUTE = new Set(['unreachable', 'blackhole', 'prohibit', 'throw']);

function parseRoute(line: string): Route | null {
  const w = line.trim().split(/\s+/);
  if (w.length === 0 || w[0] === '') return null;
  const unreachable = BAD_ROUTE.has(w[0]);
  const dest = unreachable ? w[1] : w[0];
  const via = w.indexOf('via');
  return {
    dest: dest === 'default' ? '0.0.0.0/0' : dest.includes('/') ? dest : `${dest}/32`,
    via: via >= 0 ? w[via + 1] : undefined,
    unreachable,
  };
}

/** Why a target did not answer, from the source's route table (longest prefix) and neighbour table. */
export function classifyFailure(target: string, routes: string[], neigh: string[]): { kind: FailKind; hop?: string } {
  const ip = parseIp(target);
  // IPv6 pairs are on-link (one network): the neighbour entry of the target itself says whether it answered
  if (ip === null && parseIp6(target) !== null) {
    const w = neigh.map((l) => l.trim().split(/\s+/)).find((x) => x[0] === target);
    const ok = ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT'].includes(w?.[w.length - 1] ?? '');
    return { kind: ok ? 'noicmp' : 'noarp', hop: target };
  }
  let best: { route: Route; prefix: number } | null = null;
  for (const r of routes.map(parseRoute)) {
    const c = r ? parseCidr(r.dest) : null;
    if (!r || !c?.ok || ip === null || !contains(c.cidr, ip)) continue;
    if (!best || c.cidr.prefix > best.prefix) best = { route: r, prefix: c.cidr.prefix };
  }
  if (!best || best.route.unreachable) return { kind: 'noroute' };
  const hop = best.route.via ?? target;
  const entry = neigh.map((l) => l.trim().split(/\s+/)).find((w) => w[0] === hop);
  const state = entry?.[entry.length - 1] ?? '';
  const answered = ['REACHABLE', 'STALE', 'DELAY', 'PROBE', 'PERMANENT'].includes(state);
  if (answered) return { kind: 'noicmp', hop };
  return { kind: hop === target ? 'noarp' : 'nogw', hop };
}

export function parseProbeOutput(out: string): { results: ProbeLine[]; links: LinkLine[] } {
  const results: ProbeLine[] = [];
  const links: LinkLine[] = [];
  const routes: string[] = [];
  const neigh: string[] = [];
  let section = 'R';
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (line === 'T' || line === 'N' || line === 'L') {
      section = line;
      continue;
    }
    if (section === 'T') routes.push(line);
    else if (section === 'N') neigh.push(line);
    else if (section === 'L') {
      const m = /^\d+:\s+([^:@\s]+)[^<]*<([^>]*)>/.exec(line);
      const flags = m?.[2].split(',') ?? [];
      if (m) links.push({ name: m[1], carrier: !flags.includes('NO-CARRIER') && flags.includes('UP') });
    } else {
      const p = line.split(/\s+/);
      if (p[0] !== 'R' || p.length < 3) continue;
      results.push(
        p[2] === 'ok'
          ? { target: p[1], ok: true, retries: Number(p[3] ?? 0) }
          : { target: p[1], ok: false, retries: 0 },
      );
    }
  }
  for (const r of results) if (!r.ok) Object.assign(r, classifyFailure(r.target, routes, neigh));
  return { results, links };
}
