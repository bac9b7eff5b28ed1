/**
 * A pasted terminal session of the seed (prompts, output lines, a wrapped command) imported, applied on the real
 * lab and verified: every container has, in Docker, the address its author typed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, mv, mvJson, ROOT } from './helpers.ts';

test('the seed pasted as a terminal session: imported, applied, verified; Docker shows the typed addresses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-imp-'));
  const file = join(dir, 'imported.yaml');
  const name = 'impseed';
  t.after(() => { mv('lab', 'down', '-f', file); rmSync(dir, { recursive: true, force: true }); });
  const r = mv('import', join(ROOT, 'test/fixtures/import/prompts.txt'), '--host', 'host1=192.168.140.200', '--host', 'host2=192.168.140.201',
    '--lan', '192.168.140.0/24', '--name', name, '-o', file);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote .*: 2 hosts, 3 containers/);
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // the lab cannot pull: the probe image (whose command runs until stopped) stands in for centos
  for (const h of ['host1', 'host2']) await docker(name, h).getImage('mvnet/probe:2').tag({ repo: 'centos', tag: 'latest' });
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  const typed: Record<string, string> = { 'host1/centos1': '10.100.1.1', 'host2/centos1': '10.100.2.1', 'host2/centos2': '10.100.2.2' };
  for (const h of ['host1', 'host2']) {
    for (const c of await docker(name, h).listContainers()) {
      const id = `${h}/${c.Labels['mvnet.name']}`;
      assert.equal(Object.values(c.NetworkSettings.Networks)[0].IPAddress, typed[id], id);
    }
  }
  const ver = mvJson('verify', '-f', file);
  assert.equal(ver.status, 0, JSON.stringify(ver.json.pairs?.filter((p: any) => !p.match)));
  assert.equal(ver.json.mismatches, 0);
});
