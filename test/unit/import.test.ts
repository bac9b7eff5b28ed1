import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { formatIp } from '../../src/net/ipv4.ts';
import { plan } from '../../src/plan/allocate.ts';
import { importDockerLines, words, lineOf } from '../../src/topology/import.ts';
import { parseTopology } from '../../src/topology/load.ts';

test("the seed's command block, pasted as it stands, plans to exactly the seed", () => {
  const r = importDockerLines(readFileSync('test/fixtures/seed-commands.txt', 'utf8'));
  assert.deepEqual(r.notes, []);
  const p = plan(parseTopology(stringify(r.doc)));
  assert.deepEqual(p.containers.map((c) => `${c.id} ${formatIp(c.ip)} ${c.mac}`), [
    'host1/centos1 10.100.1.1 02:42:0a:64:01:01', 'host1/centos2 10.100.1.2 02:42:0a:64:01:02',
    'host2/centos1 10.100.2.1 02:42:0a:64:02:01', 'host2/centos2 10.100.2.2 02:42:0a:64:02:02',
  ]);
  assert.equal(p.networks[0].parent, 'ens33');
  assert.equal(formatIp(p.networks[0].gateway), '10.100.0.1');
});

test('continuations, comments, host markers, ranges, aux addresses, VLAN parents and modes', () => {
  const text = [
    '# host: alpha',
    'docker network create -d macvlan \\',
    '   --subnet 10.1.0.0/16 --ip-range 10.1.5.0/24 --aux-address "router=10.1.0.254" \\',
    '   -o parent=eth1.20 -o macvlan_mode=private lan20   # trailing comment',
    'sudo docker run -d --restart unless-stopped --name web --network=lan20 --mac-address 02:00:00:00:00:01 nginx:1.25 nginx -g "daemon off;"',
    '# host: beta',
    'docker network create -d macvlan --subnet 10.1.0.0/16 --ip-range 10.1.6.0/24 -o parent=eth1.20 lan20',
    'docker run -d --net lan20 --name db postgres',
    'ip addr',
    'docker ps',
    "docker run --name nonet busybox",
  ].join('\n');
  const r = importDockerLines(text);
  const d = r.doc as any;
  assert.deepEqual(d.networks.lan20, { subnet: '10.1.0.0/16', parent: 'eth1', mode: 'private', vlan: 20, reserved: ['10.1.0.254'] });
  assert.equal(d.hosts.alpha.ranges.lan20, '10.1.5.0/24');
  assert.equal(d.hosts.beta.ranges.lan20, '10.1.6.0/24');
  assert.deepEqual(d.hosts.alpha.containers.web, { network: 'lan20', mac: '02:00:00:00:00:01', image: 'nginx:1.25', command: ['nginx', '-g', 'daemon off;'] });
  assert.deepEqual(r.notes.map((n) => [n.line, n.problem.split(' ')[0]]), [[5, '--restart'], [9, 'not'], [10, 'docker'], [11, 'not']]);
  const p = plan(parseTopology(stringify(d)));
  assert.equal(formatIp(p.containers.find((c) => c.id === 'beta/db')!.ip), '10.1.6.1');
});

test('words() splits like a shell without running one', () => {
  assert.deepEqual(words(`a "b c" 'd $e' f\\ g # h`), ['a', 'b c', 'd $e', 'f g']);
  assert.equal(words('a "b'), null);
});

test('CLI: one script per host, names and addresses from --host, unusable lines reported with numbers', () => {
  const r = spawnSync('./bin/mvnet', ['import', 'test/fixtures/seed-commands.txt', '--host', 'node1=192.168.140.10', '--name', 'imp', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.topology.hosts.node1.address, '192.168.140.10');
  assert.equal(j.containers, 4);
  const bad = spawnSync('./bin/mvnet', ['import', '-'], { encoding: 'utf8', input: 'docker network create -d macvlan --subnet 10.0.0.0/8 -o parent=eth0 m\nifconfig\ndocker run --net m --name x img\n' });
  assert.equal(bad.status, 0);
  assert.match(bad.stderr, /-:2: not a docker command: ifconfig/);
});

test('a second container of one name on a host is a conflict naming both lines, not a silent drop', () => {
  const r = importDockerLines([
    'docker network create -d macvlan --subnet=10.100.0.0/16 -o parent=ens33 macvlan',
    'docker run -d --name app --net macvlan --ip 10.100.1.5 busybox',
    'docker run -d --name app --net macvlan --ip 10.100.1.6 busybox',
  ].join('\n'));
  assert.equal(r.conflicts.length, 1);
  assert.equal(r.conflicts[0].line, 3);
  assert.match(r.conflicts[0].problem, /second container named app on host host1 \(the first is on line 2\)/);
});

test('every part of the imported topology knows its script line', () => {
  const r = importDockerLines([
    '# the seed',
    'docker network create -d macvlan --subnet=10.100.0.0/16 -o parent=ens33 macvlan',
    '',
    'docker run -d --name web --net macvlan --ip 10.200.1.5 busybox',
  ].join('\n'));
  assert.equal(lineOf(r.origins, 'hosts.host1.containers.web.ip'), 4);
  assert.equal(lineOf(r.origins, 'networks.macvlan.subnet'), 2);
  assert.equal(lineOf(r.origins, 'lan'), undefined);
});

test('mvnet import: a problem of the result names its script line; a duplicate name fails the import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-import-'));
  const script = join(dir, 'hosts.sh');
  const base = ['docker network create -d macvlan --subnet=10.100.0.0/16 -o parent=ens33 macvlan', 'docker run -d --name app --net macvlan --ip 10.100.1.5 busybox'];
  writeFileSync(script, [...base, '', 'docker run -d --name web --net macvlan --ip 10.200.1.5 busybox'].join('\n'));
  const r = spawnSync('bin/mvnet', ['import', script], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /line 4 \(hosts\.host1\.containers\.web\.ip\): 10\.200\.1\.5 is outside the subnet/);
  writeFileSync(script, [...base, 'docker run -d --name app --net macvlan --ip 10.100.1.6 busybox'].join('\n'));
  const d = spawnSync('bin/mvnet', ['import', script, '-o', join(dir, 'out.yaml')], { encoding: 'utf8' });
  assert.equal(d.status, 2);
  assert.match(d.stderr, /line 3: a second container named app on host host1 \(the first is on line 2\)/);
  assert.ok(!existsSync(join(dir, 'out.yaml')), 'nothing written');
  rmSync(dir, { recursive: true, force: true });
});
