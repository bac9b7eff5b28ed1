/**
 * Who a process is, so that "its process is gone" is only ever said of a process this machine can see: hostnames
 * repeat across machines and PID namespaces, so a holder is identified by its machine (/etc/machine-id), its boot,
 * its PID namespace, its pid and that process's start time. A record from anywhere else is never judged by pid.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { LOCK_LABELS } from './labels.ts';

function read(path: string, how: (p: string) => string = (p) => readFileSync(p, 'utf8')): string {
  try {
    return how(path).trim();
  } catch {
    return '';
  }
}

/** A process's start time in clock ticks since boot (/proc/PID/stat field 22), or '' when there is no such process. */
export function startTime(pid: number): string {
  const stat = read(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? '';
}

const machineId = () => read('/etc/machine-id') || read('/var/lib/dbus/machine-id');
const bootId = () => read('/proc/sys/kernel/random/boot_id');
const pidNamespace = () => read('/proc/self/ns/pid', readlinkSync);

/** This process, as label values (the lock's holder, a helper's creator). */
export function thisProcess(): Record<string, string> {
  return {
    [LOCK_LABELS.machine]: hostname(),
    [LOCK_LABELS.machineId]: machineId(),
    [LOCK_LABELS.boot]: bootId(),
    [LOCK_LABELS.pidns]: pidNamespace(),
    [LOCK_LABELS.pid]: String(process.pid),
    [LOCK_LABELS.start]: startTime(process.pid),
  };
}

/**
 * True only when the recorded process was on this machine, this boot and this PID namespace, and no process with
 * its pid and start time exists any more. Anything unknown (another machine, an older record) is not gone.
 */
export function processGone(l: Record<string, string | undefined>): boolean {
  const me = thisProcess();
  const same = [LOCK_LABELS.machineId, LOCK_LABELS.boot, LOCK_LABELS.pidns].every((k) => l[k] && l[k] === me[k]);
  const pid = Number(l[LOCK_LABELS.pid]);
  if (!same || !(pid > 0) || !l[LOCK_LABELS.start]) return false;
  return startTime(pid) !== l[LOCK_LABELS.start];
}
