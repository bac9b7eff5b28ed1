/**
 * The published package: `npm pack`, installed globally into a scratch prefix (dependencies only, no dev
 * dependencies), runs from another directory on its compiled JavaScript, and its demo finds the shipped seed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('npm pack installs globally and runs anywhere without dev dependencies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-pack-'));
  try {
    run('npm', ['pack', '--pack-destination', dir], process.cwd());
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    run('npm', ['install', '-g', '--prefix', join(dir, 'g'), join(dir, tgz)], dir);
    const mods = join(dir, 'g', 'lib', 'node_modules', 'mvnet', 'node_modules');
    for (const dev of ['tsx', 'typescript', 'playwright-core'])
      assert.ok(!existsSync(join(mods, dev)), `${dev} installed`);
    const mv = join(dir, 'g', 'bin', 'mvnet');
    assert.match(run(mv, ['--version'], tmpdir()), /^\d+\.\d+\.\d+/);
    const out = run(mv, ['plan', '--offline', '-f', join(process.cwd(), 'examples', 'seed.yaml')], tmpdir());
    assert.match(out, /Topology seed: LAN 192\.168\.140\.0\/24, 2 hosts, 4 containers/);
    assert.match(
      run(mv, ['demo', '--help'], tmpdir()),
      /default:\s+".*\/lib\/node_modules\/mvnet\/examples\/seed\.yaml"/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
