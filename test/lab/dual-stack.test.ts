/**
 * Dual stack on the real lab: both families planned, applied (read back from Docker), predicted and verified, and
 * every IPv6 pair checked again with plain `docker exec ping` / ping in the host's namespace on the IPv6 address.
 * Adding containers moves no address of either family.
 */
import assert from 'node:assert/strict';
import { agreeWithOracle, docker, ipJson, labTopology, mv, mvJson, test } from './helpers.ts';

test('dual-stack seed: IPv6 mirrors IPv4, both families verified = oracle, addresses stable when containers are added', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-dual-stack.yaml', 'ds6');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  const plan = mvJson('plan', '-f', file, '--offline').json;
  const ip6 = Object.fromEntries(plan.containers.map((c: any) => [c.id, c.ip6]));
  assert.equal(ip6['host1/centos1'], 'fd00:100::101');
  assert.equal(ip6['host2/centos2'], 'fd00:100::202');
  // read back from Docker: IPv6 enabled, both subnets, each container's IPv6 address as planned
  for (const h of ['host1', 'host2']) {
    const d = docker(name, h);
    const net = (await d.listNetworks()).find((n) => n.Labels?.['mvnet.topology'] === name)!;
    const full = await d.getNetwork(net.Id).inspect();
    assert.equal(full.EnableIPv6, true);
    assert.deepEqual((full.IPAM?.Config ?? []).map((c: any) => c.Subnet).sort(), ['10.100.0.0/16', 'fd00:100::/64']);
    for (const c of await d.listContainers()) {
      const id = `${h}/${c.Labels['mvnet.name']}`;
      assert.equal(Object.values(c.NetworkSettings.Networks)[0].GlobalIPv6Address, ip6[id], id);
    }
  }
  // the shim carries its IPv6 twin and the route (seen in the host's namespace)
  const shim = plan.hosts[0].networks[0];
  const a6 = ipJson(`mv_${name}_h_host1`, '-6', 'addr', 'show', 'dev', shim.shimName).flatMap((l: any) =>
    l.addr_info.map((x: any) => x.local),
  );
  assert.ok(a6.includes(shim.shim6), `${shim.shim6} on the shim: ${a6.join(' ')}`);
  // verify: both families, every pair as predicted, and the oracle agrees pair by pair (IPv6 pinged at IPv6)
  const ver = mvJson('verify', '-f', file);
  assert.equal(ver.status, 0, JSON.stringify(ver.json.pairs.filter((p: any) => !p.match)));
  const six = ver.json.pairs.filter((p: any) => p.family === 6);
  assert.equal(six.length, 20, 'containers of the network (12) and hosts to containers (8)');
  assert.equal(ver.json.pairs.filter((p: any) => p.family === undefined).length, 28);
  assert.ok(six.every((p: any) => p.actual === 'reachable'));
  await agreeWithOracle(file, name, ver.json.pairs);
  // a host without a shim has no IPv6 route to the containers: predicted, and so it is
  const noShim = structuredClone(doc);
  noShim.networks.macvlan.hostAccess = false;
  write(noShim);
  assert.equal(mv('apply', '-f', file).status, 0);
  const v2 = mvJson('verify', '-f', file);
  assert.equal(v2.status, 0, JSON.stringify(v2.json.pairs.filter((p: any) => !p.match)));
  assert.ok(
    v2.json.pairs
      .filter((p: any) => p.family === 6 && !p.from.includes('/'))
      .every((p: any) => p.actual === 'unreachable'),
  );
  await agreeWithOracle(
    file,
    name,
    v2.json.pairs.filter((p: any) => p.family === 6),
  );
  // more containers: nothing moves, nothing is recreated
  const more = structuredClone(noShim);
  more.hosts.host1.containers.web = { network: 'macvlan' };
  more.hosts.host2.containers.db = { network: 'macvlan' };
  write(more);
  const ap3 = mvJson('apply', '-f', file);
  assert.equal(ap3.status, 0, ap3.stderr);
  assert.deepEqual(
    ap3.json.changes
      .filter((c: any) => c.kind === 'container')
      .map((c: any) => `${c.action} ${c.name}`)
      .sort(),
    ['create db', 'create web'],
  );
  const after = mvJson('plan', '-f', file).json;
  for (const c of plan.containers) {
    const now = after.containers.find((x: any) => x.id === c.id);
    assert.deepEqual([now.ip, now.ip6], [c.ip, c.ip6], `${c.id} keeps both addresses`);
  }
  const web = after.containers.find((x: any) => x.id === 'host1/web');
  const [, , x, y] = web.ip.split('.').map(Number);
  assert.equal(web.ip6, `fd00:100::${((x << 8) | y).toString(16)}`, 'mirrors its IPv4 address');
  const v3 = mvJson('verify', '-f', file);
  assert.equal(v3.status, 0, JSON.stringify(v3.json.pairs.filter((p: any) => !p.match)));
});
