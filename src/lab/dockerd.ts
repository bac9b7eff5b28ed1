/** One real dockerd per emulated host, started in the host's network namespace only (nsenter --net). */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { MvnetError } from '../errors.ts';

export function dockerdArgv(ns: string, dir: string): string[] {
  const config = join(dir, 'daemon.json');
  return [
    // `timeout 0` (no time limit) stays the daemon's parent and reaps it, so no zombie dockerd is left
    // where init does not reap; it forwards SIGTERM to the daemon.
    'nsenter', `--net=/run/netns/${ns}`, '--',
    'timeout', '0', 'dockerd',
    '-H', `unix://${join(dir, 'docker.sock')}`,
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'docker.pid'),
    '--config-file', config,
    '--bridge=none', '--iptables=false', '--ip-masq=false', '--ip-forward=false',
    '--userland-proxy=false',
  ];
}

/** Starts the daemon detached (it outlives the CLI); returns its pid. */
export function startDockerd(argv: string[], dir: string): number {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'daemon.json'), '{}\n');
  const log = openSync(join(dir, 'dockerd.log'), 'a');
  const p = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  p.unref();
  if (!p.pid) throw new MvnetError('lab', `could not start dockerd in ${dir}`, undefined, 'is docker.io installed? see mvnet doctor');
  return p.pid;
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Is `pid` a process of ours: its command line mentions our folder. */
export function isOurs(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').some((a) => a.includes(dir));
  } catch {
    return false;
  }
}

/** Processes whose command line names our folder (dockerd, its containerd, shims left behind). */
export function processesUnder(dir: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.split('\0').some((a) => a.startsWith(dir + '/') || a.includes(`=${dir}/`) || a === dir)) out.push(Number(e));
    } catch { /* gone */ }
  }
  return out;
}

/** The daemon's own pid (from its pid file), once it runs. */
export function daemonPid(dir: string): number | undefined {
  try {
    const n = Number(readFileSync(join(dir, 'docker.pid'), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch { return undefined; }
}

export async function waitReady(socket: string, pid: number, dir: string, timeoutMs = 60_000): Promise<void> {
  const docker = new Docker({ socketPath: socket });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(socket)) {
      try { await docker.ping(); return; } catch { /* not yet */ }
    }
    if (!isAlive(pid)) {
      const log = existsSync(join(dir, 'dockerd.log')) ? readFileSync(join(dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-3).join(' | ') : '';
      throw new MvnetError('lab', `dockerd exited while starting: ${log}`, dir, 'see mvnet doctor');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new MvnetError('lab', `dockerd did not answer within ${timeoutMs / 1000} s`, dir);
}

/** Stops processes gracefully, then by force. Only pids that are ours. */
export async function stopProcesses(pids: number[], dir: string, graceMs = 15_000): Promise<void> {
  const mine = pids.filter((p) => isAlive(p) && isOurs(p, dir));
  for (const p of mine) try { process.kill(p, 'SIGTERM'); } catch { /* gone */ }
  const until = Date.now() + graceMs;
  while (mine.some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  for (const p of mine) if (isAlive(p)) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
  const until2 = Date.now() + 5000;
  while (mine.some(isAlive) && Date.now() < until2) await new Promise((r) => setTimeout(r, 50));
}
