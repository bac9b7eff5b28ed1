/**
 * Neighbour-table limits. The kernel keeps one neighbour table for all network namespaces, so a lab's full mesh
 * of E endpoints holds about E² entries at once (each sender learns each receiver, and the other way round).
 * The defaults (128/512/1024) overflow at a few dozen containers: "neighbor table overflow" and false ping
 * failures. Raised to fit the largest lab while any lab is up (never lowered by a smaller one), restored by the
 * last down.
 */
import { existsSync, readFileSync, writeFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { labRoot } from './paths.ts';

const KEYS = ['gc_thresh1', 'gc_thresh2', 'gc_thresh3'];

/** Limits for a lab of `endpoints` (containers, hosts, LAN machines): room for 2 E² entries, at least 32768. */
export function neighbourLimits(endpoints: number): Record<string, number> {
  let max = 32768;
  while (max < 2 * endpoints * endpoints && max < 1 << 24) max *= 2;
  return { gc_thresh1: max / 8, gc_thresh2: max / 2, gc_thresh3: max };
}
const proc = (k: string) => `/proc/sys/net/ipv4/neigh/default/${k}`;
const saved = () => join(labRoot(), 'neigh-defaults.json');

export function raiseNeighbourLimits(endpoints: number): void {
  mkdirSync(labRoot(), { recursive: true });
  if (!existsSync(saved())) {
    const orig = Object.fromEntries(KEYS.map((k) => [k, Number(readFileSync(proc(k), 'utf8').trim())]));
    writeFileSync(saved(), JSON.stringify(orig));
  }
  const want = neighbourLimits(endpoints);
  // the highest first: the kernel wants thresh1 <= thresh2 <= thresh3 at every step
  for (const k of [...KEYS].reverse()) {
    const now = Number(readFileSync(proc(k), 'utf8').trim());
    if (want[k] > now) writeFileSync(proc(k), String(want[k]));
  }
}

/** Restores the saved limits when no lab is left. */
export function restoreNeighbourLimits(): void {
  if (!existsSync(saved())) return;
  const others = existsSync(labRoot())
    ? readdirSync(labRoot()).filter((d) => existsSync(join(labRoot(), d, 'lab.json')))
    : [];
  if (others.length > 0) return;
  const orig = JSON.parse(readFileSync(saved(), 'utf8')) as Record<string, number>;
  for (const k of KEYS) writeFileSync(proc(k), String(orig[k]));
  rmSync(saved(), { force: true });
}
