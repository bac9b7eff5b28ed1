/** Swarm mode on a real 3-node lab Swarm: per-node ranges, services, scaling, verify, destroy. */
import assert from 'node:assert/strict';
import { parseCidr, parseIp, contains, lastIp } from '../../src/net/ipv4.ts';
import { docker, labTopology, mv, mvJson, test } from './helpers.ts';

async function tasks(lab: string) {
  const out: { node: string; name: string; ip: string }[] = [];
  for (const node of ['node1', 'node2', 'node3']) {
    const cs = await docker(lab, node).listContainers({ filters: { label: ['com.docker.swarm.service.name=web'] } });
    for (const c of cs)
      out.push({ node, name: c.Names[0], ip: Object.values(c.NetworkSettings.Networks)[0].IPAddress });
  }
  return out;
}

function checkAddresses(plan: any, live: { node: string; ip: string }[]) {
  const subnet = (parseCidr(plan.networks[0].subnet) as any).cidr;
  const ips = live.map((t) => t.ip);
  assert.equal(new Set(ips).size, ips.length, `unique: ${ips}`);
  for (const t of live) {
    const range = (parseCidr(plan.hosts.find((h: any) => h.name === t.node).networks[0].range) as any).cidr;
    const ip = parseIp(t.ip)!;
    assert.ok(contains(range, ip), `${t.ip} in ${t.node}'s range`);
    assert.notEqual(ip, range.base, `${t.ip} is not its range's first address`);
    assert.notEqual(ip, lastIp(range));
    assert.notEqual(ip, subnet.base);
    assert.notEqual(ip, lastIp(subnet));
  }
}

test("a 3-node lab Swarm: 6 replicas get unique addresses from their node's planned range; verify, scale, destroy", async (t) => {
  const { file, name, doc, write } = labTopology(t, 'swarm.yaml', 'tswarm');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const nodes = await docker(name, 'node1').listNodes();
  assert.equal(nodes.length, 3);
  assert.deepEqual(nodes.map((n) => n.Spec!.Labels!['mvnet.host']).sort(), ['node1', 'node2', 'node3']);
  const ap = mvJson('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  const plan = mvJson('plan', '-f', file).json;
  let live = await tasks(name);
  assert.equal(live.length, 6);
  checkAddresses(plan, live);
  // config-only networks carry each node's range
  for (const node of ['node1', 'node2', 'node3']) {
    const cfg: any = await docker(name, node).getNetwork('macvlan-config').inspect();
    assert.equal(cfg.ConfigOnly, true);
    assert.equal(cfg.IPAM.Config[0].IPRange, plan.hosts.find((h: any) => h.name === node).networks[0].range);
  }
  assert.equal(mvJson('apply', '-f', file).json.changed, 0);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match).slice(0, 4)));
  const taskPairs = v.json.pairs.filter((p: any) => p.from.includes('/') && p.to.includes('/'));
  assert.equal(taskPairs.length, 8 * 7);
  // placement: the api service runs on node2 and node3 only
  const api = v.json.pairs.filter((p: any) => /\/api\./.test(p.from)).map((p: any) => p.from.split('/')[0]);
  assert.ok(api.length > 0 && api.every((n: string) => n === 'node2' || n === 'node3'), `api on ${[...new Set(api)]}`);
  assert.ok(
    taskPairs.every((p: any) => p.actual === 'reachable'),
    'the full mesh of tasks is reachable',
  );
  // scale up and down: still unique and in range
  for (const replicas of [9, 3]) {
    doc.services.web.replicas = replicas;
    write(doc);
    const s = mvJson('apply', '-f', file);
    assert.equal(s.status, 0, s.stderr);
    assert.deepEqual(
      s.json.changes.map((c: any) => `${c.action} ${c.name}`),
      ['scale web'],
    );
    live = await tasks(name);
    assert.equal(live.length, replicas);
    checkAddresses(plan, live);
  }
  // destroy: services, the swarm network and the config-only networks are gone
  const d = mvJson('destroy', '-f', file);
  assert.equal(d.status, 0, d.stderr);
  assert.deepEqual(await docker(name, 'node1').listServices(), []);
  for (const node of ['node1', 'node2', 'node3']) {
    const nets = await docker(name, node).listNetworks({ filters: { driver: ['macvlan'] } });
    assert.deepEqual(
      nets.map((n) => n.Name),
      [],
    );
  }
});
