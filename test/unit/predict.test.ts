import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { plan } from '../../src/plan/allocate.ts';
import { pairs, predict, verdictFor } from '../../src/predict/predict.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';
import { formatCidr, formatIp } from '../../src/net/ipv4.ts';
import type { TopologyError } from '../../src/errors.ts';

/** The prediction for a topology written as data. */
const predicted = (doc: object) => predict(plan(parseTopology(stringify(doc))));

const seedPred = () => predict(plan(loadTopology('examples/seed.yaml')));

test('seed: same host ✓, other host ✓, own host ✗, other host address ✗, host -> containers ✗', () => {
  const p = seedPred();
  const v = (f: string, t: string) => verdictFor(p, f, t)!;
  assert.equal(v('host1/centos1', 'host1/centos2').expected, 'reachable');
  assert.equal(v('host1/centos1', 'host1/centos2').reason, 'same-host-bridge');
  assert.equal(v('host1/centos1', 'host2/centos1').expected, 'reachable');
  assert.equal(v('host1/centos1', 'host2/centos1').reason, 'over-lan');
  assert.equal(v('host1/centos1', 'host1').expected, 'unreachable');
  assert.equal(v('host1/centos1', 'host1').reason, 'no-gateway');
  assert.equal(v('host1/centos1', 'host2').expected, 'unreachable');
  assert.equal(v('host1', 'host1/centos1').expected, 'unreachable');
  assert.equal(v('host2', 'host1/centos2').reason, 'no-route');
  assert.equal(verdictFor(p, 'host1', 'host2'), null, 'host -> host is not part of the matrix');
  assert.equal(p.pairCount, [...pairs(p)].length);
  assert.equal(p.pairCount, 4 * 3 + 4 * 2 + 2 * 4);
});

function topo(net: Record<string, unknown>, extra: Record<string, unknown> = {}, lan: unknown = '192.168.140.0/24') {
  return predicted({
    name: 't',
    lan,
    networks: { mv: { subnet: '10.100.0.0/16', parent: 'ens33', ...net }, ...extra },
    hosts: {
      h1: { address: '192.168.140.10', containers: { a: { network: 'mv' }, b: { network: 'mv' } } },
      h2: { address: '192.168.140.11', containers: { a: { network: 'mv' } } },
    },
  });
}

test('private mode: same host ✗ (private-mode), other host ✓', () => {
  const p = topo({ mode: 'private' });
  assert.equal(verdictFor(p, 'h1/a', 'h1/b')!.reason, 'private-mode');
  assert.equal(verdictFor(p, 'h1/a', 'h2/a')!.expected, 'reachable');
});

test('vepa: same host needs a hairpin switch', () => {
  assert.equal(verdictFor(topo({ mode: 'vepa' }), 'h1/a', 'h1/b')!.reason, 'vepa-no-hairpin');
  const hp = topo({ mode: 'vepa' }, {}, { subnet: '192.168.140.0/24', hairpin: true });
  assert.equal(verdictFor(hp, 'h1/a', 'h1/b')!.expected, 'reachable');
});

test('a subnet that is the LAN: own host blocked by parent isolation, other hosts reachable', () => {
  const p = predicted({
    name: 't',
    lan: '192.168.140.0/24',
    networks: { mv: { subnet: '192.168.140.0/24', gateway: '192.168.140.1', parent: 'ens33', hostPrefix: 28 } },
    hosts: {
      h1: { address: '192.168.140.200', containers: { a: { network: 'mv' } } },
      h2: { address: '192.168.140.201', containers: { a: { network: 'mv' } } },
    },
  });
  assert.equal(verdictFor(p, 'h1/a', 'h1')!.reason, 'parent-isolation');
  assert.equal(verdictFor(p, 'h1', 'h1/a')!.reason, 'parent-isolation');
  assert.equal(verdictFor(p, 'h1/a', 'h2')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'h2', 'h1/a')!.expected, 'reachable');
});

