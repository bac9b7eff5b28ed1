/**
 * Which pairs verify probes, grouped per source: every predicted pair (IPv6 ones too) or a sample of them;
 * pairs from LAN devices only where they can be probed (the lab). Pure.
 */
import { pairs, type PairVerdict, type Prediction } from '../predict/predict.ts';
import { pairs6 } from '../predict/family6.ts';
import { samplePairs } from '../predict/sample.ts';
import type { Plan } from '../plan/types.ts';
import type { ProbeJob } from './probe.ts';

export interface ProbePlan {
  /** the pairs chosen (all, or the sample) */
  chosen: PairVerdict[];
  jobs: ProbeJob[];
  /** FROM>TARGET of every pair probed (an IPv6 pair's target is its id with #6) */
  only: Set<string>;
  /** chosen pairs left out: from a LAN device where nothing can probe from it */
  skipped: number;
  /** what the prediction says of a probed pair (the fast pass asks) */
  expected: (from: string, to: string) => boolean;
}

/** An IPv6 pair's target: its id with #6, which the probe pings at its IPv6 twin. */
export const targetOf = (x: { to: string; family?: 6 }) => (x.family ? `${x.to}#6` : x.to);

export function probePlan(
  plan: Plan,
  pred: Prediction,
  o: { sample?: number; seed: number; devices: boolean },
): ProbePlan {
  const chosen = o.sample === undefined ? [...pairs(pred), ...pairs6(plan, pred)] : samplePairs(pred, o.sample, o.seed);
  const bySource = new Map<string, string[]>();
  for (const x of chosen) bySource.set(x.from, [...(bySource.get(x.from) ?? []), targetOf(x)]);
  const devices = new Set(plan.devices.map((d) => d.name));
  const jobs = [...bySource]
    .filter(([source]) => o.devices || !devices.has(source))
    .map(([source, targets]) => ({ source, targets }));
  const only = new Set(jobs.flatMap((j) => j.targets.map((t) => `${j.source}>${t}`)));
  const reach = new Set(chosen.filter((x) => x.expected === 'reachable').map((x) => `${x.from}>${targetOf(x)}`));
  return { chosen, jobs, only, skipped: chosen.length - only.size, expected: (from, to) => reach.has(`${from}>${to}`) };
}
