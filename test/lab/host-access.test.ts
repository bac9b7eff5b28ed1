/** Host access (shim) and LAN routers on the real lab: prediction = probe = oracle; destroy leaves nothing. */
import { hostNs, labEndpoint } from '../../src/lab/paths.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { docker, ipJson, labTopology, mv, mvJson, test } from './helpers.ts';

function ping(file: string, from: string, ip: string): boolean {
  for (let i = 0; i < 3; i++)
    if (mv('lab', 'exec', '-f', file, from, '--', 'ping', '-c', '1', '-W', '1', ip).status === 0) return true;
  return false;
}

function dockerPing(lab: string, host: string, container: string, ip: string): boolean {
  const sock = labEndpoint(lab, host);
  for (let i = 0; i < 3; i++)
    if (spawnSync('docker', ['-H', sock, 'exec', container, 'ping', '-c', '1', '-W', '1', ip]).status === 0)
      return true;
  return false;
}

test('hostAccess: a bridge-mode shim per host; container <-> own host works; destroy removes shim, route and helpers', async (t) => {
  const { file, name } = labTopology(t, 'seed-host-access.yaml', 'tshim');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const ap = mvJson('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  assert.equal(ap.json.changes.filter((c: any) => c.kind === 'shim').length, 2);
  const plan = mvJson('plan', '-f', file).json;
  for (const h of plan.hosts) {
    const n = h.networks[0];
    // the shim, seen by iproute2 in the host's namespace
    const link = ipJson(hostNs(name, h.name), '-d', 'link', 'show', n.shimName)[0];
    assert.equal(link.linkinfo.info_kind, 'macvlan');
    assert.equal(link.linkinfo.info_data.mode, 'bridge');
    const addr = ipJson(hostNs(name, h.name), 'addr', 'show', n.shimName)[0].addr_info.find(
      (a: any) => a.family === 'inet',
    );
    assert.equal(`${addr.local}/${addr.prefixlen}`, `${n.shim}/32`);
    const routes = ipJson(hostNs(name, h.name), 'route', 'show', 'dev', n.shimName);
    assert.ok(routes.some((r: any) => r.dst === '10.100.0.0/16'));
    // Docker's network uses the shim as the containers' gateway
    const net: any = await docker(name, h.name).getNetwork('macvlan').inspect();
    assert.equal(net.IPAM.Config[0].Gateway, n.shim);
  }
  assert.equal(mvJson('apply', '-f', file).json.changed, 0, 'a second apply is a no-op');
  // the seed's limits are cured: container -> own host and host -> containers
  assert.ok(dockerPing(name, 'host1', 'centos1', '192.168.140.200'));
  assert.ok(ping(file, 'host1', '10.100.1.1'));
  assert.ok(ping(file, 'host2', '10.100.1.2'));
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match)));
  const get = (f: string, to: string) => v.json.pairs.find((p: any) => p.from === f && p.to === to);
  assert.equal(get('host1/centos1', 'host1').actual, 'reachable');
  assert.equal(get('host1', 'host1/centos1').actual, 'reachable');
  assert.equal(get('host1/centos1', 'host2').actual, 'unreachable', 'everything else as before');
  // a shim removed by hand is drift, and apply repairs it
  const shimName = plan.hosts[0].networks[0].shimName;
  spawnSync('ip', ['-n', hostNs(name, 'host1'), 'link', 'del', shimName]);
  const drift = mvJson('plan', '-f', file).json.live.changes;
  assert.deepEqual(
    drift.map((c: any) => `${c.host} ${c.action} ${c.kind}`),
    ['host1 create shim'],
  );
  assert.equal(mvJson('apply', '-f', file).status, 0);
  assert.ok(ping(file, 'host1', '10.100.1.1'));
  // destroy: no shim, no route, no helper container, nothing labelled
  assert.equal(mv('destroy', '-f', file).status, 0);
  for (const h of ['host1', 'host2']) {
    const links = ipJson(hostNs(name, h), 'link', 'show').map((l: any) => l.ifname);
    assert.deepEqual(
      links.filter((l: string) => l.startsWith('mv')),
      [],
    );
    assert.deepEqual(
      ipJson(hostNs(name, h), 'route', 'show').filter((r: any) => r.dst === '10.100.0.0/16'),
      [],
    );
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), []);
  }
  // the unit that keeps a shim across reboots
  const unit = mv('shim-unit', '-f', file, 'host1');
  assert.match(unit.stdout, new RegExp(`ExecStart=/sbin/ip link add ${shimName} link ens33 type macvlan mode bridge`));
});

test('a LAN router at the gateway: container -> own host works without a shim; without the route back it does not', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-router.yaml', 'trouter');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify([...v.json.pairs, ...v.json.lanPairs].filter((p: any) => !p.match)));
  assert.equal(v.json.pairs.find((p: any) => p.from === 'host1/centos1' && p.to === 'host1').actual, 'reachable');
  // independent: plain docker exec ping and ping from the LAN machine's namespace
  assert.ok(dockerPing(name, 'host1', 'centos1', '192.168.140.200'));
  assert.ok(ping(file, 'pc', '10.100.2.2'));
  assert.ok(v.json.lanPairs.every((p: any) => p.actual === 'reachable'));
  const plan = mvJson('plan', '-f', file).json;
  assert.deepEqual(
    plan.lanRoutes.map((r: any) => `${r.to} via ${r.via}`),
    ['10.100.0.0/16 via 192.168.140.1'],
  );
  // the hosts lose their route through the router: the prediction and the network agree it breaks
  mv('lab', 'down', '-f', file);
  delete doc.hosts.host1.gateway;
  delete doc.hosts.host2.gateway;
  write(doc);
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const v2 = mvJson('verify', '-f', file);
  assert.equal(v2.status, 0, JSON.stringify(v2.json.pairs.filter((p: any) => !p.match)));
  const own = v2.json.pairs.find((p: any) => p.from === 'host1/centos1' && p.to === 'host1');
  assert.equal(own.actual, 'unreachable');
  assert.equal(own.reason, 'no-route-back');
  assert.equal(dockerPing(name, 'host1', 'centos1', '192.168.140.200'), false);
});

test('hosts as routers: with host access and forwarding hosts, a LAN machine reaches every container', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed-outside.yaml', 'toutside', (d) => {
    d.hosts.host2.forward = false;
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // the file now says host2 forwards, but the host does not: preflight names it and changes nothing
  doc.hosts.host2.forward = true;
  write(doc);
  const refused = mv('apply', '-f', file);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /host2: the file says host2 forwards, but its net.ipv4.ip_forward is 0/);
  assert.deepEqual(await docker(name, 'host1').listContainers({ all: true }), []);
  spawnSync('nsenter', [
    `--net=/run/netns/${hostNs(name, 'host2')}`,
    '--',
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
  ]);
  assert.equal(mv('apply', '-f', file).status, 0);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify([...v.json.pairs, ...v.json.lanPairs].filter((p: any) => !p.match)));
  assert.ok(v.json.lanPairs.length === 8 && v.json.lanPairs.every((p: any) => p.actual === 'reachable'));
  assert.equal(v.json.pairs.find((p: any) => p.from === 'host1/centos1' && p.to === 'host2').actual, 'reachable');
  assert.ok(ping(file, 'pc', '10.100.2.1'), 'independently: ping from the LAN machine');
  assert.equal(mvJson('plan', '-f', file).json.lanRoutes[0].via, '192.168.140.200');
});
