/**
 * Reading a pasted script as a shell would see its lines, without running anything: continuation lines (`\`, and
 * PowerShell's `` ` `` and cmd's `^`), prompts copied with the command (`root@host:~# `, `$ `, `[root@c ~]# `, a
 * bare `# ` before `docker`), `&&` and `;` between commands, and variables: the script's own `NAME=value` (and
 * `export`), `--var NAME=VALUE` first. A variable the script sets from a command or never sets is reported by
 * name, never half-used. Pure.
 */
import { splitWords } from '../words.ts';
import type { Note, Where } from './model.ts';

export interface Line {
  where: Where;
  text: string;
  /** a `# docker …` line: a prompt or a commented-out command */ commented: boolean;
}

const PROMPT =
  /^(?:\S+@[\w.-]+(?::\S*)?\s*[#$%]|\[[^\]]+\]\s*[#$]|PS [^>]*>|[$%>#])\s*(?=(?:sudo\s+(?:-\S+\s+)*)?docker\b)/;
const CONTINUED = /(?:\\|`|\s\^)\s*$/;

/**
 * A line continued on the next: a trailing `\`, cmd's ` ^`, or PowerShell's `` ` `` — but a backtick that closes a
 * command substitution (`X=\`hostname\``: an even number of backticks) ends the line, or it would swallow the next.
 */
function continued(t: string): boolean {
  const m = CONTINUED.exec(t);
  if (!m) return false;
  if (!m[0].startsWith('`')) return true;
  return (t.match(/`/g)?.length ?? 0) % 2 === 1;
}

/** The logical lines of a script: continuations joined (the first line's number), prompts taken off. */
export function logicalLines(text: string, file: string): Line[] {
  const raw = text.split(/\r?\n/);
  const out: Line[] = [];
  for (let i = 0; i < raw.length; i++) {
    const line = i + 1;
    let t = raw[i];
    while (continued(t) && i + 1 < raw.length) t = t.replace(CONTINUED, ' ') + raw[++i];
    // a wrapped command whose next line starts with an option (READMEs wrap without a backslash)
    while (
      /^\s*(?:sudo\s+)?docker\b/.test(t.replace(PROMPT, '')) &&
      i + 1 < raw.length &&
      /^\s+--?[a-z]/.test(raw[i + 1])
    )
      t += ' ' + raw[++i];
    t = t.trim();
    const commented = /^#\s*(?:sudo\s+)?docker\b/.test(t);
    const bare = commented ? t.replace(/^#\s*/, '') : t.replace(PROMPT, '');
    out.push({ where: { file, line }, text: bare, commented });
  }
  return out;
}

export type Vars = Map<string, { value?: string; where?: Where; fromCommand?: string }>;

/** `NAME=value` or `export NAME=value` (one assignment alone on its line): its name and words. */
export function assignment(text: string): { name: string; value: string; command?: string } | null {
  const m = /^(?:export\s+|readonly\s+|local\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(text);
  if (!m) return null;
  const rest = m[2].trim();
  if (/^\$\(|^`/.test(rest) || /\$\(|`/.test(rest)) return { name: m[1], value: '', command: rest.slice(0, 60) };
  const w = splitWords(rest, { comments: true });
  if (!w.ok || w.words.length > 1) return null;
  return { name: m[1], value: w.words[0] ?? '' };
}

/**
 * Expands `$NAME`, `${NAME}` and `${NAME:-default}` outside single quotes. Unknown names (and names set from a
 * command) are returned, and the text is not used.
 */
export function expand(text: string, vars: Vars): { text: string; missing: string[] } {
  const missing: string[] = [];
  let out = '';
  let quoted = false;
  let close = -2;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'") {
      quoted = !quoted;
      out += ch;
      continue;
    }
    if (ch !== '$' || quoted) {
      out += ch;
      continue;
    }
    // the next `}` is found once and reused: a line of many `${X:-` stays linear (no rescan per `$`)
    if (close !== -1 && close < i) close = text.indexOf('}', i);
    const m = reference(text, i, close);
    if (!m) {
      out += ch;
      continue;
    }
    const v = vars.get(m.name);
    if (v && v.value !== undefined && !v.fromCommand) out += v.value;
    else if (m.def !== undefined && !v) out += m.def;
    else {
      missing.push(m.name);
      out += m.all;
    }
    i += m.all.length - 1;
  }
  return { text: out, missing: [...new Set(missing)] };
}

const BRACED = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}$/;
const PLAIN = /\$([A-Za-z_][A-Za-z0-9_]*)/y;

/** The variable reference at `i` (`${NAME}`, `${NAME:-default}` up to `close`, or `$NAME`) as a match, or null. */
function reference(text: string, i: number, close: number): { all: string; name: string; def?: string } | null {
  if (text[i + 1] === '{') {
    const m = close > i ? BRACED.exec(text.slice(i, close + 1)) : null;
    return m ? { all: m[0], name: m[1], ...(m[2] !== undefined ? { def: m[2] } : {}) } : null;
  }
  PLAIN.lastIndex = i;
  const m = PLAIN.exec(text);
  return m ? { all: m[0], name: m[1] } : null;
}

/** Splits a line into commands at `&&`, `||` and `;` outside quotes (before it is split into words). */
export function commands(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let q: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      cur += ch;
      if (ch === q) q = null;
      else if (ch === '\\' && q === '"') cur += text[++i] ?? '';
      continue;
    }
    if (ch === '\\') {
      cur += ch + (text[++i] ?? '');
      continue;
    }
    if (ch === '"' || ch === "'") {
      q = ch;
      cur += ch;
      continue;
    }
    if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]))) break;
    const two = text.slice(i, i + 2);
    if (ch === ';' || two === '&&' || two === '||') {
      out.push(cur);
      cur = '';
      if (ch !== ';') i++;
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.map((c) => c.trim()).filter(Boolean);
}

/** The note for a variable that cannot be known: asked for by name. */
export function missingVar(where: Where, text: string, name: string, vars: Vars): Note {
  const v = vars.get(name);
  const why = v?.fromCommand
    ? `is set from a command (${v.fromCommand}) that mvnet does not run`
    : 'is set nowhere (no assignment, no --var)';
  return { where, text, rank: 0, problem: `$${name} ${why}: give it with --var ${name}=VALUE` };
}
