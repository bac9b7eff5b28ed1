/**
 * Never harm a host (issue 26), each way it used to, reproduced on the real lab and checked through `ip -j` in the
 * hosts' namespaces and the Docker API: routes mvnet did not make are never replaced or removed, a host moved to
 * another engine leaves no duplicate, plumbing of an interrupted run is found again, dead helpers are swept.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { hostNs, labEndpoint } from '../../src/lab/paths.ts';
import { thisProcess } from '../../src/engine/holder.ts';
import { PROBE_IMAGE } from '../../src/engine/image.ts';
import { join } from 'node:path';
import { docker, ipJson, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

const routesTo = (lab: string, host: string, dst: string) =>
  ipJson(hostNs(lab, host), 'route', 'show', 'table', 'main').filter((r: any) => r.dst === dst);

function ipIn(lab: string, host: string, ...args: string[]): void {
  const r = spawnSync('ip', ['-n', hostNs(lab, host), ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

async function ours(lab: string, host: string, topology: string) {
  const filters = { label: [`mvnet.topology=${topology}`, 'mvnet.kind=container'] };
  return (await docker(lab, host).listContainers({ all: true, filters })).map((c) => c.Names[0]).sort();
}

test('host access never replaces a route of the host: refused and named; on a flat network the LAN route stays', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-host-access.yaml', 'hroute');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // an admin's static route to the network's subnet on host2
  ipIn(name, 'host2', 'route', 'add', '10.100.0.0/16', 'via', '192.168.140.1', 'dev', 'ens33');
  const refused = mv('apply', '-f', file);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /host2: the host already has a route to 10\.100\.0\.0\/16 that is not mvnet's/);
  assert.match(refused.stderr, /nothing was changed on any host/);
  assert.deepEqual(await ours(name, 'host1', name), [], 'nothing made on host1 either');
  assert.equal(routesTo(name, 'host2', '10.100.0.0/16')[0].gateway, '192.168.140.1', 'the route is as it was');
  ipIn(name, 'host2', 'route', 'del', '10.100.0.0/16');
  assert.equal(mv('apply', '-f', file).status, 0);
  assert.equal(mv('destroy', '-f', file).status, 0);
  // the network is the LAN itself: the shim routes only the host's range, the LAN route is never touched
  const flat = structuredClone(doc);
  flat.networks.macvlan = { subnet: '192.168.140.0/24', gateway: '192.168.140.1', parent: 'ens33', hostAccess: true };
  flat.networks.macvlan.hostPrefix = 28;
  for (const h of ['host1', 'host2']) flat.hosts[h].containers = { web: { network: 'macvlan' } };
  write(flat);
  const lanRoute = () => routesTo(name, 'host1', '192.168.140.0/24').map((r: any) => `${r.dev} ${r.protocol}`);
  assert.deepEqual(lanRoute(), ['ens33 kernel']);
  const a = mvJson('apply', '-f', file);
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(lanRoute(), ['ens33 kernel'], 'the LAN route is as it was after apply');
  const range = mvJson('plan', '-f', file).json.hosts[0].networks[0].range;
  assert.equal(routesTo(name, 'host1', range).length, 1, 'the host range goes through the shim');
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify(v.json.pairs?.filter((p: any) => !p.match)));
  assert.equal(mv('destroy', '-f', file).status, 0);
  assert.deepEqual(lanRoute(), ['ens33 kernel'], 'and after destroy');
});

test("routed: a static route inside the subnet is not mvnet's, one at a planned destination is refused", async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-routed.yaml', 'hrouted');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  ipIn(name, 'host1', 'route', 'add', '10.100.9.0/24', 'via', '192.168.140.201', 'dev', 'ens33');
  const a = mvJson('apply', '-f', file);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(mvJson('plan', '-f', file).json.live.changes.length, 0, 'the static route is not planned away');
  assert.equal(mv('destroy', '-f', file).status, 0);
  assert.equal(routesTo(name, 'host1', '10.100.9.0/24').length, 1, 'destroy left it');
  // a route of the host at exactly a destination the plan routes
  const plan = mvJson('plan', '-f', file, '--offline').json;
  const to = plan.hosts[0].networks[0].routes[0].to;
  ipIn(name, 'host1', 'route', 'add', to, 'via', '192.168.140.1', 'dev', 'ens33');
  const refused = mv('apply', '-f', file);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, new RegExp(`host1: the host already has a route to ${to.replace('.', '\\.')}`));
  assert.equal(routesTo(name, 'host1', to)[0].gateway, '192.168.140.1');
  ipIn(name, 'host1', 'route', 'del', to);
  // routes of a run that died after removing the routed network (its labels) are still found and removed
  assert.equal(mv('apply', '-f', file).status, 0);
  const proto77 = (h: string) => ipJson(hostNs(name, h), 'route', 'show', 'proto', '77');
  assert.ok(proto77('host1').length > 0);
  for (const h of ['host1', 'host2']) {
    const d = docker(name, h);
    const mine = { all: true, filters: { label: ['mvnet.kind=container'] } };
    for (const c of await d.listContainers(mine)) await d.getContainer(c.Id).remove({ force: true });
    for (const n of await d.listNetworks({ filters: { label: [`mvnet.topology=${name}`] } }))
      await d.getNetwork(n.Id).remove();
  }
  write({ ...doc, networks: { routed: { subnet: '10.100.0.0/16', parent: 'ens33' } } });
  const again = mv('apply', '-f', file, '--no-check'); // the port-security LAN drops macvlan's MACs
  assert.equal(again.status, 0, again.stderr);
  for (const h of ['host1', 'host2']) assert.deepEqual(proto77(h), [], `${h}: no route of mvnet's left`);
  assert.equal(mvJson('apply', '-f', file, '--no-check').json.changed, 0, 'then nothing to change');
  assert.equal(mv('destroy', '-f', file).status, 0);
});

test('a host moved to another engine: its old engine is emptied, never a duplicate; destroy reaches both', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'hmove', (d) => {
    d.hosts.host3 = { address: '192.168.140.202' };
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  // host2 now runs on host3's engine; host3 leaves the file
  const moved = structuredClone(doc);
  moved.hosts.host2.docker = labEndpoint(name, 'host3');
  delete moved.hosts.host3;
  write(moved);
  const p = mvJson('plan', '-f', file).json.live.changes.map((c: any) => `${c.host} ${c.action} ${c.kind} ${c.name}`);
  assert.ok(p.includes(`host2@${labEndpoint(name, 'host2')} remove container centos1`), p.join('\n'));
  const a = mv('apply', '-f', file);
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual(await ours(name, 'host2', name), [], 'the old engine holds nothing of the topology');
  assert.deepEqual(await ours(name, 'host3', name), ['/centos1', '/centos2']);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0, 'nothing to change');
  assert.equal(mv('destroy', '-f', file).status, 0);
  for (const h of ['host1', 'host2', 'host3'])
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), [], `${h} empty`);
});

test('hostAccess removed by a run that died: the shim is still found; dead helpers are swept, live ones kept', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-host-access.yaml', 'hshim');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const shim = mvJson('plan', '-f', file).json.hosts[0].networks[0].shimName;
  // what a run killed half-way through removing host access leaves: the network recreated without it, the shim
  const d1 = docker(name, 'host1');
  const mine = { all: true, filters: { label: ['mvnet.kind=container'] } };
  for (const c of await d1.listContainers(mine)) await d1.getContainer(c.Id).remove({ force: true });
  await d1.getNetwork('macvlan').remove();
  // and helpers: one of a process that is gone, one of this live test process
  const helper = async (labels: Record<string, string>) => {
    const c = await d1.createContainer({
      Image: PROBE_IMAGE,
      Cmd: ['true'],
      Labels: { 'mvnet.topology': name, 'mvnet.kind': 'helper', 'mvnet.host': 'host1', 'mvnet.name': 'x', ...labels },
    });
    await c.start();
    await c.wait();
    return c.id;
  };
  const dead = await helper({ ...thisProcess(), 'mvnet.lock.start': '1' });
  const live = await helper(thisProcess());
  write({ ...doc, networks: { macvlan: { ...doc.networks.macvlan, hostAccess: undefined } } });
  const a = mvJson('apply', '-f', file);
  assert.equal(a.status, 0, a.stderr);
  assert.ok(a.json.changes.some((c: any) => c.host === 'host1' && c.kind === 'shim' && c.action === 'remove'));
  assert.deepEqual(
    ipJson(hostNs(name, 'host1'), 'link', 'show').filter((l: any) => l.ifname === shim),
    [],
  );
  const left = (await d1.listContainers({ all: true })).map((c) => c.Id);
  assert.ok(!left.includes(dead), 'the dead run helper was removed');
  assert.ok(left.includes(live), "a live process's helper is kept");
  await d1.getContainer(live).remove();
  assert.equal(mvJson('apply', '-f', file).json.changed, 0);
  assert.equal(mv('destroy', '-f', file).status, 0);
});

test('a lock container whose start fails: the attached connection is closed, the process ends, nothing left', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'hhang');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // a proxy in front of host1's engine that refuses every start request (as a TLS front end that fails a new
  // connection would) while the attach connection stays open
  const sock = join(mkdtempSync(join(tmpdir(), 'mvnet-hang-')), 'proxy.sock');
  const engine = labEndpoint(name, 'host1').replace('unix://', '');
  const proxy = createServer((client) => {
    client.once('data', (first) => {
      if (/^POST \S+\/start/.test(first.toString())) {
        client.end('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
        return;
      }
      const up = connect(engine, () => up.write(first));
      client.pipe(up).pipe(client);
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
  });
  await new Promise<void>((r) => proxy.listen(sock, r));
  t.after(() => proxy.close());
  const program = `
    const { DockerEngine } = await import(${JSON.stringify(join(ROOT, 'src/engine/docker.ts'))});
    const e = new DockerEngine('host1', 'unix://${sock}');
    const held = { name: 'mvnet-lock-hhang', image: ${JSON.stringify(PROBE_IMAGE)}, cmd: ['cat'], labels: {} };
    await e.holdOpen(held, () => {}).then(() => console.log('started?'), (err) => console.log('failed:', err.message));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', program], { cwd: ROOT });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const ended = await Promise.race([
    new Promise<boolean>((r) => child.on('close', () => r(true))),
    new Promise<boolean>((r) => setTimeout(() => r(false), 20_000)),
  ]);
  if (!ended) child.kill('SIGKILL');
  assert.ok(ended, `the process ended by itself (no hang on the attached stream): ${out}`);
  assert.match(out, /failed: /);
  assert.deepEqual(await docker(name, 'host1').listContainers({ all: true }), [], 'no lock container left');
});

test('edits that used to strand pins: a new subnet, then ranges -> none -> routed, each one apply', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'hpins', (d) => {
    for (const h of ['host1', 'host2']) for (const c of Object.values(d.hosts[h].containers) as any[]) delete c.ip;
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const step = (d: any, what: string) => {
    write(d);
    const a = mvJson('apply', '-f', file);
    assert.equal(a.status, 0, `${what}: ${a.stderr}`);
    const again = mvJson('apply', '-f', file);
    assert.equal(again.json.changed, 0, `${what}: one apply converges`);
    assert.equal(again.json.containers ?? 4, 4);
  };
  assert.equal(mv('apply', '-f', file).status, 0);
  const moved = structuredClone(doc);
  moved.networks.macvlan = { subnet: '10.200.0.0/16', parent: 'ens33' };
  step(moved, 'a new subnet');
  const ranged = structuredClone(moved);
  ranged.hosts.host1.ranges = { macvlan: '10.200.1.0/30' };
  step(ranged, 'an explicit /30 range');
  step(moved, 'the range dropped');
  const routed = structuredClone(moved);
  routed.networks.macvlan = { driver: 'routed', subnet: '10.200.0.0/16' };
  for (const h of ['host1', 'host2']) {
    routed.hosts[h].interface = 'ens33';
    const r = spawnSync('ip', ['netns', 'exec', hostNs(name, h), 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    assert.equal(r.status, 0);
  }
  step(routed, 'routed');
  assert.equal(mv('destroy', '-f', file).status, 0);
});

test('two topologies on one engine: the second is refused in preflight, naming the first; the first is untouched', async (t) => {
  const { file, name, doc } = labTopology(t, 'seed.yaml', 'htwo');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const other = structuredClone(doc);
  other.name = 'htwob';
  for (const h of ['host1', 'host2']) {
    other.hosts[h].docker = labEndpoint(name, h);
    other.hosts[h].containers = { web: { network: 'macvlan' } };
  }
  const otherFile = join(file, '..', 'other.yaml');
  writeFileSync(otherFile, stringify(other));
  const r = mv('apply', '-f', otherFile);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /network macvlan: a network of that name on this engine belongs to mvnet topology htwo/);
  assert.match(r.stderr, /nothing was changed on any host/);
  assert.deepEqual(await ours(name, 'host1', 'htwob'), []);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0, 'the first topology is as it was');
});

test('names JavaScript keeps for itself (constructor, toString, valueOf) are only names: up, apply, verify, destroy', async (t) => {
  const { file, name } = labTopology(t, 'seed-host-access.yaml', 'hproto', (d) => {
    d.networks = { toString: d.networks.macvlan };
    d.hosts = {
      constructor: { address: '192.168.140.200', containers: { valueOf: { network: 'toString', ip: '10.100.1.1' } } },
      hasownproperty: { address: '192.168.140.201', containers: { isPrototypeOf: { network: 'toString' } } },
    };
    d.devices = { tostring: { kind: 'machine', address: '192.168.140.50' } };
  });
  const up = mv('lab', 'up', '-f', file);
  assert.equal(up.status, 0, up.stderr);
  const a = mv('apply', '-f', file);
  assert.equal(a.status, 0, a.stderr);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify(v.json.pairs?.filter((p: any) => !p.match)));
  const d = mv('destroy', '-f', file, '--yes');
  assert.equal(d.status, 0, d.stderr);
  for (const h of ['constructor', 'hasownproperty'])
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), [], `${h} empty`);
});
