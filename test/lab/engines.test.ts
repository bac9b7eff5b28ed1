/**
 * The lab's engines of three Docker versions (Debian's docker.io 20.10, 26 and 28), alone and mixed in one
 * cluster: the seed and the modes example end to end, checked through the Docker API (engine version,
 * addresses, pinned MACs, also after a restart) and a plain `docker exec ping` oracle. The README's
 * compatibility table comes from these tests.
 */
import assert from 'node:assert/strict';
import { engineReady } from '../../src/lab/engines.ts';
import type { LabEngine } from '../../src/topology/types.ts';
import { agreeWithOracle, docker, labTopology, mv, mvJson, test } from './helpers.ts';

const VERSIONS: LabEngine[] = ['20.10', '26', '28'];
const missing = VERSIONS.filter((v) => !engineReady(v).ok);
const skip = missing.length ? `engines ${missing.join(', ')} are not built here: scripts/setup.sh --engines` : false;

/** Every planned container runs with its planned address and MAC, as the Docker API reports them. */
async function asPlanned(file: string, name: string): Promise<void> {
  const plan = mvJson('plan', '-f', file, '--offline').json;
  for (const c of plan.containers) {
    const live = await docker(name, c.host).getContainer(c.name).inspect();
    const ep = live.NetworkSettings.Networks[c.network];
    assert.equal(ep.IPAddress, c.ip, `${c.id} address`);
    assert.equal(ep.MacAddress, c.mac, `${c.id} MAC`);
  }
}

async function endToEnd(file: string, name: string, engines: Record<string, LabEngine>): Promise<void> {
  const up = mv('lab', 'up', '-f', file);
  assert.equal(up.status, 0, up.stderr);
  for (const [h, v] of Object.entries(engines)) {
    const ver = await docker(name, h).version();
    assert.ok(ver.Version.startsWith(v === '20.10' ? '20.10.' : `${v}.`), `${h} runs Docker ${ver.Version}, not ${v}`);
  }
  const a = mvJson('apply', '-f', file);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0, 'nothing to change');
  await asPlanned(file, name);
  // a restart keeps the pinned MAC (Docker 28 would otherwise give a new random one)
  for (const c of mvJson('plan', '-f', file, '--offline').json.containers.slice(0, 2)) {
    await docker(name, c.host).getContainer(c.name).restart({ t: 1 });
  }
  await asPlanned(file, name);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.json.mismatches, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match).slice(0, 5)));
  assert.equal(v.status, 0);
  await agreeWithOracle(file, name, v.json.pairs);
  assert.equal(mv('inspect', '-f', file).status, 0);
  const d = mv('destroy', '-f', file);
  assert.equal(d.status, 0, d.stderr);
  for (const h of Object.keys(engines))
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), [], `${h} empty`);
}

const every = (v: LabEngine) => (d: any) => {
  for (const h of Object.values(d.hosts) as any[]) h.engine = v;
};

for (const v of VERSIONS) {
  const tag = v.replace('.', '');
  test(
    `Docker ${v}: the seed end to end (engine version, addresses, pinned MACs across restarts, verify = oracle)`,
    { skip },
    async (t) => {
      const { file, name } = labTopology(t, 'seed.yaml', `oeng${tag}`, every(v));
      await endToEnd(file, name, { host1: v, host2: v });
    },
  );
  test(`Docker ${v}: the modes example (bridge, private, VEPA on three parents)`, { skip }, async (t) => {
    const { file, name } = labTopology(t, 'modes.yaml', `omod${tag}`, every(v));
    await endToEnd(file, name, { alpha: v, beta: v });
  });
}

test('a mixed cluster: one host per Docker version in one topology', { skip }, async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'omix', (d) => {
    d.hosts.host3 = {
      address: '192.168.140.202',
      containers: { centos1: { network: 'macvlan' }, centos2: { network: 'macvlan' } },
    };
    d.hosts.host1.engine = '20.10';
    d.hosts.host2.engine = '26';
    d.hosts.host3.engine = '28';
  });
  await endToEnd(file, name, { host1: '20.10', host2: '26', host3: '28' });
});

