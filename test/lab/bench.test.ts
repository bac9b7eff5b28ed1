/** The speed benchmark in its short mode: every row runs once at small sizes and the results file is written. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from './helpers.ts';

test('bench/speed.ts --short runs every row and writes its results', () => {
  const r = spawnSync('node', ['--import', 'tsx', 'bench/speed.ts', '--short'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(readFileSync(join('test-output', 'results.json'), 'utf8'));
  const works = res.rows.map((x: { work: string }) => x.work).join('\n');
  for (const w of [
    /mvnet --version/,
    /plan --offline/,
    /apply the seed/,
    /verify the seed/,
    /lab up, 2 hosts/,
    /verify --sample/,
    /plan \+ predict/,
  ]) {
    assert.match(works, w);
  }
  assert.match(
    readFileSync(join('test-output', 'RESULTS.md'), 'utf8'),
    /^\| work \| mvnet \| yardstick in the same run/m,
  );
  assert.match(r.stdout, /false answers/);
});
