/** The lab on the real kernel and real dockerd: up, status, env, exec, link, stop/start, down, crash. */
import { hostNs, lanNs } from '../../src/lab/paths.ts';
import { PROBE_IMAGE } from '../../src/engine/image.ts';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { assertNothingLeft, docker, ipJson, labTopology, mv, mvJson, namespaces, ROOT, test } from './helpers.ts';

test('lab up builds the seed LAN with a real engine per host, and down removes all of it', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tlab');
  const up = mv('lab', 'up', '-f', file);
  assert.equal(up.status, 0, up.stderr);
  // namespaces and addresses, seen by ip itself
  const ns = namespaces();
  for (const n of [lanNs(name), hostNs(name, 'host1'), hostNs(name, 'host2')])
    assert.ok(ns.includes(n), `${n} missing`);
  const addr = ipJson(hostNs(name, 'host1'), 'addr', 'show', 'ens33');
  assert.equal(addr[0].addr_info.find((a: any) => a.family === 'inet').local, '192.168.140.200');
  // the engine answers on the Docker API, and has the probe image
  for (const h of ['host1', 'host2']) {
    assert.equal(String(await docker(name, h).ping()), 'OK');
    const images = await docker(name, h).listImages();
    assert.ok(images.some((i) => (i.RepoTags ?? []).includes(PROBE_IMAGE)));
  }
  // env: the plain docker CLI works with it
  const env = mv('lab', 'env', '-f', file, 'host2');
  const script = 'eval "$1"; docker info --format "{{.ServerVersion}}"';
  const info = spawnSync('sh', ['-c', script, 'sh', env.stdout], { encoding: 'utf8' });
  assert.equal(info.status, 0, info.stderr);
  // exec runs inside the host's namespace
  const ex = mv('lab', 'exec', '-f', file, 'host2', '--', 'ip', '-4', '-o', 'addr', 'show', 'ens33');
  assert.match(ex.stdout, /192\.168\.140\.201\/24/);
  // the hosts see each other across the LAN
  assert.equal(mv('lab', 'exec', '-f', file, 'host1', '--', 'ping', '-c', '1', '-W', '2', '192.168.140.201').status, 0);
  // status
  const st = mvJson('lab', 'status', '-f', file);
  assert.deepEqual(
    st.json.hosts.map((h: any) => h.daemon),
    ['up', 'up'],
  );
  // up again: already up, still working
  const again = mvJson('lab', 'up', '-f', file);
  assert.equal(again.json.already, true);
  // link down: the bridge port is down and host1 no longer reaches host2
  assert.equal(mv('lab', 'link', 'down', '-f', file, 'host2').status, 0);
  const port = ipJson(lanNs(name), 'link', 'show', 'h1p0')[0];
  assert.ok(!port.flags.includes('UP'));
  assert.notEqual(
    mv('lab', 'exec', '-f', file, 'host1', '--', 'ping', '-c', '1', '-W', '1', '192.168.140.201').status,
    0,
  );
  assert.equal(mvJson('lab', 'status', '-f', file).json.hosts[1].link, 'down');
  assert.equal(mv('lab', 'link', 'up', '-f', file, 'host2').status, 0);
  assert.equal(mv('lab', 'exec', '-f', file, 'host1', '--', 'ping', '-c', '1', '-W', '2', '192.168.140.201').status, 0);
  // stop / start the engine
  assert.equal(mv('lab', 'stop', '-f', file, 'host1').status, 0);
  await assert.rejects(docker(name, 'host1').ping());
  assert.equal(mvJson('lab', 'status', '-f', file).json.hosts[0].daemon, 'down');
  assert.equal(mv('lab', 'start', '-f', file, 'host1').status, 0);
  assert.equal(String(await docker(name, 'host1').ping()), 'OK');
  // down
  const down = mv('lab', 'down', '-f', file);
  assert.equal(down.status, 0, down.stderr);
  assert.deepEqual(assertNothingLeft(name), []);
  // down again succeeds
  assert.equal(mv('lab', 'down', '-f', file).status, 0);
});

test('a lab up killed halfway is cleaned by the next down, and by the next up', async (t) => {
  const { file, name } = labTopology(t, 'modes.yaml', 'tcrash');
  for (const next of ['down', 'up'] as const) {
    const p = spawn(join(ROOT, 'bin/mvnet'), ['lab', 'up', '-f', file], { stdio: 'ignore' });
    // wait until the namespaces exist, then kill it before the engines are ready
    const until = Date.now() + 20_000;
    while (!namespaces().includes(hostNs(name, 'beta')) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    p.kill('SIGKILL');
    await new Promise((r) => p.on('close', r));
    if (next === 'down') {
      assert.equal(mv('lab', 'down', '-f', file).status, 0);
      assert.deepEqual(assertNothingLeft(name), []);
    } else {
      const up = mv('lab', 'up', '-f', file);
      assert.equal(up.status, 0, up.stderr);
      assert.equal(mvJson('lab', 'status', '-f', file).json.hosts.filter((h: any) => h.daemon === 'up').length, 2);
      assert.equal(mv('lab', 'down', '-f', file).status, 0);
      assert.deepEqual(assertNothingLeft(name), []);
    }
  }
});

test('a topology with a VLAN is refused up front on a kernel without 802.1q (and works where it has it)', (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tvlan', (d) => {
    d.networks.macvlan.vlan = 10;
  });
  const doctor = mvJson('doctor');
  const vlan = doctor.json.checks.find((c: any) => /802\.1q/.test(c.name));
  const up = mv('lab', 'up', '-f', file);
  if (!vlan.ok) {
    assert.equal(up.status, 2);
    assert.match(up.stderr, /no 802\.1q support/);
    assert.deepEqual(assertNothingLeft(name), []);
  } else {
    assert.equal(up.status, 0, up.stderr);
  }
});

test("names that are `ip` keywords or look like the lab's own: a host named lan, parents named type and dev", async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tnames', (d) => {
    d.networks.macvlan.parent = 'type';
    d.hosts.host1.parents = { macvlan: 'dev' };
    d.hosts.lan = d.hosts.host2;
    delete d.hosts.host2;
  });
  const up = mv('lab', 'up', '-f', file);
  assert.equal(up.status, 0, up.stderr);
  assert.ok(ipJson(hostNs(name, 'host1'), 'link', 'show', 'dev', 'dev').length === 1);
  assert.ok(ipJson(hostNs(name, 'lan'), 'link', 'show', 'dev', 'type').length === 1);
  assert.equal(mv('apply', '-f', file).status, 0);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.json.mismatches, 0);
  assert.equal(mv('destroy', '-f', file).status, 0);
});

test('lab up into a reader that closes early (| head -1) still builds the whole lab and exits 0', async (t) => {
  const { file } = labTopology(t, 'seed.yaml', 'tpipe');
  const r = spawnSync(
    'bash',
    ['-c', `${join(ROOT, 'bin/mvnet')} lab up -f ${file} 2>&1 | head -1; exit \${PIPESTATUS[0]}`],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout);
  assert.doesNotMatch(r.stdout, /EPIPE/);
  assert.deepEqual(
    mvJson('lab', 'status', '-f', file).json.hosts.map((h: any) => h.daemon),
    ['up', 'up'],
  );
});
