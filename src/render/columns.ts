/**
 * Borderless aligned columns, as docker and kubectl print them: an upper-case header, two spaces between columns,
 * never wider than the terminal. When the columns do not fit, the widest ones give way first and a cut cell ends
 * in "…". Pure.
 */

const GAP = 2;

/** Characters as a terminal shows them (✓ and ✗ take one column; combining marks none). */
export function displayWidth(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x300 && c < 0x370) continue;
    n += c >= 0x1100 && isWide(c) ? 2 : 1;
  }
  return n;
}

function isWide(c: number): boolean {
  return (
    c <= 0x115f ||
    (c >= 0x2e80 && c <= 0xa4cf) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x1f300 && c <= 0x1faff) ||
    (c >= 0x20000 && c <= 0x3fffd)
  );
}

/** `s` cut to `width` columns, ending in "…" when cut. */
export function fit(s: string, width: number): string {
  if (displayWidth(s) <= width) return s;
  if (width <= 0) return '';
  let out = '';
  let n = 0;
  for (const ch of s) {
    const w = displayWidth(ch);
    if (n + w > width - 1) break;
    out += ch;
    n += w;
  }
  return `${out}…`;
}

function pad(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** Column widths that fit `total`: the widest column is narrowed first, none below its header or 4. */
function widths(natural: number[], floor: number[], total: number): number[] {
  const w = [...natural];
  const sum = () => w.reduce((a, b) => a + b, 0) + GAP * (w.length - 1);
  while (sum() > total) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i] > floor[i] && (widest < 0 || w[i] > w[widest])) widest = i;
    if (widest < 0) break;
    w[widest] -= Math.min(w[widest] - floor[widest], sum() - total);
  }
  return w;
}

/**
 * Rows under a header, aligned, each line at most `width` columns (the last resort when even the floors do not
 * fit: lines are cut at `width`).
 */
export function columns(head: string[], rows: string[][], width: number, upper = true): string {
  const all = [upper ? head.map((h) => h.toUpperCase()) : head, ...rows];
  const natural = head.map((_, i) => Math.max(...all.map((r) => displayWidth(r[i] ?? ''))));
  const floor = head.map((h, i) => Math.min(natural[i], Math.max(4, h.length)));
  const w = widths(natural, floor, width);
  return all
    .map((r) => {
      const line = r
        .map((cell, i) => (i === r.length - 1 ? fit(cell ?? '', w[i]) : pad(fit(cell ?? '', w[i]), w[i])))
        .join(' '.repeat(GAP))
        .trimEnd();
      return fit(line, width);
    })
    .join('\n');
}

/** Text wrapped at word boundaries to `width`, each line after the first indented by `indent` spaces. */
export function wrap(text: string, width: number, indent = 0): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const room = width - (lines.length ? indent : 0);
    if (line && displayWidth(line) + 1 + displayWidth(word) > room) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => fit((i ? ' '.repeat(indent) : '') + l, width)).join('\n');
}

/** `prefix` then `text` wrapped to `width`, the lines after the first indented to where the text began. */
export function hang(prefix: string, text: string, width: number): string {
  if (!Number.isFinite(width)) return prefix + text;
  const indent = displayWidth(prefix);
  // too little room beside the prefix: the text goes under it, indented by two
  if (width - indent < 20) {
    const under = wrap(text, Math.max(1, width - 2), 0)
      .split('\n')
      .map((l) => fit(`  ${l}`, width));
    return [fit(prefix.trimEnd(), width), ...under].join('\n');
  }
  const body = wrap(text, width - indent, 0).split('\n');
  return body.map((l, i) => fit((i ? ' '.repeat(indent) : prefix) + l, width)).join('\n');
}

/**
 * A shell command to copy, broken at spaces with `\` continuations so that no line is wider than `width` (the
 * shell joins them again; a backslash-newline is removed inside double quotes too). Never broken inside single
 * quotes.
 */
export function commandLines(cmd: string, width: number, indent = 2): string {
  const pad = ' '.repeat(indent);
  if (!Number.isFinite(width) || displayWidth(pad + cmd) <= width) return pad + cmd;
  const words: string[] = [];
  let quoted = false;
  let word = '';
  for (const ch of cmd) {
    if (ch === "'") quoted = !quoted;
    if (ch === ' ' && !quoted) {
      words.push(word);
      word = '';
    } else word += ch;
  }
  words.push(word);
  const lines: string[] = [];
  let line = pad;
  for (const w of words) {
    const room = width - 2; // the " \" that ends a broken line
    if (line.trim() && displayWidth(`${line} ${w}`) > room) {
      lines.push(`${line} \\`);
      line = `${pad}    ${w}`;
    } else line = line.trim() ? `${line} ${w}` : `${pad}${w}`;
  }
  lines.push(line);
  return lines.join('\n');
}
