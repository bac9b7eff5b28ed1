/**
 * The layers hold (net < topology < plan < predict < engine < lab < probe < render < cli): no module imports one
 * of a higher layer, not even for a type, and the pure layers (net, topology, plan, predict, render) load no I/O
 * module, directly or through what they import. Read from the sources' import lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ORDER = ['net', 'topology', 'plan', 'predict', 'engine', 'lab', 'probe', 'render', 'cli'];
const PURE = new Set(['net', 'topology', 'plan', 'predict', 'render']);
const IO =
  /^(node:(fs|child_process|net|http|https|os|dgram|tls|readline)|fs|child_process|dockerode|ssh2|tar-stream)$/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const layerOf = (f: string) => {
  const parts = relative('src', f).split('/');
  return parts.length === 1 ? 'root' : parts[0];
};
const rank = (l: string) => (l === 'root' ? -1 : ORDER.indexOf(l));

interface Dep {
  to: string;
  typeOnly: boolean;
}
function imports(f: string): Dep[] {
  const text = readFileSync(f, 'utf8');
  const out: Dep[] = [];
  const add = (spec: string, typeOnly: boolean) =>
    out.push({ to: spec.startsWith('.') ? relative(process.cwd(), resolve(dirname(f), spec)) : spec, typeOnly });
  for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) add(m[2], !!m[1]);
  for (const m of text.matchAll(/import\(\s*'([^']+)'\s*\)/g)) add(m[1], false);
  return out;
}

const files = sources('src');
const graph = new Map(files.map((f) => [f, imports(f)]));

test('no module imports a higher layer (types included)', () => {
  const up = files.flatMap((f) =>
    graph
      .get(f)!
      .filter((d) => d.to.startsWith('src/') && rank(layerOf(d.to)) > rank(layerOf(f)))
      .map((d) => `${f} -> ${d.to}${d.typeOnly ? ' (type)' : ''}`),
  );
  assert.deepEqual(up, []);
});

test('the pure layers load no I/O module, directly or indirectly', () => {
  const memo = new Map<string, string[] | null>();
  const path = (f: string): string[] | null => {
    if (memo.has(f)) return memo.get(f)!;
    memo.set(f, null);
    for (const d of graph.get(f) ?? []) {
      if (d.typeOnly) continue;
      if (IO.test(d.to)) {
        memo.set(f, [f, d.to]);
        return memo.get(f)!;
      }
      if (d.to.startsWith('src/')) {
        const p = path(d.to);
        if (p) {
          memo.set(f, [f, ...p]);
          return memo.get(f)!;
        }
      }
    }
    return null;
  };
  const bad = files
    .filter((f) => PURE.has(layerOf(f)))
    .map(path)
    .filter((p): p is string[] => !!p)
    .map((p) => p.join(' -> '));
  assert.deepEqual(bad, []);
  assert.ok(files.length > 50, 'the sources were read');
});
