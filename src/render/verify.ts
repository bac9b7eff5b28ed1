/** verify's report for people and machines. Pure. */
import type { Comparison } from '../probe/compare.ts';
import { grid, MARK } from './matrix.ts';
import { table } from './tables.ts';

export function verifyJson(c: Comparison, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const row = (p: Comparison['pairs'][number]) => ({ from: p.from, to: p.to, expected: p.expected, actual: p.actual, reason: p.reason, why: p.why, match: p.match });
  return {
    ...extra,
    pairs: c.pairs.filter((p) => !p.device).map(row),
    /** pairs with a LAN machine at one end */
    lanPairs: c.pairs.filter((p) => p.device).map(row),
    mismatches: c.mismatches,
    ...(c.rechecked === undefined ? {} : { rechecked: c.rechecked }),
  };
}

export interface Sampled { perGroupPair: number; seed: number; of: number }

export function verifyText(c: Comparison, ids: string[], color: boolean, ms: number, sampled?: Sampled): string {
  const out: string[] = [];
  const idx = new Map(c.pairs.map((p) => [`${p.from}>${p.to}`, p]));
  if (ids.length <= 60) {
    out.push('Observed (rows send, columns answer; ✓ reachable, ✗ unreachable, ' + (color ? 'red' : '!') + ' = differs from the prediction):');
    out.push(grid(ids, (f, t) => {
      const p = idx.get(`${f}>${t}`);
      return p ? { mark: MARK[p.actual], flag: !p.match } : null;
    }, color));
    out.push('');
  }
  const bad = c.pairs.filter((p) => !p.match);
  if (bad.length > 0) {
    out.push(`${bad.length} pair${bad.length > 1 ? 's' : ''} differ from the prediction:`);
    out.push(table(['from', 'to', 'expected', 'actual', 'reason', 'why'], bad.slice(0, 200).map((p) => [p.from, p.to, p.expected, p.actual, p.reason, p.why])));
    if (bad.length > 200) out.push(`... and ${bad.length - 200} more (see --json)`);
  }
  const reach = c.pairs.filter((p) => p.actual === 'reachable').length;
  const again = c.rechecked ? ` (${c.rechecked} probed again with the full budget)` : '';
  const verdict = bad.length === 0 ? 'all as predicted' : `${bad.length} differ`;
  const count = sampled ? `${c.pairs.length} of ${sampled.of} pairs` : `${c.pairs.length} pairs`;
  out.push(`${count} probed in ${(ms / 1000).toFixed(1)} s${again}: ${reach} reachable, ` +
    `${c.pairs.length - reach} unreachable; ${verdict}`);
  if (sampled) {
    out.push(`a sample: ${sampled.perGroupPair} per pair of prediction groups, every group pair covered ` +
      `(repeat it with --seed ${sampled.seed}; without --sample every pair is probed)`);
  }
  return out.join('\n');
}
