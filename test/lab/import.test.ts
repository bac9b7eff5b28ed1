/**
 * A pasted terminal session of the seed (prompts, output lines, a wrapped command) imported, applied on the real
 * lab and verified: every container has, in Docker, the address its author typed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, mv, mvJson, ROOT, test } from './helpers.ts';

test('the seed pasted as a terminal session: imported, applied, verified; Docker shows the typed addresses', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-imp-'));
  const file = join(dir, 'imported.yaml');
  const name = 'impseed';
  t.after(() => {
    mv('lab', 'down', '-f', file);
    rmSync(dir, { recursive: true, force: true });
  });
  const r = mv(
    'import',
    join(ROOT, 'test/fixtures/import/prompts.txt'),
    '--host',
    'host1=192.168.140.200',
    '--host',
    'host2=192.168.140.201',
    '--lan',
    '192.168.140.0/24',
    '--name',
    name,
    '-o',
    file,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /wrote .*: 2 hosts, 3 containers/);
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // the lab cannot pull: the probe image (whose command runs until stopped) stands in for centos
  for (const h of ['host1', 'host2'])
    await docker(name, h).getImage('mvnet/probe:2').tag({ repo: 'centos', tag: 'latest' });
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  const typed: Record<string, string> = {
    'host1/centos1': '10.100.1.1',
    'host2/centos1': '10.100.2.1',
    'host2/centos2': '10.100.2.2',
  };
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

test('interleaved addresses and a shared --ip-range, imported and applied: every written address as written', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-imp-'));
  const file = join(dir, 'imported.yaml');
  const name = 'impshared';
  t.after(() => {
    mv('lab', 'down', '-f', file);
    rmSync(dir, { recursive: true, force: true });
  });
  const fx = (f: string) => join(ROOT, 'test/fixtures/import', f);
  const r = mv(
    'import',
    `h1:192.168.7.10=${fx('shared-host1.sh')}`,
    `h2:192.168.7.11=${fx('shared-host2.sh')}`,
    '--name',
    name,
    '-o',
    file,
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  for (const h of ['h1', 'h2']) {
    for (const repo of ['adguard/adguardhome', 'nginx'])
      await docker(name, h).getImage('mvnet/probe:2').tag({ repo, tag: 'latest' });
  }
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  const plan = mvJson('plan', '-f', file).json;
  const range = (h: string) => plan.hosts.find((x: any) => x.name === h).networks[0].range;
  const live: Record<string, string> = {};
  for (const h of ['h1', 'h2']) {
    for (const c of await docker(name, h).listContainers())
      live[`${h}/${c.Labels['mvnet.name']}`] = Object.values(c.NetworkSettings.Networks)[0].IPAddress;
  }
  assert.deepEqual(
    [live['h1/dns1'], live['h1/web1'], live['h2/dns2']],
    ['192.168.7.200', '192.168.7.202', '192.168.7.201'],
  );
  // the automatic ones: from their own host's block, which holds no written address of the other
  for (const [id, h] of [
    ['h1/auto1', 'h1'],
    ['h2/auto2', 'h2'],
  ]) {
    const [base, bits] = range(h).split('/');
    const last = Number(base.split('.')[3]) + 2 ** (32 - Number(bits));
    const x = Number(live[id].split('.')[3]);
    assert.ok(
      live[id].startsWith('192.168.7.') && x > Number(base.split('.')[3]) && x < last,
      `${id} ${live[id]} in ${range(h)}`,
    );
  }
  const ver = mvJson('verify', '-f', file);
  assert.equal(ver.status, 0, JSON.stringify(ver.json.pairs?.filter((p: any) => !p.match)));
});
