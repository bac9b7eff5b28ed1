/** The lab's record of what it created: written before each creation, read by down. */
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { labDir } from './paths.ts';
import type { Proc } from './dockerd.ts';
import type { RemoteHost } from './remote.ts';

export interface LabHostState {
  ns: string;
  dir: string;
  socket: string;
  pid?: number;
  /** the processes started for this host (the nsenter/timeout wrapper and dockerd), with their start times */
  procs?: Proc[];
  /** the host's sshd (lab up --remote) */
  sshd?: Proc;
  /** bridge-side ports of this host's parents */
  ports: string[];
  /** the daemon's command line, to start it again */
  argv: string[];
}

export interface LabState {
  name: string;
  file: string;
  lanNs: string;
  namespaces: string[];
  hosts: Record<string, LabHostState>;
  ready: boolean;
  createdAt: string;
  /** what the lab was built from (hosts, parents, addresses, devices): a file that differs is refused */
  layout?: string;
  /** `lab up --remote`: each host's management link and addresses (ssh on :22, TLS on :2376) */
  remote?: Record<string, RemoteHost>;
}

export function statePath(lab: string): string {
  return join(labDir(lab), 'lab.json');
}

/** The lab's record, only when it is this lab's own (its name inside matches). */
export function readState(lab: string): LabState | null {
  try {
    const s = JSON.parse(readFileSync(statePath(lab), 'utf8')) as LabState;
    return s.name === lab ? s : null;
  } catch {
    return null;
  }
}

export function writeState(s: LabState): void {
  mkdirSync(labDir(s.name), { recursive: true });
  const p = statePath(s.name);
  writeFileSync(p + '.tmp', JSON.stringify(s, null, 2));
  renameSync(p + '.tmp', p);
}
