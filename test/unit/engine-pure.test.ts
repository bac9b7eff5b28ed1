/** The pure parts of engine and probe: desired state, the diff, Docker's stream framing, `ip` parsing, compare. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { desiredFor } from '../../src/engine/desired.ts';
import { diffHost, type Live } from '../../src/engine/diff.ts';
import { ipamOf } from '../../src/engine/ipam.ts';
import { serviceSpec, swarmChanges } from '../../src/engine/swarm.ts';
import { demux } from '../../src/engine/docker.ts';
import { parseIpAddr } from '../../src/engine/inspect.ts';
import { LABEL } from '../../src/engine/labels.ts';
import { plan } from '../../src/plan/allocate.ts';
import { predict } from '../../src/predict/predict.ts';
import { compare } from '../../src/probe/compare.ts';
import type { Probed } from '../../src/probe/probe.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';
import { parseTopology } from '../../src/topology/load.ts';
import type { Engine, LiveContainer, LiveNetwork } from '../../src/engine/engine.ts';
import { guarded, Stop } from '../../src/engine/stop.ts';
import { InterruptedError } from '../../src/errors.ts';

const seed = plan(loadTopology('examples/seed.yaml'));
const want = desiredFor(seed, seed.hosts[0]);

/** What the engine would show after the desired objects were made exactly as planned. */
function made(): Live {
  const networks: LiveNetwork[] = want.networks.map((n, i) => ({
    id: `n${i}`,
    name: n.name,
    driver: 'macvlan',
    labels: n.labels,
  }));
  const containers: LiveContainer[] = want.containers.map((c, i) => ({
    id: `c${i}`,
    name: c.name,
    state: 'running',
    image: c.image,
    labels: c.labels,
    networks: { [c.network]: { ip: c.ip, mac: c.mac, prefix: 16 } },
  }));
  return { networks, containers };
}

test('desiredFor: the seed host1 as Docker objects, labelled with its owner, spec digests and bodies', () => {
  assert.deepEqual(
    want.networks.map((n) => [n.name, n.parent, n.subnet, n.ipRange, n.driver]),
    [['macvlan', 'ens33', '10.100.0.0/16', '10.100.1.0/24', 'macvlan']],
  );
  assert.deepEqual(
    want.containers.map((c) => [c.name, c.ip, c.mac]),
    [
      ['centos1', '10.100.1.1', '02:42:0a:64:01:01'],
      ['centos2', '10.100.1.2', '02:42:0a:64:01:02'],
    ],
  );
  for (const o of [...want.networks, ...want.containers]) {
    assert.equal(o.labels[LABEL.topology], 'seed');
    assert.equal(o.labels[LABEL.spec], o.spec);
    assert.ok(JSON.parse(o.labels[LABEL.body]));
  }
  assert.deepEqual(want.routes, []);
  assert.deepEqual(want.shims, []);
});

test('diffHost: nothing when live = desired; each kind of drift named; what is not in the file goes', () => {
  assert.deepEqual(diffHost(want, made()), []);
  const live = made();
  live.containers[0].networks.macvlan.ip = '10.100.1.9';
  live.containers[1].state = 'exited';
  const moved = diffHost(want, live);
  assert.deepEqual(
    moved.map((c) => [c.action, c.name, c.drift, c.reason]),
    [
      ['recreate', 'centos1', true, 'drift'],
      ['start', 'centos2', true, 'stopped'],
    ],
  );
  assert.match(moved[0].why, /address 10\.100\.1\.9 differs from the planned 10\.100\.1\.1/);
  assert.deepEqual(
    moved[0].fields?.find((f) => f.field === 'ip'),
    { field: 'ip', from: '10.100.1.9', to: '10.100.1.1' },
  );
  const gone = made();
  gone.containers.push({
    ...gone.containers[0],
    id: 'cx',
    name: 'old',
    labels: { ...gone.containers[0].labels, [LABEL.name]: 'old' },
  });
  assert.deepEqual(
    diffHost(want, gone).map((c) => `${c.action} ${c.kind} ${c.name} ${c.reason}`),
    ['remove container old unplanned'],
  );
  // a network whose spec changed is recreated, and with it every container on it
  const changed = made();
  changed.networks[0].labels = { ...changed.networks[0].labels, [LABEL.spec]: 'other' };
  assert.deepEqual(
    diffHost(want, changed).map((c) => `${c.action} ${c.kind} ${c.name} ${c.reason}`),
    [
      'recreate network macvlan changed',
      'recreate container centos1 network-recreated',
      'recreate container centos2 network-recreated',
    ],
  );
});