test(
  "Swarm on a mixed cluster: a 20.10 manager with 26 and 28 workers; tasks unique and in their node's range",
  { skip },
  async (t) => {
    const { file, name } = labTopology(t, 'swarm.yaml', 'oswmix', (d) => {
      d.hosts.node2.engine = '26';
      d.hosts.node3.engine = '28';
    });
    const up = mv('lab', 'up', '-f', file);
    assert.equal(up.status, 0, up.stderr);
    const versions = (await docker(name, 'node1').listNodes())
      .map((n) => n.Description!.Engine!.EngineVersion.split('.')[0])
      .sort();
    assert.deepEqual(versions, ['20', '26', '28']);
    const a = mvJson('apply', '-f', file);
    assert.equal(a.status, 0, a.stderr);
    const plan = mvJson('plan', '-f', file).json;
    assert.equal(plan.containers.length, 8, 'web 6 + api 2 tasks');
    const ips = plan.containers.map((c: any) => c.ip);
    assert.equal(new Set(ips).size, ips.length, `unique: ${ips}`);
    for (const c of plan.containers) {
      const range = plan.hosts.find((h: any) => h.name === c.host).networks[0].range as string;
      const live =
        (
          await docker(name, c.host).listContainers({ filters: { label: [`com.docker.swarm.task.name=${c.name}`] } })
        )[0] ??
        (await docker(name, c.host).listContainers()).find(
          (x) =>
            x.Labels['com.docker.swarm.service.name'] === c.name.split('.')[0] &&
            Object.values(x.NetworkSettings.Networks)[0]?.IPAddress === c.ip,
        );
      assert.ok(live, `${c.id} runs on ${c.host}`);
      assert.equal(
        range.split('.').slice(0, 3).join('.'),
        c.ip.split('.').slice(0, 3).join('.'),
        `${c.id} ${c.ip} in ${range}`,
      );
    }
    const v = mvJson('verify', '-f', file);
    assert.equal(v.json.mismatches, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match).slice(0, 5)));
    assert.equal(v.status, 0);
    assert.equal(mv('destroy', '-f', file).status, 0);
  },
);

test(
  'several macvlan networks on one parent: refused by preflight on 26 (before 27), applied and verified on 28',
  { skip },
  async (t) => {
    const two = (v: LabEngine) => (d: any) => {
      every(v)(d);
      d.networks.second = { subnet: '10.101.0.0/16', parent: 'ens33' };
      d.hosts.host1.containers.other = { network: 'second' };
      d.hosts.host2.containers.other = { network: 'second' };
    };
    const old = labTopology(t, 'seed.yaml', 'opar26', two('26'));
    assert.equal(mv('lab', 'up', '-f', old.file).status, 0);
    const r = mv('apply', '-f', old.file);
    assert.equal(r.status, 2);
    assert.match(
      r.stderr,
      /host1: network second: shares parent ens33 with network macvlan of this file; Docker 26\.[\d.+a-z]+ allows one macvlan network per parent \(before 27\)/,
    );
    assert.deepEqual(await docker(old.name, 'host1').listContainers({ all: true }), [], 'nothing was made');
    mv('lab', 'down', '-f', old.file);
    const neu = labTopology(t, 'seed.yaml', 'opar28', two('28'));
    assert.equal(mv('lab', 'up', '-f', neu.file).status, 0);
    const a = mvJson('apply', '-f', neu.file);
    assert.equal(a.status, 0, a.stderr);
    const nets = (await docker(neu.name, 'host1').listNetworks())
      .filter((n) => n.Driver === 'macvlan')
      .map((n) => n.Name)
      .sort();
    assert.deepEqual(nets, ['macvlan', 'second']);
    const v = mvJson('verify', '-f', neu.file);
    assert.equal(v.json.mismatches, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match).slice(0, 5)));
    await agreeWithOracle(neu.file, neu.name, v.json.pairs);
    assert.equal(mv('destroy', '-f', neu.file).status, 0);
  },
);
