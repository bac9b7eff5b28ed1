/**
 * What a lab host's folder still holds on this machine, read from /proc: the mounts below it and the processes
 * whose command line names it. `lab down` unmounts and stops these; tests check that nothing is left.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m && (m === dir || m.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
}

/** Live processes (not zombies, not this one) with an argument that is `dir` or names something below it. */
export function processesNaming(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => a === dir || a.includes(dir + '/')) && !zombie(Number(e))) out.push(Number(e));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** A process that ended and that nobody reaped (this machine's pid 1 does not reap). */
export function zombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