test('VLAN networks: different VLANs do not meet, and a VLAN does not reach the untagged host', () => {
  const p = predicted({
    name: 't',
    lan: '192.168.140.0/24',
    networks: {
      v10: { subnet: '10.10.0.0/16', parent: 'ens33', vlan: 10 },
      v20: { subnet: '10.20.0.0/16', parent: 'ens33', vlan: 20 },
    },
    hosts: {
      h1: { address: '192.168.140.10', containers: { a: { network: 'v10' }, b: { network: 'v20' } } },
      h2: { address: '192.168.140.11', containers: { a: { network: 'v10' } } },
    },
  });
  assert.equal(verdictFor(p, 'h1/a', 'h2/a')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'h1/a', 'h1/b')!.expected, 'unreachable');
  assert.equal(verdictFor(p, 'h1/a', 'h1/b')!.reason, 'no-gateway');
});

test('hostAccess: host <-> containers through the shim', () => {
  const p = topo({ hostAccess: true });
  assert.equal(verdictFor(p, 'h1', 'h1/a')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'h1', 'h1/a')!.reason, 'via-shim');
  assert.equal(verdictFor(p, 'h1', 'h2/a')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'h1/a', 'h2/a')!.expected, 'reachable');
});

test('passthru takes the parent: the host address on it stops answering', () => {
  const p = predicted({
    name: 't',
    lan: '192.168.140.0/24',
    networks: {
      mv: {
        subnet: '192.168.140.0/24',
        gateway: '192.168.140.1',
        parent: 'ens33',
        mode: 'passthru',
        hostPrefix: 28,
      },
    },
    hosts: {
      h1: { address: '192.168.140.200', containers: { a: { network: 'mv' } } },
      h2: { address: '192.168.140.201', containers: { a: { network: 'mv' } } },
    },
  });
  assert.equal(verdictFor(p, 'h1/a', 'h2/a')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'h1/a', 'h2')!.reason, 'passthru-takes-parent');
});

test('grouping: 100 hosts x 100 containers predict through ~200 groups', () => {
  const hosts: any = {};
  for (let h = 0; h < 100; h++) {
    const containers: any = {};
    for (let c = 0; c < 100; c++) containers[`c${c}`] = { network: 'mv' };
    hosts[`h${h}`] = { address: `192.168.${h >> 8}.${(h & 255) + 1}`, containers };
  }
  const p = predicted({
    name: 'big',
    lan: '192.168.0.0/16',
    networks: { mv: { subnet: '10.0.0.0/8', parent: 'eth0' } },
    hosts,
  });
  assert.equal(p.groups.length, 200);
  assert.equal(p.pairCount, 10000 * 9999 + 2 * 10000 * 100);
});

test('a router at the gateway: container -> own host via the router; without hosts routing back, no-route-back', () => {
  const base = (hostGw: boolean) =>
    predicted({
      name: 't',
      lan: '192.168.140.0/24',
      networks: { mv: { subnet: '10.100.0.0/16', gateway: '10.100.0.1', parent: 'ens33' } },
      devices: {
        gw: { kind: 'router', address: '192.168.140.1', addresses: ['10.100.0.1/16'] },
        pc: { kind: 'machine', address: '192.168.140.50', gateway: '192.168.140.1' },
      },
      hosts: {
        h1: {
          address: '192.168.140.10',
          ...(hostGw ? { gateway: '192.168.140.1' } : {}),
          containers: { a: { network: 'mv' } },
        },
        h2: {
          address: '192.168.140.11',
          ...(hostGw ? { gateway: '192.168.140.1' } : {}),
          containers: { a: { network: 'mv' } },
        },
      },
    });
  const p = base(true);
  assert.equal(verdictFor(p, 'h1/a', 'h1')!.reason, 'via-router');
  assert.equal(verdictFor(p, 'h1', 'h1/a')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'pc', 'h2/a')!.expected, 'reachable');
  const q = base(false);
  assert.equal(verdictFor(q, 'h1/a', 'h1')!.reason, 'no-route-back');
  assert.equal(verdictFor(q, 'h1', 'h1/a')!.reason, 'no-route');
  assert.equal(verdictFor(q, 'pc', 'h2/a')!.expected, 'reachable', 'the machine routes through the router itself');
});

