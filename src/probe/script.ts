/**
 * The probe program run inside a source (a container, or a helper on a host's network). It is a fixed
 * text: targets arrive as arguments ("$@"), already validated as IPv4 addresses, never spliced into it.
 * Every target is pinged at once, each up to TRIES times (a first packet lost to ARP must not read as
 * unreachable); a failure is classified from the route and the neighbour table.
 */
import { parseIp } from '../net/ipv4.ts';

export const PROBE_SCRIPT = `
probe() {
  t="$1"; i=0
  while [ "$i" -lt "$TRIES" ]; do
    if ping -c 1 -W "$WAIT" "$t" >/dev/null 2>&1; then echo "R $t ok $i"; return; fi
    i=$((i+1))
  done
  r=$(ip route get "$t" 2>&1 | head -n 1)
  case "$r" in
    *" via "*) hop="\${r#* via }"; hop="\${hop%% *}" ;;
    *nreachable*|*"No route"*|*rror*) echo "R $t fail noroute -"; return ;;
    *) hop="$t" ;;
  esac
  n=$(ip neigh show "$hop" | head -n 1)
  case "$n" in
    *REACHABLE*|*STALE*|*DELAY*|*PROBE*|*PERMANENT*) k=noicmp ;;
    *) k=noarp ;;
  esac
  if [ "$hop" != "$t" ] && [ "$k" = noarp ]; then k=nogw; fi
  echo "R $t fail $k $hop"
}
TRIES="$1"; WAIT="$2"; shift 2
for t in "$@"; do probe "$t" & done
wait
ip -o link show | while read -r line; do echo "L $line"; done
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

export function probeArgs(targets: string[], tries = 3, wait = 1): string[] {
  for (const t of targets) if (parseIp(t) === null) throw new Error(`not an address: ${t}`);
  return ['sh', '-c', PROBE_SCRIPT, 'mvnet-probe', String(tries), String(wait), ...targets];
}

export function parseProbeOutput(out: string): { results: ProbeLine[]; links: LinkLine[] } {
  const results: ProbeLine[] = [];
  const links: LinkLine[] = [];
  for (const line of out.split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p[0] === 'R' && p.length >= 3) {
      if (p[2] === 'ok') results.push({ target: p[1], ok: true, retries: Number(p[3] ?? 0) });
      else results.push({ target: p[1], ok: false, retries: 0, kind: p[3] as FailKind, hop: p[4] === '-' ? undefined : p[4] });
    } else if (p[0] === 'L') {
      const m = /^L\s+\d+:\s+([^:@\s]+)[^<]*<([^>]*)>/.exec(line.trim());
      if (m) links.push({ name: m[1], carrier: !m[2].split(',').includes('NO-CARRIER') && m[2].split(',').includes('UP') });
    }
  }
  return { results, links };
}
