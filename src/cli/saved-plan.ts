/**
 * A plan saved by `mvnet plan -o FILE`: the topology as it was read and the changes planned against the live hosts
 * then. `mvnet apply FILE` applies that topology only if the hosts still call for exactly those changes.
 */
import { readFileSync } from 'node:fs';
import type { Change } from '../engine/diff.ts';
import { MvnetError } from '../errors.ts';
import { parseTopology } from '../topology/load.ts';
import type { Topology } from '../topology/types.ts';

export interface SavedPlan {
  mvnetPlan: 1;
  /** the topology file it was made from, and its text then */
  file: string;
  topology: string;
  made: string;
  changes: { host: string; kind: string; name: string; action: string; liveId: string | null }[];
}

const key = (c: { host: string; kind: string; name: string; action: string; liveId?: string | null }) =>
  `${c.host}\n${c.kind}\n${c.name}\n${c.action}\n${c.liveId ?? ''}`;

export function savedPlan(topo: Topology, changes: Change[]): SavedPlan {
  return {
    mvnetPlan: 1,
    file: topo.file,
    topology: readFileSync(topo.file, 'utf8'),
    made: new Date().toISOString(),
    changes: changes.map((c) => ({
      host: c.host,
      kind: c.kind,
      name: c.name,
      action: c.action,
      liveId: c.liveId ?? null,
    })),
  };
}

/** The saved plan in `path`, or null when the file is not one (a topology file, say). */
export function readSavedPlan(path: string): SavedPlan | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  if (!/^\s*\{/.test(text) || !text.includes('"mvnetPlan"')) return null;
  let v: SavedPlan;
  try {
    v = JSON.parse(text) as SavedPlan;
  } catch {
    return null;
  }
  if (v.mvnetPlan !== 1 || typeof v.topology !== 'string' || !Array.isArray(v.changes)) {
    throw new MvnetError(
      'usage',
      `${path} is not a plan this mvnet saved`,
      undefined,
      'make it again with mvnet plan -o FILE',
    );
  }
  return v;
}

export function savedTopology(s: SavedPlan): Topology {
  return parseTopology(s.topology, s.file);
}

/** What differs between the saved changes and the ones the hosts call for now (empty: the same). */
export function moved(s: SavedPlan, now: Change[]): string[] {
  const before = new Set(s.changes.map(key));
  const after = new Set(now.map(key));
  const say = (c: { host: string; kind: string; name: string; action: string }) =>
    `${c.host}: ${c.action} ${c.kind} ${c.name}`;
  return [
    ...s.changes.filter((c) => !after.has(key(c))).map((c) => `planned, no longer called for: ${say(c)}`),
    ...now.filter((c) => !before.has(key(c))).map((c) => `called for now, not in the plan: ${say(c)}`),
  ];
}
