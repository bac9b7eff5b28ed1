/** Reading a topology file: YAML -> shape check -> value rules -> Topology. All problems at once. */
import { isScalar, LineCounter, parseDocument, visit, YAMLParseError } from 'yaml';
import type { ZodIssue } from 'zod';
import { TopologyError, type Issue } from '../errors.ts';
import { TopologySchema } from './schema.ts';
import { validate } from './validate.ts';
import type { Topology } from './types.ts';

function zodIssueToIssue(z: ZodIssue): Issue[] {
  const path = z.path.join('.') || '(top level)';
  if (z.code === 'unrecognized_keys') {
    return z.keys.map((k) => {
      const near = nearest(k);
      return {
        path: path === '(top level)' ? k : `${path}.${k}`,
        message: `unknown field "${k}"${near ? ` (did you mean "${near}"?)` : ''}`,
        hint: near ? `rename it to ${near}` : 'check the spelling; see examples/ for the fields mvnet knows',
      };
    });
  }
  if (z.code === 'invalid_type' && z.received === 'undefined') return [{ path, message: 'is required but missing' }];
  if (
    z.code === 'invalid_union' &&
    z.unionErrors.every((u) => u.issues.some((i) => i.code === 'invalid_type' && i.received === 'undefined'))
  ) {
    return [{ path, message: 'is required but missing' }];
  }
  if (z.code === 'invalid_union') {
    const first = z.unionErrors.map((e) => e.issues[0]?.message).filter(Boolean)[0];
    return [{ path, message: `has the wrong type (${first ?? 'see examples/'})` }];
  }
  return [{ path, message: z.message }];
}

/** Every field name the file format knows (collected from the schema once). */
const FIELDS = new Set<string>();
(function collect(t: unknown): void {
  const def = (t as { _def?: Record<string, unknown> })?._def;
  if (!def) return;
  const shape = typeof def.shape === 'function' ? (def.shape as () => Record<string, unknown>)() : undefined;
  if (shape)
    for (const [k, v] of Object.entries(shape)) {
      FIELDS.add(k);
      collect(v);
    }
  for (const key of ['innerType', 'type', 'valueType', 'schema', 'left', 'right']) collect(def[key]);
  for (const o of (def.options as unknown[] | undefined) ?? []) collect(o);
})(TopologySchema);

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  return d[a.length][b.length];
}

/** The known field closest to a misspelled one (at most 2 edits, or a different case). */
function nearest(key: string): string | null {
  if (key.length > 40) return null;
  let best: string | null = null,
    bestD = 3;
  for (const f of FIELDS) {
    const dist = f.toLowerCase() === key.toLowerCase() ? 0 : distance(key, f);
    if (dist < bestD) {
      best = f;
      bestD = dist;
    }
  }
  return best;
}

/** Keys in a parsed JSON value, all levels. */
function keysIn(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + keysIn(x), 0);
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  for (const x of Object.values(v)) n += 1 + keysIn(x);
  return n;
}

/** Key tokens in JSON text: strings followed by a colon. */
function keyTokens(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== 34) continue; // "
    for (i++; text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++; // \ escapes the next
    let k = i + 1;
    while (k < text.length && /\s/.test(text[k])) k++;
    if (text[k] === ':') n++;
  }
  return n;
}

/**
 * A file that is plain JSON (a subset of YAML) is read by JSON.parse, which is many times faster than the YAML
 * parser on a large file. JSON.parse keeps the last of two equal keys silently, so a file whose key tokens
 * outnumber its keys goes the YAML way, which names the duplicate.
 */
function fromJson(text: string): unknown {
  if (!/^\s*\{/.test(text)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  return keysIn(raw) === keyTokens(text) && !hasForbiddenKey(raw) ? raw : undefined;
}

/**
 * Keys that would reach an object's prototype once copied into a plain object (a host `__proto__` would vanish):
 * refused wherever they appear, with their line.
 */
const FORBIDDEN_KEYS = new Set(['__proto__']);

function hasForbiddenKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasForbiddenKey);
  if (v === null || typeof v !== 'object') return false;
  return Object.keys(v).some((k) => FORBIDDEN_KEYS.has(k)) || Object.values(v).some(hasForbiddenKey);
}

/** Parses and validates topology text. Throws TopologyError with every problem found. */
export function parseTopology(text: string, file = '<input>'): Topology {
  return checked(fromJson(text) ?? fromYaml(text, file), file);
}

/** YAML text to plain data; YAML errors and duplicate keys are TopologyErrors with their line. */
function fromYaml(text: string, file: string): unknown {
  // duplicate keys are found below in one pass (yaml's own uniqueKeys check is quadratic in a map's size)
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true, lineCounter: lines });
  if (doc.errors.length === 0) {
    visit(doc, {
      Map(_, map) {
        const seen = new Set<string>();
        for (const pair of map.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          const problem = seen.has(key)
            ? `Map keys must be unique ("${key}" appears twice)`
            : FORBIDDEN_KEYS.has(key)
              ? `the key "${key}" is not allowed (names are letters, digits and '-')`
              : null;
          if (problem) {
            const range = isScalar(pair.key) && pair.key.range ? pair.key.range : undefined;
            const err = new YAMLParseError([range?.[0] ?? 0, range?.[1] ?? 0], 'DUPLICATE_KEY', problem);
            if (range) {
              const at = lines.linePos(range[0]);
              err.linePos = [at, at];
            }
            doc.errors.push(err);
          }
          seen.add(key);
        }
      },
    });
  }
  if (doc.errors.length > 0) {
    throw new TopologyError(
      file,
      doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(YAML)',
        message: `${e.message.startsWith('the key') ? '' : 'not valid YAML: '}${firstLine(e.message)}`,
      })),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    // an alias bomb or nesting deeper than a topology ever needs
    throw new TopologyError(file, [
      { path: '(YAML)', message: `refused: ${(e as Error).message}`, hint: 'write the file out without alias chains' },
    ]);
  }
  return raw;
}

function firstLine(m: string): string {
  return m.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** Plain data to a Topology: shape, then value rules. */
function checked(raw: unknown, file: string): Topology {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TopologyError(file, [
      {
        path: '(top level)',
        message: 'must be a mapping with name, lan, networks and hosts',
        hint: 'see examples/seed.yaml',
      },
    ]);
  }
  const shape = TopologySchema.safeParse(raw);
  if (!shape.success) throw new TopologyError(file, shape.error.issues.flatMap(zodIssueToIssue));
  const { topology, issues } = validate(shape.data, file);
  if (issues.length > 0) throw new TopologyError(file, issues);
  return topology;
}
