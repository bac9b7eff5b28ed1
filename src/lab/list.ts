/** The labs recorded on this machine, each with its state: up (every engine answers), partly up, down, unfinished. */
import { existsSync, readdirSync } from 'node:fs';
import { answers } from '../engine/census.ts';
import { labEndpoint, labRoot } from './paths.ts';
import { readState } from './state.ts';

export interface LabEntry {
  lab: string;
  file: string;
  hosts: number;
  state: string;
  created: string;
  engines: { host: string; endpoint: string }[];
}

export async function labList(): Promise<LabEntry[]> {
  if (!existsSync(labRoot())) return [];
  const out: LabEntry[] = [];
  for (const name of readdirSync(labRoot()).sort()) {
    const s = readState(name);
    if (!s) continue;
    const engines = Object.keys(s.hosts).map((h) => ({ host: h, endpoint: labEndpoint(name, h) }));
    const up = (await Promise.all(engines.map((e) => answers(e.endpoint)))).filter(Boolean).length;
    const state = !s.ready
      ? 'unfinished'
      : up === engines.length
        ? 'up'
        : up === 0
          ? 'engines stopped'
          : `${up} of ${engines.length} engines up`;
    out.push({ lab: name, file: s.file, hosts: engines.length, state, created: s.createdAt, engines });
  }
  return out;
}
