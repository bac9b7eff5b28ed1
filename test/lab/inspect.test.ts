/** inspect and export compose on the real lab, checked against `ip -j` in the namespaces and the Docker API. */
import { hostNs, labEndpoint } from '../../src/lab/paths.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { displayWidth } from '../../src/render/columns.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, ipJson, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

test('inspect shows the seed tables with the live numbers, and marks drift', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tinspect');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const r = mvJson('inspect', '-f', file);
  assert.equal(r.status, 0, r.stderr);
  for (const h of r.json.hosts) {
    // the host's own table against iproute2 in its namespace
    const ens = ipJson(hostNs(name, h.host), 'addr', 'show', 'ens33')[0];
    const row = h.ipAddr.find((x: any) => x.interface.startsWith('ens33'));
    const v4 = ens.addr_info.find((a: any) => a.family === 'inet');
    assert.equal(row.ipv4, `${v4.local}/${v4.prefixlen}`);
    assert.equal(row.brd, v4.broadcast);
    assert.equal(row.mac, ens.address);
    // containers and the network table against the Docker API
    const net: any = await docker(name, h.host).getNetwork('macvlan').inspect();
    for (const c of Object.values(net.Containers) as any[]) {
      const tr = h.networks.macvlan.rows.find((x: any) => x.container === c.Name);
      assert.equal(tr.ipv4, c.IPv4Address);
      assert.equal(tr.mac, c.MacAddress);
      const eth0 = h.containers[c.Name].find((x: any) => x.interface.startsWith('eth0'));
      assert.equal(eth0.ipv4, c.IPv4Address);
      assert.equal(eth0.mac, c.MacAddress);
      assert.equal(eth0.brd, '10.100.255.255');
    }
    assert.equal(h.networks.macvlan.subnet, net.IPAM.Config[0].Subnet);
    assert.deepEqual(h.drift, []);
  }
  // the seed's merged Network/Subnet/Gateway cells where they fit (COLUMNS=120); at 80 columns they are said above
  const wide = spawnSync(join(ROOT, 'bin/mvnet'), ['inspect', '-f', file, 'host1'], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '120' },
  }).stdout;
  assert.match(
    wide,
    /\|\s+macvlan\s+\|\s+10\.100\.0\.0\/16\s+\|\s+10\.100\.0\.1\s+\+/,
    'merged Network/Subnet/Gateway cells',
  );
  const text = mv('inspect', '-f', file, 'host1').stdout;
  assert.match(text, /^Network macvlan {2}Subnet 10\.100\.0\.0\/16 {2}Gateway 10\.100\.0\.1\n\+-/m);
  assert.ok(
    text.split('\n').every((l) => displayWidth(l) <= 80),
    'fits 80 columns',
  );
  // drift: a container stopped by hand
  const id = (await docker(name, 'host2').listContainers()).find((c) => c.Names[0] === '/centos2')!.Id;
  await docker(name, 'host2').getContainer(id).stop({ t: 0 });
  const d = mvJson('inspect', '-f', file, 'host2');
  assert.equal(d.status, 1);
  assert.deepEqual(d.json.hosts[0].drift, ['centos2: not running']);
});

test('export compose: docker-compose on each host yields the same containers, addresses and MACs', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tcompose');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-compose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.equal(mv('export', 'compose', '-f', file, '-o', dir).status, 0);
  const plan = mvJson('plan', '-f', file, '--offline').json;
  for (const h of ['host1', 'host2']) {
    const env = { ...process.env, DOCKER_HOST: labEndpoint(name, h) };
    const up = spawnSync('docker-compose', ['-p', name, '-f', join(dir, `${name}-${h}.compose.yaml`), 'up', '-d'], {
      encoding: 'utf8',
      env,
    });
    assert.equal(up.status, 0, up.stderr);
    const live = await docker(name, h).listContainers();
    for (const c of plan.containers.filter((x: any) => x.host === h)) {
      const l = live.find((x) => x.Names[0] === `/${c.name}`)!;
      const n = Object.values(l.NetworkSettings.Networks)[0] as any;
      assert.equal(n.IPAddress, c.ip);
      assert.equal(n.MacAddress, c.mac);
    }
    const down = spawnSync('docker-compose', ['-p', name, '-f', join(dir, `${name}-${h}.compose.yaml`), 'down'], {
      encoding: 'utf8',
      env,
    });
    assert.equal(down.status, 0, down.stderr);
  }
});
