/** apply / destroy on the real lab, checked through the Docker API (not mvnet's own report). */
import { PROBE_IMAGE } from '../../src/engine/image.ts';
import assert from 'node:assert/strict';
import { docker, labTopology, mv, mvJson, test } from './helpers.ts';

async function live(lab: string, host: string) {
  const cs = await docker(lab, host).listContainers({ all: true });
  return new Map(
    cs.map((c) => {
      const n = Object.values(c.NetworkSettings.Networks)[0];
      return [
        c.Names[0].slice(1),
        { id: c.Id, state: c.State, ip: n?.IPAddress, mac: n?.MacAddress, labels: c.Labels },
      ];
    }),
  );
}

test('apply realizes the seed exactly, is idempotent, converges minimally, repairs drift, and destroy spares foreign objects', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'tapply');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  t.after(() => {
    mv('destroy', '-f', file);
  });
  const d1 = docker(name, 'host1');
  const foreign = await d1.createContainer({
    name: 'not-mvnet',
    Image: PROBE_IMAGE,
    HostConfig: { NetworkMode: 'none' },
  });
  await foreign.start();

  const first = mvJson('apply', '-f', file);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.json.changed, 8, '4 containers, 2 networks, 2 membership records');
  const seed: Record<string, [string, string, string]> = {
    'host1/centos1': ['host1', '10.100.1.1', '02:42:0a:64:01:01'],
    'host1/centos2': ['host1', '10.100.1.2', '02:42:0a:64:01:02'],
    'host2/centos1': ['host2', '10.100.2.1', '02:42:0a:64:02:01'],
    'host2/centos2': ['host2', '10.100.2.2', '02:42:0a:64:02:02'],
  };
  for (const [id, [host, ip, mac]] of Object.entries(seed)) {
    const c = (await live(name, host)).get(id.split('/')[1])!;
    assert.equal(c.state, 'running', id);
    assert.equal(c.ip, ip, id);
    assert.equal(c.mac, mac, id);
  }
  const net: any = await docker(name, 'host2').getNetwork('macvlan').inspect();
  assert.equal(net.Driver, 'macvlan');
  assert.equal(net.Options.parent, 'ens33');
  assert.equal(net.IPAM.Config[0].Subnet, '10.100.0.0/16');
  assert.equal(net.IPAM.Config[0].Gateway, '10.100.0.1');
  assert.equal(net.IPAM.Config[0].IPRange, '10.100.2.0/24');

  // a second apply changes nothing
  const second = mvJson('apply', '-f', file);
  assert.equal(second.json.changed, 0);
  assert.match(mv('apply', '-f', file).stdout, /nothing to change/);

  // a changed file: one added, one removed, one address changed -> exactly three changes
  const before = await live(name, 'host1');
  doc.hosts.host1.containers.centos3 = { network: 'macvlan' };
  delete doc.hosts.host2.containers.centos2;
  doc.hosts.host1.containers.centos2.ip = '10.100.1.20';
  write(doc);
  const third = mvJson('apply', '-f', file);
  assert.equal(third.status, 0, third.stderr);
  const got = third.json.changes.map((c: any) => `${c.host} ${c.action} ${c.kind} ${c.name}`).sort();
  assert.deepEqual(got, [
    'host1 create container centos3',
    'host1 recreate container centos2',
    'host2 remove container centos2',
  ]);
  const after = await live(name, 'host1');
  assert.equal(after.get('centos1')!.id, before.get('centos1')!.id, 'an unchanged container is not touched');
  assert.equal(after.get('centos2')!.ip, '10.100.1.20');
  assert.equal(
    after.get('centos3')!.ip,
    '10.100.1.2',
    'the new container takes the lowest free address (freed by centos2)',
  );
  assert.ok(!(await live(name, 'host2')).has('centos2'));

  // drift by hand: a container stopped, another disconnected from its network
  await docker(name, 'host2')
    .getContainer((await live(name, 'host2')).get('centos1')!.id)
    .stop({ t: 0 });
  await d1.getNetwork('macvlan').disconnect({ Container: after.get('centos1')!.id, Force: true });
  const planned = mvJson('plan', '-f', file);
  const drift = planned.json.live.changes
    .filter((c: any) => c.drift)
    .map((c: any) => `${c.host} ${c.action} ${c.name} ${c.reason}`)
    .sort();
  assert.deepEqual(drift, ['host1 recreate centos1 drift', 'host2 start centos1 stopped']);
  assert.equal(mvJson('apply', '-f', file).status, 0);
  assert.equal((await live(name, 'host2')).get('centos1')!.state, 'running');
  assert.equal((await live(name, 'host1')).get('centos1')!.ip, '10.100.1.1');

  // a foreign container with a planned name is an error, not a takeover, and nothing changes anywhere
  const clash = await d1.createContainer({ name: 'centos4', Image: PROBE_IMAGE, HostConfig: { NetworkMode: 'none' } });
  doc.hosts.host1.containers.centos4 = { network: 'macvlan' };
  doc.hosts.host2.containers.centos5 = { network: 'macvlan' };
  write(doc);
  const refused = mv('apply', '-f', file);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /host1: container centos4: a container of that name exists and is not mvnet's/);
  assert.ok(!(await live(name, 'host2')).has('centos5'), 'preflight failed: nothing changed on host2');
  assert.equal((await clash.inspect()).Config.Labels['mvnet.topology'], undefined);
  await clash.remove({ force: true });

  // destroy removes exactly what the topology owns
  const gone = mvJson('destroy', '-f', file);
  assert.equal(gone.status, 0);
  for (const h of ['host1', 'host2']) {
    const left = [...(await live(name, h)).values()].filter((c) => c.labels['mvnet.topology'] === name);
    assert.deepEqual(left, []);
    const nets = await docker(name, h).listNetworks({ filters: { label: [`mvnet.topology=${name}`] } });
    assert.deepEqual(nets, []);
  }
  assert.equal((await live(name, 'host1')).get('not-mvnet')!.state, 'running', 'the foreign container survives');
});

test('preflight: a stopped engine fails apply before any change; the re-run after start converges', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tprefl');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('lab', 'stop', '-f', file, 'host2').status, 0);
  const r = mv('apply', '-f', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /host2/);
  assert.match(r.stderr, /does not answer/);
  assert.deepEqual(await docker(name, 'host1').listContainers({ all: true }), [], 'nothing created on host1');
  assert.deepEqual(
    (await docker(name, 'host1').listNetworks()).filter((n) => n.Driver === 'macvlan'),
    [],
  );
  assert.equal(mv('lab', 'start', '-f', file, 'host2').status, 0);
  const ok = mvJson('apply', '-f', file);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.json.changed, 8);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0);
  // a missing parent is named, and nothing changes
  const { file: f2, name: n2 } = labTopology(t, 'seed.yaml', 'tparent');
  assert.equal(mv('lab', 'up', '-f', f2).status, 0);
  const { parse, stringify } = await import('yaml');
  const { readFileSync, writeFileSync } = await import('node:fs');
  const d = parse(readFileSync(f2, 'utf8'));
  d.hosts.host2.parents = { macvlan: 'ens34' };
  writeFileSync(f2, stringify(d));
  const bad = mv('apply', '-f', f2);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /host2: network macvlan: parent interface ens34 does not exist on host2/);
  assert.deepEqual(await docker(n2, 'host1').listContainers({ all: true }), []);
});
