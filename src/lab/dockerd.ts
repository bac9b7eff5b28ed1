/** One real dockerd per emulated host, started in the host's network namespace only (nsenter --net). */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { dockerode } from '../engine/dockerode.ts';
import { MvnetError } from '../errors.ts';
import type { LabEngine } from '../topology/types.ts';
import { inRootfs } from './engines.ts';
import { processesNaming, zombie } from './leftovers.ts';

export function dockerdArgv(ns: string, dir: string, engine?: LabEngine): string[] {
  const config = join(dir, 'daemon.json');
  // `timeout 0` (no time limit) stays the daemon's parent and reaps it, so no zombie dockerd is left
  // where init does not reap; it forwards SIGTERM to the daemon.
  return [
    'nsenter',
    `--net=/run/netns/${ns}`,
    '--',
    ...inRootfs(engine, dir, [
      'timeout',
      '0',
      'dockerd',
      '-H',
      `unix://${join(dir, 'docker.sock')}`,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--config-file',
      config,
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      '--ip-forward=false',
      '--userland-proxy=false',
    ]),
  ];
}

/** Starts the daemon detached (it outlives the CLI); returns its pid. */
export function startDockerd(argv: string[], dir: string): number {
  mkdirSync(dir, { recursive: true });
  // a stopping engine gives its containers 1 s (default 15): `lab stop` takes seconds, and containers still stop
  // and its own identity: Docker 20.10 derives its ID from a key file, by default /etc/docker/key.json, shared by
  // every engine of this machine; a host of the lab is a machine of its own
  const config = { 'shutdown-timeout': 1, 'deprecated-key-path': join(dir, 'key.json') };
  writeFileSync(join(dir, 'daemon.json'), JSON.stringify(config) + '\n');
  return startDetached(argv, join(dir, 'dockerd.log'));
}

/** Starts a program detached, its output appended to a log; returns its pid. */
export function startDetached(argv: string[], logFile: string): number {
  const log = openSync(logFile, 'a');
  const p = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  p.unref();
  if (!p.pid)
    throw new MvnetError('lab', `could not start ${argv.join(' ')}`, undefined, 'is it installed? see mvnet doctor');
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

/** A process as the lab records it: its pid and its start time (so a reused pid is never mistaken for it). */
export interface Proc {
  pid: number;
  start: string;
}

/** The start time of a process (field 22 of /proc/PID/stat, in clock ticks since boot), or null when gone. */
export function procStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function proc(pid: number | undefined): Proc | undefined {
  const start = pid ? procStart(pid) : null;
  return pid && start ? { pid, start } : undefined;
}

/** Still the very process that was recorded. */
export function sameProcess(p: Proc): boolean {
  return isAlive(p.pid) && procStart(p.pid) === p.start;
}

function exeName(pid: number): string {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return '';
  }
}

/** What a lab's dockerd leaves running: containerd and its shims. Nothing else is ever signalled by name. */
const DAEMON_EXES = /^(dockerd|containerd|containerd-shim.*|runc|docker-proxy|sshd)$/;

/** Docker's own processes (by executable) whose command line names the lab host's folder: leftovers of its dockerd. */
export function processesUnder(dir: string): Proc[] {
  return processesNaming(dir).flatMap((pid) => {
    const p = proc(pid);
    return p && DAEMON_EXES.test(exeName(pid)) ? [p] : [];
  });
}

/** A process that runs: not gone, and not a zombie nobody reaped. */
function running(pid: number): boolean {
  return isAlive(pid) && !zombie(pid);
}

/**
 * A containerd pid file left by a killed dockerd whose containerd is gone or a zombie: the next dockerd would
 * take the zombie for a running containerd, wait for it and give up ("timeout waiting for containerd to start").
 */
export function clearStaleContainerd(dir: string): void {
  const file = join(dir, 'exec', 'containerd', 'containerd.pid');
  let pid: number;
  try {
    pid = Number(readFileSync(file, 'utf8').trim());
  } catch {
    return;
  }
  if (!(pid > 0) || !running(pid)) rmSync(file, { force: true });
}

/** The daemon's own pid (from its pid file), once it runs. */
export function daemonPid(dir: string): number | undefined {
  try {
    const n = Number(readFileSync(join(dir, 'docker.pid'), 'utf8').trim());
    return n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function waitReady(socket: string, pid: number, dir: string, timeoutMs = 60_000): Promise<void> {
  const docker = new (dockerode())({ socketPath: socket });
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(socket)) {
      try {
        await docker.ping();
        return;
      } catch {
        /* not yet */
      }
    }
    if (!isAlive(pid)) {
      const log = existsSync(join(dir, 'dockerd.log'))
        ? readFileSync(join(dir, 'dockerd.log'), 'utf8').trim().split('\n').slice(-3).join(' | ')
        : '';
      throw new MvnetError('lab', `dockerd exited while starting: ${log}`, dir, 'see mvnet doctor');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new MvnetError('lab', `dockerd did not answer within ${timeoutMs / 1000} s`, dir);
}

/** Stops recorded processes gracefully, then by force: only those that are still the same process. */
export async function stopProcesses(procs: Proc[], graceMs = 15_000): Promise<void> {
  const mine = procs.filter(sameProcess);
  const alive = () => mine.filter(sameProcess);
  for (const p of alive())
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  const until = Date.now() + graceMs;
  while (alive().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  for (const p of alive())
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  const until2 = Date.now() + 5000;
  while (alive().length && Date.now() < until2) await new Promise((r) => setTimeout(r, 50));
}
