/**
 * What apply remembers of `mvnet check`: host pairs whose LAN carried frames from foreign MACs, for 30 days. A
 * pair is known by each side's engine endpoint, LAN interface and that interface's MAC, so a new machine (or a
 * new lab) behind the same name is checked again. Only pairs that crossed are kept: a blocked pair is checked
 * again on every apply, so fixing the switch is seen at once. The file lives in $XDG_CACHE_HOME/mvnet (else
 * ~/.cache/mvnet); losing it only costs a check.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

const DAYS_30 = 30 * 24 * 3600 * 1000;

export interface HostSide {
  endpoint: string;
  iface: string;
  mac: string;
}

export function memoFile(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'mvnet', 'lan-checks.json');
}

export function pairKey(a: HostSide, b: HostSide): string {
  return [a, b]
    .map((s) => `${s.endpoint} ${s.iface} ${s.mac}`)
    .sort()
    .join(' | ');
}

function read(file: string): Record<string, number> {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, number>) : {};
  } catch {
    return {};
  }
}

/** Keys checked and crossing within the last 30 days. */
export function crossingPairs(now = Date.now(), file = memoFile()): Set<string> {
  return new Set(
    Object.entries(read(file))
      .filter(([, t]) => typeof t === 'number' && now - t < DAYS_30)
      .map(([k]) => k),
  );
}

/** Records pairs that crossed (a cache: a file that cannot be written is left alone). */
export function rememberCrossing(keys: string[], now = Date.now(), file = memoFile()): void {
  if (keys.length === 0) return;
  const all = read(file);
  for (const [k, t] of Object.entries(all)) if (typeof t !== 'number' || now - t >= DAYS_30) delete all[k];
  for (const k of keys) all[k] = now;
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, JSON.stringify(all, null, 1) + '\n');
    renameSync(tmp, file);
  } catch {
    /* a cache */
  }
}
