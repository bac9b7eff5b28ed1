/** Reachability matrices and group summaries for the terminal. Pure. */
import type { Group, Prediction } from '../predict/predict.ts';
import { REASON_TEXT, type Reach, type Reason } from '../predict/reasons.ts';
import { columns, hang } from './columns.ts';

export const MARK: Record<Reach, string> = { reachable: '✓', unreachable: '✗' };

export function groupLabel(g: Group): string {
  return g.kind === 'host'
    ? `${g.host} (host)`
    : g.kind === 'device'
      ? `${g.host} (LAN machine)`
      : `${g.host}/* on ${g.network}`;
}

/** Beyond this many group pairs, the summary counts them by outcome instead of listing them. */
const GROUP_ROWS = 200;

/**
 * One line per ordered pair of groups (FROM TO RESULT REASON; with `wide` also WHY), then each reason met,
 * explained once. Many groups: one line per outcome with its counts.
 */
export function groupSummary(p: Prediction, width: number, wide = false): string {
  const rows: string[][] = [];
  const used = new Map<Reason, number>();
  const n = p.groups.length;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      const code = p.codes[i * n + j];
      if (code) used.set(p.kinds[code - 1].reason, (used.get(p.kinds[code - 1].reason) ?? 0) + 1);
    }
  let table: string;
  if (n * n <= GROUP_ROWS || (wide && n * n <= GROUP_ROWS * 50)) {
    p.groups.forEach((a, i) =>
      p.groups.forEach((b, j) => {
        const v = p.verdict(i, j);
        if (!v) return;
        rows.push([
          groupLabel(a),
          groupLabel(b),
          `${MARK[v.expected]} ${v.expected}`,
          v.reason,
          ...(wide ? [v.why] : []),
        ]);
      }),
    );
    table = columns(['from', 'to', 'result', 'reason', ...(wide ? ['why'] : [])], rows, width);
  } else {
    table =
      columns(
        ['result', 'reason', 'group pairs'],
        p.kinds.map((k, i) => [`${MARK[k.expected]} ${k.expected}`, k.reason, String(countCode(p, i + 1))]),
        width,
      ) + `\n(${n} groups: one line per outcome; --json lists every group pair)`;
  }
  if (wide) return table;
  const legend = [...used.keys()].map((r) => [r, REASON_TEXT[r]]);
  const key = Math.max(...legend.map(([r]) => r.length));
  return [table, '', ...legend.map(([r, t]) => hang(`  ${r.padEnd(key)}  `, t, width))].join('\n');
}

function countCode(p: Prediction, code: number): number {
  let n = 0;
  for (const c of p.codes) if (c === code) n++;
  return n;
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
      if (c?.flag) m = color ? '\x1b[1;31m!\x1b[0m' : '!';
      row += ' '.repeat(w) + m;
    }
    lines.push(row);
  });
  return lines.join('\n');
}