test('hostAccess without forwarding: a container still cannot reach another host (no-forwarding)', () => {
  const p = topo({ hostAccess: true });
  assert.equal(verdictFor(p, 'h1/a', 'h1')!.expected, 'reachable');
  assert.equal(verdictFor(p, 'h1/a', 'h2')!.reason, 'no-forwarding');
});

test('forwarding hosts with host access: the LAN reaches containers through a host, and containers reach other hosts', () => {
  const mk = (forward: boolean) =>
    predicted({
      name: 't',
      lan: '192.168.140.0/24',
      networks: { mv: { subnet: '10.100.0.0/16', parent: 'ens33', hostAccess: true } },
      devices: { pc: { kind: 'machine', address: '192.168.140.50', gateway: '192.168.140.10' } },
      hosts: {
        h1: { address: '192.168.140.10', forward, containers: { a: { network: 'mv' } } },
        h2: { address: '192.168.140.11', forward, containers: { a: { network: 'mv' } } },
      },
    });
  const on = mk(true);
  assert.equal(verdictFor(on, 'pc', 'h2/a')!.expected, 'reachable');
  assert.equal(verdictFor(on, 'h1/a', 'h2')!.expected, 'reachable');
  const off = mk(false);
  assert.equal(verdictFor(off, 'pc', 'h2/a')!.reason, 'no-forwarding');
});

test('a group verdict read twice is the same, its sentence made from the same path as its code', () => {
  const p = seedPred();
  for (let i = 0; i < p.groups.length; i++)
    for (let j = 0; j < p.groups.length; j++) {
      const v = p.verdict(i, j);
      const code = p.codes[i * p.groups.length + j];
      assert.equal(v === null, code === 0);
      if (!v) continue;
      assert.deepEqual({ expected: v.expected, reason: v.reason }, p.kinds[code - 1]);
      assert.ok(v.why.length > 10, `a sentence for ${p.groups[i].key} -> ${p.groups[j].key}`);
      assert.equal(JSON.parse(JSON.stringify(v)).why, v.why, 'JSON carries the sentence');
    }
});

