/**
 * All of a host's probe sources in one helper container: the helper runs on the host's network (the host as a
 * source) and in the host's process namespace, and enters each source container's network namespace with
 * `nsenter -n` to run the probe program there. One container start per host instead of one `docker exec` per
 * source: on two cores an exec costs about as much CPU as the pings it carries, and over ssh each exec is a new
 * connection. The program is fixed text; sources arrive as `@PID` (digits) or `@host`, targets as validated
 * IPv4 addresses, never spliced into it.
 */
import { parseIp } from '../net/ipv4.ts';
import { parseIp6 } from '../net/ipv6.ts';
import { PROBE_SCRIPT, windowMs } from './script.ts';

export const BATCH_SCRIPT = `
P="$1"; TRIES="$2"; WAIT="$3"; WINDOW="$4"; AT_ONCE="$5"; shift 5
d=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
n=0; g=""; ts=""
running() {
  jobs > "$d/.jobs"; r=0
  while read -r _ state _; do [ "$state" = Running ] && r=$((r+1)); done < "$d/.jobs"
}
flush() {
  [ -n "$g" ] || return 0
  running
  while [ "$r" -ge "$AT_ONCE" ]; do sleep 0.05; running; done
  if [ "$g" = host ]; then
    sh -c "$P" mvnet-probe "$TRIES" "$WAIT" "$WINDOW" $ts > "$d/$n" 2>&1 &
  else
    nsenter -t "$g" -n sh -c "$P" mvnet-probe "$TRIES" "$WAIT" "$WINDOW" $ts > "$d/$n" 2>&1 &
  fi
  n=$((n+1))
}
for a in "$@"; do
  case "$a" in
    @*) flush; g="\${a#@}"; ts="" ;;
    *) ts="$ts $a" ;;
  esac
done
flush
wait
i=0
while [ "$i" -lt "$n" ]; do echo "S $i"; cat "$d/$i"; i=$((i+1)); done
rm -rf "$d"
`;

/** A source of the batch: the host itself, or a container by its process id on the host. */
export interface BatchSource {
  pid: number | 'host';
  targets: string[];
}

/**
 * The batch's arguments. `atOnce` sources run at the same time (each pings all its targets at once): a full mesh
 * of hundreds of containers would otherwise start hundreds of thousands of processes together.
 */
export function batchArgs(
  sources: BatchSource[],
  tries: number,
  wait: number,
  window: number,
  atOnce = sources.length,
): string[] {
  const args: string[] = [];
  for (const s of sources) {
    if (s.pid !== 'host' && !(Number.isInteger(s.pid) && s.pid > 0)) throw new Error(`not a process id: ${s.pid}`);
    for (const t of s.targets) if (parseIp(t) === null && parseIp6(t) === null) throw new Error(`not an address: ${t}`);
    args.push(`@${s.pid}`, ...s.targets);
  }
  const ms = windowMs(window);
  const n = String(Math.max(1, Math.floor(atOnce)));
  return ['sh', '-c', BATCH_SCRIPT, 'mvnet-batch', PROBE_SCRIPT, String(tries), String(wait), ms, n, ...args];
}

/** The batch's output, one probe output per source in the order given. */
export function splitBatchOutput(out: string, count: number): string[] {
  const parts: string[] = Array.from({ length: count }, () => '');
  let cur = -1;
  for (const line of out.split('\n')) {
    const m = /^S (\d+)$/.exec(line);
    if (m) {
      cur = Number(m[1]);
      continue;
    }
    if (cur >= 0 && cur < count) parts[cur] += `${line}\n`;
  }
  return parts;
}