test('diffHost: routes of a routed network are created, repointed and removed by destination', () => {
  const p = plan(
    parseTopology(
      stringify({
        name: 'r',
        lan: '192.168.140.0/24',
        networks: { r: { driver: 'routed', subnet: '10.100.0.0/16' } },
        hosts: {
          a: { address: '192.168.140.10', interface: 'eth0' },
          b: { address: '192.168.140.11', interface: 'eth0' },
        },
      }),
    ),
  );
  const w = desiredFor(p, p.hosts[0]);
  assert.deepEqual(w.routes, [{ to: '10.100.2.0/24', via: '192.168.140.11', dev: 'eth0' }]);
  const base: Live = { networks: [], containers: [] };
  const routes = (live: Live) =>
    diffHost(w, live)
      .filter((c) => c.kind === 'route')
      .map((c) => `${c.action} ${c.name}`);
  assert.deepEqual(routes({ ...base, routes: [] }), ['create 10.100.2.0/24']);
  assert.deepEqual(routes({ ...base, routes: [{ to: '10.100.2.0/24', via: '192.168.140.99', dev: 'eth0' }] }), [
    'recreate 10.100.2.0/24',
  ]);
  assert.deepEqual(
    routes({ ...base, routes: [...w.routes, { to: '10.100.3.0/24', via: '192.168.140.12', dev: 'eth0' }] }),
    ['remove 10.100.3.0/24'],
  );
});

test("demux splits Docker's multiplexed stream by its 8-byte frame headers", () => {
  const frame = (kind: number, text: string) => {
    const body = Buffer.from(text);
    const head = Buffer.alloc(8);
    head[0] = kind;
    head.writeUInt32BE(body.length, 4);
    return Buffer.concat([head, body]);
  };
  assert.deepEqual(demux(Buffer.concat([frame(1, 'out1 '), frame(2, 'err'), frame(1, 'out2')])), {
    stdout: 'out1 out2',
    stderr: 'err',
  });
  assert.deepEqual(demux(Buffer.alloc(3)), { stdout: '', stderr: '' }, 'a truncated header is not read');
});

test('parseIpAddr: the seed rows from `ip -o link` and `ip -o -4 addr`, loopback left out', () => {
  const out = [
    '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
    '2: ens33@if9: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP\\    link/ether 9a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff',
    '---',
    '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
    '2: ens33    inet 192.168.140.200/24 brd 192.168.140.255 scope global ens33\\       valid_lft forever preferred_lft forever',
  ].join('\n');
  assert.deepEqual(parseIpAddr(out), [
    {
      interface: 'ens33@if9',
      ipv4: '192.168.140.200/24',
      brd: '192.168.140.255',
      mac: '9a:1b:2c:3d:4e:5f',
      scope: 'global',
      master: 'br0',
    },
  ]);
  assert.equal(parseIpAddr(out, false).length, 2);
});

test('compare: agreement, an unexpected answer, a stopped target and a cut host each get their own reason', () => {
  const pred = predict(seed);
  const ok = (retries = 0) => ({ target: '', ok: true, retries });
  const no = { target: '', ok: false, retries: 0, kind: 'noarp' as const, hop: '10.100.2.1' };
  const sources = new Map<string, Probed['sources'] extends Map<string, infer V> ? V : never>();
  const src = (id: string, results: [string, ReturnType<typeof ok> | typeof no][]) =>
    sources.set(id, { source: id, results: new Map(results), links: [] });
  src('host1/centos1', [
    ['host1/centos2', ok()],
    ['host2/centos1', no],
    ['host1', ok()],
  ]);
  const probed: Probed = {
    sources,
    down: new Map(),
    stopped: new Set(['host2/centos1']),
    missing: new Set(),
    drifted: new Map(),
  };
  const only = new Set(['host1/centos1>host1/centos2', 'host1/centos1>host2/centos1', 'host1/centos1>host1']);
  const c = compare(seed, pred, probed, only);
  const by = (to: string) => c.pairs.find((p) => p.to === to)!;
  assert.equal(by('host1/centos2').match, true);
  assert.deepEqual([by('host2/centos1').reason, by('host2/centos1').match], ['not-running', false]);
  assert.deepEqual([by('host1').reason, by('host1').actual], ['unexpected-reach', 'reachable']);
  assert.equal(c.mismatches, 2);
  // a host without carrier on its LAN interface: link-down, with the host named in a field
  sources.set('host1', { source: 'host1', results: new Map(), links: [{ name: 'ens33', carrier: false }] });
  const cut = compare(seed, pred, { ...probed, stopped: new Set() }, only);
  const pair = cut.pairs.find((p) => p.to === 'host2/centos1')!;
  assert.deepEqual([pair.reason, pair.cut], ['link-down', 'host1']);
  // a missing container: pairs from it and to it are differences (never matches), even where unreachable was expected
  sources.set('host2/centos2', {
    source: 'host2/centos2',
    results: new Map(),
    links: [],
    error: { reason: 'missing', detail: 'host2/centos2 does not exist (mvnet apply makes it)' },
  });
  const gone = compare(seed, pred, { ...probed, stopped: new Set(), missing: new Set(['host2/centos2']) });
  const from = gone.pairs.filter((p) => p.from === 'host2/centos2');
  assert.ok(from.length > 0 && from.every((p) => !p.match && p.reason === 'missing'));
  const toIt = gone.pairs.find((p) => p.from === 'host1' && p.to === 'host2/centos2')!;
  assert.deepEqual([toIt.expected, toIt.match, toIt.reason], ['unreachable', false, 'missing']);
});

