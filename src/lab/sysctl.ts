/**
 * Neighbour-table limits. A full mesh of a few dozen containers overflows the defaults (128/512/1024):
 * "neighbor table overflow" and false ping failures. Raised while any lab is up, restored by the last down.
 */
import { existsSync, readFileSync, writeFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { labRoot } from './paths.ts';

const KEYS = ['gc_thresh1', 'gc_thresh2', 'gc_thresh3'];
const RAISED: Record<string, number> = { gc_thresh1: 4096, gc_thresh2: 16384, gc_thresh3: 32768 };
const proc = (k: string) => `/proc/sys/net/ipv4/neigh/default/${k}`;
const saved = () => join(labRoot(), 'neigh-defaults.json');

export function raiseNeighbourLimits(): void {
  mkdirSync(labRoot(), { recursive: true });
  if (!existsSync(saved())) {
    const orig = Object.fromEntries(KEYS.map((k) => [k, Number(readFileSync(proc(k), 'utf8').trim())]));
    writeFileSync(saved(), JSON.stringify(orig));
  }
  for (const k of KEYS) writeFileSync(proc(k), String(RAISED[k]));
}

/** Restores the saved limits when no lab is left. */
export function restoreNeighbourLimits(): void {
  if (!existsSync(saved())) return;
  const others = existsSync(labRoot()) ? readdirSync(labRoot()).filter((d) => existsSync(join(labRoot(), d, 'lab.json'))) : [];
  if (others.length > 0) return;
  const orig = JSON.parse(readFileSync(saved(), 'utf8')) as Record<string, number>;
  for (const k of KEYS) writeFileSync(proc(k), String(orig[k]));
  rmSync(saved(), { force: true });
}