test('the same file as JSON and as YAML gives the same topology; a duplicate key in JSON is still refused', () => {
  const doc = {
    name: 'j',
    lan: '192.168.1.0/24',
    networks: { mv: { subnet: '10.1.0.0/16', parent: 'eth0' } },
    hosts: { h1: { address: '192.168.1.2', containers: { a: { network: 'mv', command: 'echo "x: \\"y\\"" z' } } } },
  };
  assert.deepEqual(parseTopology(JSON.stringify(doc), 'f.json'), parseTopology(stringify(doc), 'f.json'));
  const bad = { ...doc, hosts: { h1: { address: '192.168.1.2', containers: { 'a"b': { network: 'mv' } } } } };
  const message = (text: string) => {
    try {
      parseTopology(text, 'f');
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(message(JSON.stringify(bad)), /container name "a"b" is not allowed/);
  assert.equal(message(JSON.stringify(bad)), message(stringify(bad)));
  const dup = JSON.stringify(doc).replace('"name":"j"', '"name":"j","name":"k"');
  assert.throws(() => parseTopology(dup, 'f.json'), /"name" appears twice/);
});

test('routed: every pair reachable, hop by hop through the hosts; LAN machines need the printed routes', () => {
  const t = parseTopology(
    stringify({
      name: 'rt',
      lan: { subnet: '192.168.140.0/24', switch: 'port-security' },
      networks: { r: { driver: 'routed', subnet: '10.100.0.0/16' } },
      hosts: {
        h1: { address: '192.168.140.10', containers: { a: { network: 'r' }, b: { network: 'r' } } },
        h2: { address: '192.168.140.11', containers: { a: { network: 'r' } } },
      },
      devices: { pc: { kind: 'machine', address: '192.168.140.50' } },
    }),
  );
  assert.deepEqual(
    t.hosts.map((h) => h.forward),
    [true, true],
    'a routed network makes its hosts forward',
  );
  const pl = plan(t);
  const hn = pl.hosts[0].networks[0];
  assert.equal(formatCidr(hn.range), '10.100.1.0/24');
  assert.equal(formatIp(hn.gateway), '10.100.1.254', "the host's own address: the range's last usable one");
  assert.deepEqual(
    hn.routes!.map((r) => `${formatCidr(r.to)} via ${formatIp(r.via)}`),
    ['10.100.2.0/24 via 192.168.140.11'],
  );
  assert.ok(!pl.containers.some((c) => c.ip === hn.gateway), 'no container gets the host address');
  const p = predict(pl);
  const v = (f: string, to: string) => verdictFor(p, f, to)!;
  assert.equal(v('h1/a', 'h1/b').reason, 'routed-segment');
  assert.equal(v('h1/a', 'h2/a').reason, 'routed-by-host');
  assert.equal(v('h1/a', 'h2/a').expected, 'reachable', 'port security does not matter: only hosts cross the LAN');
  assert.equal(v('h1/a', 'h1').reason, 'routed-segment');
  assert.equal(v('h2', 'h1/b').expected, 'reachable');
  assert.equal(v('pc', 'h1/a').expected, 'unreachable');
  assert.equal(v('h1/a', 'pc').reason, 'no-route-back');
});

test('routed: fields that do not apply are refused with their path', () => {
  const bad = (net: Record<string, unknown>, host: Record<string, unknown> = {}) => {
    try {
      parseTopology(
        stringify({
          name: 'rt',
          lan: '192.168.140.0/24',
          networks: { r: { driver: 'routed', subnet: '10.100.0.0/16', ...net } },
          hosts: { h1: { address: '192.168.140.10', ...host } },
        }),
      );
    } catch (e) {
      return (e as TopologyError).issues.map((i) => i.path);
    }
    return [];
  };
  assert.deepEqual(bad({ parent: 'ens33' }), ['networks.r.parent']);
  assert.deepEqual(bad({ hostAccess: true, mode: 'private' }), ['networks.r.mode', 'networks.r.hostAccess']);
  assert.deepEqual(bad({}, { forward: false }), ['hosts.h1.forward']);
  assert.deepEqual(bad({ driver: 'ipvlan' }), ['networks.r.driver']);
});

test('hostAccess on a flat network (the LAN itself): the shim routes the host range; host <-> own containers', () => {
  const doc = {
    name: 'flatha',
    lan: '192.168.170.0/24',
    networks: { lan: { subnet: '192.168.170.0/24', parent: 'eth0', hostPrefix: 28, hostAccess: true } },
    hosts: {
      pi1: { address: '192.168.170.2', containers: { web: { network: 'lan' } } },
      pi2: { address: '192.168.170.3', containers: { web: { network: 'lan' } } },
    },
  };
  const p = predicted(doc);
  const v = (a: string, b: string) => verdictFor(p, a, b)!;
  assert.deepEqual([v('pi1/web', 'pi1').expected, v('pi1/web', 'pi1').reason], ['reachable', 'via-shim']);
  assert.deepEqual([v('pi1', 'pi1/web').expected, v('pi1', 'pi1/web').reason], ['reachable', 'via-shim']);
  assert.equal(v('pi1', 'pi2/web').expected, 'reachable');
  assert.equal(v('pi1/web', 'pi2').expected, 'reachable');
});