test('ipamOf: a macvlan network gets its host range in both families, a routed segment none, config-only IPv4', () => {
  const dual = plan(loadTopology('examples/seed-dual-stack.yaml'));
  const n = desiredFor(dual, dual.hosts[0]).networks[0];
  const full = ipamOf(n, { ranges: true, v6: true });
  assert.deepEqual(
    full.Config?.map((c) => [c.Subnet, c.IPRange]),
    [
      [n.subnet, n.ipRange],
      [n.subnet6, n.ipRange6],
    ],
  );
  assert.deepEqual(full.Config?.[1].AuxiliaryAddresses, n.aux6);
  const segment = ipamOf(n, { ranges: false, v6: true });
  assert.ok(
    segment.Config?.every((c) => !('IPRange' in c)),
    'a bridge segment is the range itself',
  );
  assert.deepEqual(
    ipamOf(n, { ranges: true, v6: false }).Config?.map((c) => c.Subnet),
    [n.subnet],
  );
});

test('swarm changes carry their reason codes: missing, replicas, network-recreated, unplanned', () => {
  const p = plan(loadTopology('examples/swarm.yaml'));
  const none = { configs: new Map(), networks: [], services: [] };
  assert.ok(swarmChanges(p, none).every((c) => c.reason === 'missing' && c.action === 'create'));
  const s = p.services[0];
  const configs = new Map(
    p.hosts.map((h) => [
      h.name,
      desiredFor(p, h).networks.map((n) => ({ id: `${h.name}-${n.name}`, name: n.name, spec: n.spec })),
    ]),
  );
  const networks = p.networks.map((n) => ({ id: n.name, name: n.name, spec: '' }));
  const live = (spec: string, replicas: number) => ({
    configs,
    networks,
    services: [
      { id: 's1', name: s.name, spec, replicas },
      { id: 's2', name: 'gone', spec: 'x', replicas: 1 },
    ],
  });
  assert.deepEqual(
    swarmChanges(p, { configs, networks, services: [] }).map((c) => c.kind),
    p.services.map(() => 'service'),
    'only the services are missing',
  );
  const want = serviceSpec(p, s).spec;
  const scaled = swarmChanges(p, live(want, s.replicas + 1));
  assert.deepEqual(
    scaled.map((c) => `${c.action} ${c.name} ${c.reason} ${c.why}`),
    [
      `scale web replicas ${s.replicas + 1} -> ${s.replicas} replicas`,
      'create api missing 2 replicas',
      'remove gone unplanned no longer in the file',
    ],
  );
  const remade = new Map([...configs].map(([h, cs]) => [h, cs.map((c) => ({ ...c, spec: 'old' }))]));
  const again = swarmChanges(p, { ...live(want, s.replicas), configs: remade });
  assert.ok(
    again.filter((c) => c.kind === 'service' && c.name === s.name).every((c) => c.reason === 'network-recreated'),
  );
});

test('a stopped run starts no engine call, its Swarm calls included; calls before the signal go through', async () => {
  const calls: string[] = [];
  const swarm = { services: async () => (calls.push('services'), []) };
  const engine = { host: 'h1', info: async () => (calls.push('info'), {}), swarm: () => swarm };
  const stop = new Stop();
  const g = guarded(engine as unknown as Engine, stop);
  await g.info();
  const sw = g.swarm();
  await sw.services({});
  stop.trigger('SIGINT');
  assert.throws(() => g.info(), InterruptedError, 'refused before it starts');
  assert.throws(() => sw.services({}), InterruptedError, 'a Swarm handle taken before the signal is refused too');
  assert.deepEqual(calls, ['info', 'services']);
});

test('shim unit: a parent holding ;, %h or $HOME reaches ip as written (quoted, specifiers escaped)', async () => {
  const { shimUnit } = await import('../../src/engine/shim.ts');
  const unit = shimUnit('t', 'n', {
    name: 'mv0123456789abc',
    link: 'e;%h$HOME',
    ip: '10.100.1.254',
    subnet: '10.100.0.0/16',
    alias: 'mvnet:t/n',
  });
  assert.match(unit, /^ExecStart=\/sbin\/ip link add mv0123456789abc link "e;%%h\$\$HOME" type macvlan mode bridge$/m);
  assert.match(unit, /^ExecStart=\/sbin\/ip route add 10\.100\.0\.0\/16 dev mv0123456789abc$/m);
});
