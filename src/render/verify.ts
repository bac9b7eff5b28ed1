/** verify's report for people and machines. Pure. */
import type { Comparison } from '../probe/compare.ts';
import { columns, displayWidth, hang } from './columns.ts';
import { grid, MARK } from './matrix.ts';
import type { View } from './plan.ts';

export function verifyJson(c: Comparison, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const row = (p: Comparison['pairs'][number]) => ({
    from: p.from,
    to: p.to,
    ...(p.family ? { family: p.family } : {}),
    expected: p.expected,
    actual: p.actual,
    reason: p.reason,
    why: p.why,
    match: p.match,
  });
  return {
    ...extra,
    pairs: c.pairs.filter((p) => !p.device).map(row),
    /** pairs with a LAN machine at one end */
    lanPairs: c.pairs.filter((p) => p.device).map(row),
    mismatches: c.mismatches,
    ...(c.rechecked === undefined ? {} : { rechecked: c.rechecked }),
  };
}

export interface Sampled {
  perGroupPair: number;
  seed: number;
  of: number;
}

export function verifyText(
  c: Comparison,
  ids: string[],
  view: View & { color: boolean },
  ms: number,
  sampled?: Sampled,
): string {
  const width = view.wide ? Infinity : view.width;
  const out: string[] = [];
  // the matrix is IPv4's; IPv6 pairs are counted below and listed when they differ
  const idx = new Map(c.pairs.filter((p) => !p.family).map((p) => [`${p.from}>${p.to}`, p]));
  if (ids.length <= 60) {
    const g = grid(
      ids,
      (f, t) => {
        const p = idx.get(`${f}>${t}`);
        return p ? { mark: MARK[p.actual], flag: !p.match } : null;
      },
      view.color,
    );
    const need = Math.max(...g.split('\n').map((l) => displayWidth(l.replace(/\x1b\[[0-9;]*m/g, ''))));
    if (need <= width) {
      out.push(
        hang(
          '',
          'Observed (rows send, columns answer; ✓ reachable, ✗ unreachable, ! differs from the prediction):',
          width,
        ),
        g,
        '',
      );
    } else out.push(`(the observed matrix needs ${need} columns: a wider terminal or --wide shows it)`, '');
  }
  const bad = c.pairs.filter((p) => !p.match);
  if (bad.length > 0) {
    out.push(`${bad.length} pair${bad.length > 1 ? 's' : ''} differ from the prediction:`);
    const rows = bad
      .slice(0, 200)
      .map((p) => [
        '!',
        p.from,
        p.family ? `${p.to} (IPv6)` : p.to,
        p.expected,
        p.actual,
        p.reason,
        ...(view.wide ? [p.why] : []),
      ]);
    out.push(columns(['', 'from', 'to', 'expected', 'actual', 'reason', ...(view.wide ? ['why'] : [])], rows, width));
    if (bad.length > 200) out.push(`... and ${bad.length - 200} more (see --json)`);
    if (!view.wide) {
      // each pair's own explanation, once per distinct sentence
      const seen = new Set<string>();
      out.push('');
      for (const p of bad.slice(0, 200)) {
        if (seen.has(p.why)) continue;
        seen.add(p.why);
        out.push(hang(`  ${p.reason}: `, p.why, width));
      }
    }
  }
  const reach = c.pairs.filter((p) => p.actual === 'reachable').length;
  const again = c.rechecked ? ` (${c.rechecked} probed again with the full budget)` : '';
  const verdict = bad.length === 0 ? 'all as predicted' : `${bad.length} differ`;
  const count = sampled ? `${c.pairs.length} of ${sampled.of} pairs` : `${c.pairs.length} pairs`;
  const six = c.pairs.filter((p) => p.family === 6).length;
  out.push(
    hang(
      '',
      `${count}${six ? ` (${six} over IPv6)` : ''} probed in ${(ms / 1000).toFixed(1)} s${again}: ` +
        `${reach} reachable, ` +
        `${c.pairs.length - reach} unreachable; ${verdict}`,
      width,
    ),
  );
  if (sampled) {
    out.push(
      hang(
        '',
        `a sample: ${sampled.perGroupPair} per pair of prediction groups, every group pair covered ` +
          `(repeat it with --seed ${sampled.seed}; without --sample every pair is probed)`,
        width,
      ),
    );
  }
  return out.join('\n');
}
