/**
 * The routed mode on the real lab, behind a switch that drops foreign MACs: the seed with driver: routed reaches
 * across hosts and to its own hosts (verify = plain docker exec ping), the routes on every host are read back
 * with `ip -j route`, follow hosts added and removed, and destroy leaves no route and no bridge behind.
 */
import assert from 'node:assert/strict';
import { agreeWithOracle, docker, ipJson, labTopology, mv, mvJson, test } from './helpers.ts';

/** mvnet's routes in a host's namespace (protocol 77), as "DST via GW". */
function routes(ns: string): string[] {
  return ipJson(ns, '-4', 'route', 'show')
    .filter((r: any) => String(r.protocol) === '77')
    .map((r: any) => `${r.dst} via ${r.gateway}`)
    .sort();
}

test('routed seed on a port-security LAN: every pair reachable (also host <-> own containers), routes follow the hosts', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-routed.yaml', 'rtd');
  // the lab has a third host from the start; the file names it later
  const three = structuredClone(doc);
  three.hosts.host3 = { address: '192.168.140.202', interface: 'ens33', containers: { c1: { network: 'routed' } } };
  write(three);
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  write(doc);
  const ns = (h: string) => `mv_${name}_h_${h}`;
  // the LAN drops foreign MACs (check says so), yet apply needs no --no-check: nothing of this topology needs them
  assert.equal(mvJson('check', '-f', file).status, 1);
  const plan = mvJson('plan', '-f', file, '--offline').json;
  assert.ok(
    plan.pairs.every((p: any) => p.expected === 'reachable'),
    'every pair predicted reachable',
  );
  const reason = (f: string, to: string) => plan.pairs.find((p: any) => p.from === f && p.to === to).reason;
  assert.equal(reason('host1/centos1', 'host2/centos1'), 'routed-by-host');
  assert.equal(reason('host1/centos1', 'host1'), 'routed-segment');
  assert.deepEqual(
    plan.lanRoutes.map((r: any) => `${r.to} via ${r.via}`),
    ['10.100.1.0/24 via 192.168.140.200', '10.100.2.0/24 via 192.168.140.201'],
  );
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  // read back: the routes, a bridge per host at the range's last usable address, no macvlan anywhere
  assert.deepEqual(routes(ns('host1')), ['10.100.2.0/24 via 192.168.140.201']);
  assert.deepEqual(routes(ns('host2')), ['10.100.1.0/24 via 192.168.140.200']);
  const addrs = ipJson(ns('host1'), '-4', 'addr', 'show').flatMap((l: any) =>
    l.addr_info.map((a: any) => `${a.local}/${a.prefixlen}`),
  );
  assert.ok(addrs.includes('10.100.1.254/24'), addrs.join(' '));
  const nets = await docker(name, 'host1').listNetworks();
  assert.deepEqual(
    nets.filter((n) => n.Labels?.['mvnet.topology'] === name).map((n) => n.Driver),
    ['bridge'],
  );
  // verify and the oracle: all 28 pairs reachable
  const ver = mvJson('verify', '-f', file);
  assert.equal(ver.status, 0, JSON.stringify(ver.json.pairs.filter((p: any) => !p.match)));
  assert.equal(ver.json.pairs.length, 28);
  assert.ok(ver.json.pairs.every((p: any) => p.actual === 'reachable'));
  await agreeWithOracle(file, name, ver.json.pairs);
  // a third host: its range is routed from the others, and theirs from it
  write(three);
  const ap3 = mvJson('apply', '-f', file);
  assert.equal(ap3.status, 0, ap3.stderr);
  // only what a new host calls for: its own objects and a route on each old host
  const old = ap3.json.changes.filter((c: any) => c.host !== 'host3' && c.kind !== 'record');
  assert.deepEqual(old.map((c: any) => `${c.host} ${c.action} ${c.kind} ${c.name}`).sort(), [
    'host1 create route 10.100.3.0/24',
    'host2 create route 10.100.3.0/24',
  ]);
  assert.deepEqual(routes(ns('host1')), ['10.100.2.0/24 via 192.168.140.201', '10.100.3.0/24 via 192.168.140.202']);
  assert.deepEqual(routes(ns('host3')), ['10.100.1.0/24 via 192.168.140.200', '10.100.2.0/24 via 192.168.140.201']);
  const v3 = mvJson('verify', '-f', file);
  assert.equal(v3.status, 0, JSON.stringify(v3.json.pairs.filter((p: any) => !p.match)));
  assert.equal(mv('apply', '-f', file).stdout.startsWith('nothing to change'), true);
  // host3 leaves the file: emptied, and the others' routes to it go
  write(doc);
  assert.equal(mv('apply', '-f', file).status, 0);
  assert.deepEqual(routes(ns('host1')), ['10.100.2.0/24 via 192.168.140.201']);
  assert.deepEqual(routes(ns('host3')), []);
  write(three);
  assert.equal(mv('apply', '-f', file).status, 0);
  // destroy: no route of ours, no bridge, on any host
  assert.equal(mv('destroy', '-f', file, '-y').status, 0);
  for (const h of ['host1', 'host2', 'host3']) {
    assert.deepEqual(routes(ns(h)), [], `${h} keeps no route`);
    assert.deepEqual(
      ipJson(ns(h), 'link', 'show').filter((l: any) => l.ifname.startsWith('br-')),
      [],
    );
  }
});

test('routed + IPv6 on Docker 20.10 and 28: both families verified = oracle, IPv6 routes via link-locals, all removed', async (t) => {
  const { file, name } = labTopology(t, 'seed-routed.yaml', 'rt6', (d) => {
    d.networks.routed.subnet6 = 'fd00:101::/64';
    d.hosts.host2.engine = '28';
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const ns = (h: string) => `mv_${name}_h_${h}`;
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  // host1's IPv6 route to host2's range goes to host2's link-local address on the LAN (read in host2's namespace)
  const ll2 = ipJson(ns('host2'), '-6', 'addr', 'show', 'dev', 'ens33', 'scope', 'link')[0].addr_info[0].local;
  const r6 = ipJson(ns('host1'), '-6', 'route', 'show').filter((r: any) => String(r.protocol) === '77');
  assert.deepEqual(
    r6.map((r: any) => `${r.dst} via ${r.gateway}`),
    [`fd00:101::200/120 via ${ll2}`],
  );
  const ver = mvJson('verify', '-f', file);
  assert.equal(ver.status, 0, JSON.stringify(ver.json.pairs.filter((p: any) => !p.match)));
  const six = ver.json.pairs.filter((p: any) => p.family === 6);
  assert.equal(six.length, 20);
  assert.ok(ver.json.pairs.every((p: any) => p.actual === 'reachable'));
  await agreeWithOracle(file, name, ver.json.pairs);
  assert.equal(mv('destroy', '-f', file, '-y').status, 0);
  for (const h of ['host1', 'host2']) {
    assert.deepEqual(
      ipJson(ns(h), '-6', 'route', 'show').filter((r: any) => String(r.protocol) === '77'),
      [],
    );
    assert.deepEqual(routes(ns(h)), []);
  }
});
