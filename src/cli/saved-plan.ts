/**
 * A plan saved by `mvnet plan -o FILE`: the topology as it was read and the changes planned against the live hosts
 * then. `mvnet apply FILE` applies that topology only if the hosts still call for exactly those changes.
 */
import { createHash } from 'node:crypto';
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
  /** sha256 of everything above: a saved plan edited by hand (an address in its topology) is refused */
  digest: string;
}

type Unsealed = Omit<SavedPlan, 'digest'>;

function digestOf(s: Unsealed): string {
  const body = JSON.stringify([s.mvnetPlan, s.file, s.topology, s.made, s.changes]);
  return createHash('sha256').update(body).digest('hex');
}

const isChange = (c: unknown): boolean => {
  if (c === null || typeof c !== 'object') return false;
  const o = c as Record<string, unknown>;
  return (
    ['host', 'kind', 'name', 'action'].every((k) => typeof o[k] === 'string') &&
    (o.liveId === null || typeof o.liveId === 'string')
  );
};

const key = (c: { host: string; kind: string; name: string; action: string; liveId?: string | null }) =>
  `${c.host}\n${c.kind}\n${c.name}\n${c.action}\n${c.liveId ?? ''}`;

export function savedPlan(topo: Topology, changes: Change[]): SavedPlan {
  const unsealed: Unsealed = {
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
  return { ...unsealed, digest: digestOf(unsealed) };
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
  const again = 'make it again with mvnet plan -o FILE';
  if (
    v === null ||
    v.mvnetPlan !== 1 ||
    typeof v.topology !== 'string' ||
    typeof v.file !== 'string' ||
    !Array.isArray(v.changes) ||
    !v.changes.every(isChange)
  ) {
    throw new MvnetError('usage', `${path} is not a plan this mvnet saved`, undefined, again);
  }
  if (typeof v.digest !== 'string')
    throw new MvnetError('usage', `${path} has no digest: it was saved by an older mvnet`, undefined, again);
  if (v.digest !== digestOf(v))
    throw new MvnetError(
      'usage',
      `${path} was changed after it was saved (its digest does not match its contents); nothing applied`,
      undefined,
      `${again}; edit the topology file, never the saved plan`,
    );
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
