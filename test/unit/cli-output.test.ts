/** Output that fits the terminal, terraform-style changes, completion and the JSON Schema: the pure parts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import { columns, displayWidth, fit, hang, wrap } from '../../src/render/columns.ts';
import { changesText, countChanges, summaryLine } from '../../src/render/changes.ts';
import { fieldChanges, type Change } from '../../src/engine/diff.ts';
import { planText } from '../../src/render/plan.ts';
import { plan } from '../../src/plan/allocate.ts';
import { predict } from '../../src/predict/predict.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';

const widest = (s: string) => Math.max(...s.split('\n').map(displayWidth));

test('columns never exceed the width, keep every row, and cut with …', () => {
  const rows = Array.from({ length: 30 }, (_, i) => [
    `host${i}/container-with-a-long-name-${i}`,
    'x'.repeat(i * 7),
    '✓ reachable',
    `r${i}`,
  ]);
  for (const width of [20, 40, 80, 120, 200]) {
    const out = columns(['from', 'to', 'result', 'reason'], rows, width);
    assert.ok(widest(out) <= width, `width ${width}: ${widest(out)}`);
    assert.equal(out.split('\n').length, rows.length + 1);
    assert.match(out.split('\n')[0], /^FROM/);
  }
  assert.equal(fit('abcdef', 4), 'abc…');
  assert.equal(fit('abc', 4), 'abc');
  assert.equal(displayWidth('✓ ✗ ·'), 5);
  assert.equal(columns(['a', 'b'], [['1', '2']], 80), 'A  B\n1  2');
});

test('wrap and hang break at words and fit the width', () => {
  const text =
    'the destination is outside the subnet and no device answers at the gateway (Destination Host Unreachable)';
  for (const width of [30, 50, 80]) {
    assert.ok(widest(wrap(text, width, 2)) <= width);
    const h = hang('  no-gateway  ', text, width);
    assert.ok(widest(h) <= width);
    if (width >= 34)
      assert.equal(
        h
          .split('\n')
          .slice(1)
          .every((l) => l.startsWith(' '.repeat(14))),
        true,
      );
    assert.equal(h.replace(/\s+/g, ' ').trim(), `no-gateway ${text}`);
  }
});

test('field-level changes: only fields that differ, from live to planned', () => {
  assert.deepEqual(
    fieldChanges(
      { ip: '10.50.1.10', image: 'a', command: ['sleep', '1'] },
      { ip: '10.50.1.12', image: 'a', command: ['sleep', '2'] },
    ),
    [
      { field: 'ip', from: '10.50.1.10', to: '10.50.1.12' },
      { field: 'command', from: '["sleep","1"]', to: '["sleep","2"]' },
    ],
  );
  assert.deepEqual(
    fieldChanges({ ip: '1' }, { ip: '1', mac: 'x' }),
    [],
    'a field the live side does not show is left out',
  );
});

test('changes are listed terraform-style with a summary that counts them', () => {
  const changes: Change[] = [
    { host: 'h1', kind: 'network', name: 'mv', action: 'create', reason: 'missing', why: 'not there', drift: false },
    {
      host: 'h1',
      kind: 'container',
      name: 'web',
      action: 'recreate',
      reason: 'changed',
      why: 'changed in the file',
      drift: false,
      fields: [{ field: 'ip', from: '10.50.1.10', to: '10.50.1.12' }],
    },
    {
      host: 'h2',
      kind: 'container',
      name: 'db',
      action: 'start',
      reason: 'stopped',
      why: 'exited, not running',
      drift: true,
    },
    {
      host: 'h2',
      kind: 'container',
      name: 'old',
      action: 'remove',
      reason: 'unplanned',
      why: 'no longer in the file',
      drift: false,
    },
  ];
  const text = changesText(changes, 80);
  assert.match(text, /^ {2}h1\n {4}\+ network mv/m);
  assert.match(text, /~ container web\s+recreated: changed in the file\n {8}ip: 10\.50\.1\.10 → 10\.50\.1\.12/);
  assert.match(text, /~ container db\s+started: exited, not running \(changed by hand\)/);
  assert.match(text, /- container old\s+no longer in the file/);
  assert.deepEqual(countChanges(changes), { add: 1, change: 2, destroy: 1 });
  assert.equal(summaryLine(changes), 'Plan: 1 to add, 2 to change, 1 to destroy.');
  assert.ok(widest(changesText(changes, 30)) <= 30);
});

test('the plan of every example fits 80 columns; --wide carries each sentence', () => {
  for (const f of readdirSync('examples').filter((x) => x.endsWith('.yaml'))) {
    const p = plan(loadTopology(join('examples', f)));
    const text = planText(p, predict(p), { width: 80, wide: false });
    assert.ok(widest(text) <= 80, `${f}: a line of ${widest(text)} columns`);
    assert.match(text, /^FROM +TO +RESULT +REASON/m, f);
  }
  const p = plan(loadTopology('examples/seed.yaml'));
  const wide = planText(p, predict(p), { width: 80, wide: true });
  assert.match(wide, /192\.168\.140\.200 is outside 10\.100\.0\.0\/16; it goes to the gateway 10\.100\.0\.1/);
  assert.match(
    planText(p, predict(p), { width: 80, wide: false }),
    /^ {2}no-gateway +the destination is outside the subnet/m,
  );
});

const cli = (args: string[], input?: string) => spawnSync('bin/mvnet', args, { encoding: 'utf8', input });

test('bash completion completes commands, subcommands and options from the command tree', () => {
  const script = cli(['completion', 'bash']).stdout;
  const complete = (words: string[]) => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _mvnet; echo "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split(/\s+/).filter(Boolean);
  };
  assert.deepEqual(complete(['mvnet', 'la']), ['lab']);
  assert.deepEqual(complete(['mvnet', 'lab', 'st']).sort(), ['start', 'status', 'stop']);
  assert.ok(complete(['mvnet', 'plan', '--de']).includes('--detailed-exitcode'));
  assert.ok(
    complete(['mvnet', 'plan', '-f', 'examples/seed.yaml', '--w']).includes('--wide'),
    'a value after -f is not a command',
  );
  assert.ok(complete(['mvnet', 'plan', '-f', 'examples/se']).includes('examples/seed.yaml'), 'files after -f');
  for (const shell of ['zsh', 'fish']) assert.match(cli(['completion', shell]).stdout, /mvnet/);
  const bad = cli(['completion', 'tcsh']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /no completion for shell "tcsh"/);
});

test('mvnet schema is a JSON Schema that accepts every example and refuses what mvnet refuses', () => {
  const r = cli(['schema']);
  assert.equal(r.status, 0, r.stderr);
  const schema = JSON.parse(r.stdout);
  assert.deepEqual(
    JSON.parse(readFileSync('schema/topology.schema.json', 'utf8')),
    schema,
    'schema/topology.schema.json is `mvnet schema`',
  );
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  for (const f of readdirSync('examples').filter((x) => x.endsWith('.yaml'))) {
    const text = readFileSync(join('examples', f), 'utf8');
    assert.match(
      text,
      /^# yaml-language-server: \$schema=\.\.\/schema\/topology\.schema\.json$/m,
      `${f} names the schema`,
    );
    assert.equal(validate(parse(text)), true, `${f}: ${JSON.stringify(validate.errors)}`);
  }
  const seed = parse(readFileSync('examples/seed.yaml', 'utf8'));
  assert.equal(validate({ ...seed, adress: 'x' }), false, 'an unknown field');
  assert.equal(validate({ ...seed, hosts: { h: { address: '1.2.3.4', forward: 'yes' } } }), false, 'a wrong type');
  assert.equal(validate({ name: 'x' }), false, 'missing required fields');
});
