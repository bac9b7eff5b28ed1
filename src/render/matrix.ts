/** Reachability matrices and group summaries for the terminal. Pure. */
import type { Group, Prediction } from '../predict/predict.ts';
import type { Reach } from '../predict/reasons.ts';
import { table } from './tables.ts';

export const MARK: Record<Reach, string> = { reachable: '✓', unreachable: '✗' };

export function groupLabel(g: Group): string {
  return g.kind === 'host' ? `${g.host} (host)` : g.kind === 'device' ? `${g.host} (LAN machine)` : `${g.host}/* on ${g.network}`;
}

/** One line per ordered pair of groups: what happens and why. */
export function groupSummary(p: Prediction): string {
  const rows: string[][] = [];
  p.groups.forEach((a, i) => p.groups.forEach((b, j) => {
    const v = p.verdict(i, j);
    if (!v) return;
    rows.push([groupLabel(a), groupLabel(b), `${MARK[v.expected]} ${v.expected}`, v.reason, v.why]);
  }));
  return table(['from', 'to', 'result', 'reason', 'why'], rows);
}

export interface Cell {
  mark: string;
  /** highlight (a mismatch) */
  flag?: boolean;
}

/** An endpoint-by-endpoint grid; rows are senders, columns receivers, grouped by host. */
export function grid(ids: string[], cell: (from: string, to: string) => Cell | null, color = false): string {
  const w = String(ids.length).length;
  const lines: string[] = [];
  ids.forEach((id, i) => lines.push(`${String(i + 1).padStart(w)}  ${id}`));
  lines.push('');
  const head = ' '.repeat(w + 2) + ids.map((_, i) => String(i + 1).padStart(w + 1)).join('');
  lines.push(head);
  ids.forEach((from, i) => {
    let row = `${String(i + 1).padStart(w)}  `;
    for (const to of ids) {
      const c = from === to ? null : cell(from, to);
      let m = c ? c.mark : '·';
      if (c?.flag) m = color ? `\x1b[1;31m${m}\x1b[0m` : '!';
      row += ' '.repeat(w) + m;
    }
    lines.push(row);
  });
  return lines.join('\n');
}
