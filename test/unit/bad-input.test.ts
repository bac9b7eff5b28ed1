/** Every invalid file gets a clear error naming the field path. A table of cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CASES, caseText, seed } from '../fixtures/bad-cases.ts';
import { plan } from '../../src/plan/allocate.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';
import { TopologyError } from '../../src/errors.ts';

for (const [name, mutate, path, message] of CASES) {
  test(`bad input: ${name}`, () => {
    const text = caseText(mutate);
    let err: unknown;
    try {
      plan(parseTopology(text, 'case.yaml'));
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof TopologyError, `expected a TopologyError, got ${err}`);
    const hit = err.issues.find((i) => path.test(i.path) && message.test(i.message));
    assert.ok(hit, `no issue matching ${path} / ${message} in ${JSON.stringify(err.issues)}`);
  });
}

test('all problems of a file are reported in one run', () => {
  const d = seed();
  d.networks.macvlan.vlan = 5000;
  d.hosts.host1.containers.centos1.ip = '10.100.0.1';
  d.hosts.host2.address = 'nope';
  try {
    parseTopology(stringify(d));
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof TopologyError);
    assert.ok(e.issues.length >= 3, JSON.stringify(e.issues));
  }
});

test('CLI: a bad file exits 2, names file and field path, and --json gives the issues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-bad-'));
  try {
    const d = seed();
    d.hosts.host2.containers.centos1.ip = '10.100.1.1';
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, stringify(d));
    const r = spawnSync('./bin/mvnet', ['plan', '-f', f], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml/);
    assert.match(r.stderr, /hosts\.host2\.containers\.centos1\.ip: 10\.100\.1\.1 is already used/);
    const j = spawnSync('./bin/mvnet', ['plan', '-f', f, '--json'], { encoding: 'utf8' });
    assert.equal(j.status, 2);
    assert.equal(JSON.parse(j.stdout).error.issues[0].path, 'hosts.host2.containers.centos1.ip');
    const missing = spawnSync('./bin/mvnet', ['plan', '-f', join(dir, 'none.yaml')], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the 4 MB gate counts bytes, before reading (2.1 million two-byte characters are 4.2 MB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-big-'));
  const file = join(dir, 'big.yaml');
  writeFileSync(file, `name: big\n# ${'é'.repeat(2_100_000)}\n`);
  try {
    loadTopology(file);
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof TopologyError);
    assert.equal(e.file, file);
    assert.match(e.issues[0].message, /is 4200\d+ bytes, larger than 4 MB/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
