/** Reading a topology file: YAML -> shape check -> value rules -> Topology. All problems at once. */
import { readFileSync } from 'node:fs';
import { isScalar, LineCounter, parseDocument, visit, YAMLParseError } from 'yaml';
import type { ZodIssue } from 'zod';
import { TopologyError, type Issue } from '../errors.ts';
import { TopologySchema } from './schema.ts';
import { validate } from './validate.ts';
import type { Topology } from './types.ts';

function zodIssueToIssue(z: ZodIssue): Issue[] {
  const path = z.path.join('.') || '(top level)';
  if (z.code === 'unrecognized_keys') {
    return z.keys.map((k) => ({
      path: path === '(top level)' ? k : `${path}.${k}`,
      message: `unknown field "${k}"`,
      hint: 'check the spelling; see examples/ for the fields mvnet knows',
    }));
  }
  if (z.code === 'invalid_type' && z.received === 'undefined') return [{ path, message: 'is required but missing' }];
  if (z.code === 'invalid_union' && z.unionErrors.every((u) => u.issues.some((i) => i.code === 'invalid_type' && i.received === 'undefined'))) {
    return [{ path, message: 'is required but missing' }];
  }
  if (z.code === 'invalid_union') {
    return [{ path, message: `has the wrong type (${z.unionErrors.map((e) => e.issues[0]?.message).filter(Boolean)[0] ?? 'see examples/'})` }];
  }
  return [{ path, message: z.message }];
}

/** Parses and validates topology text. Throws TopologyError with every problem found. */
export function parseTopology(text: string, file = '<input>'): Topology {
  // duplicate keys are found below in one pass (yaml's own uniqueKeys check is quadratic in a map's size)
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true, lineCounter: lines });
  if (doc.errors.length === 0) {
    visit(doc, {
      Map(_, map) {
        const seen = new Set<string>();
        for (const pair of map.items) {
          const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
          if (seen.has(key)) {
            const range = isScalar(pair.key) && pair.key.range ? pair.key.range : undefined;
            const err = new YAMLParseError([range?.[0] ?? 0, range?.[1] ?? 0], 'DUPLICATE_KEY', `Map keys must be unique ("${key}" appears twice)`);
            if (range) { const at = lines.linePos(range[0]); err.linePos = [at, at]; }
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
        message: `not valid YAML: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const raw: unknown = doc.toJS();
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new TopologyError(file, [{ path: '(top level)', message: 'must be a mapping with name, lan, networks and hosts', hint: 'see examples/seed.yaml' }]);
  }
  const shape = TopologySchema.safeParse(raw);
  if (!shape.success) throw new TopologyError(file, shape.error.issues.flatMap(zodIssueToIssue));
  const { topology, issues } = validate(shape.data, file);
  if (issues.length > 0) throw new TopologyError(file, issues);
  return topology;
}

export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TopologyError(file, [{ path: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code})` }]);
  }
  if (text.length > 4_000_000) throw new TopologyError(file, [{ path: '(file)', message: 'is larger than 4 MB; a topology file that large is not plausible' }]);
  return parseTopology(text, file);
}
