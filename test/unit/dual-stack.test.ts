import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import { formatCidr6, formatIp6, parseCidr6, parseIp6 } from '../../src/net/ipv6.ts';
import { plan } from '../../src/plan/allocate.ts';
import { predict } from '../../src/predict/predict.ts';
import { pairs6 } from '../../src/predict/family6.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';
import type { TopologyError } from '../../src/errors.ts';

test('IPv6 text: parse and the RFC 5952 form round-trip; prefixes with host bits are refused', () => {
  for (const [a, b] of [
    ['FD00:0100:0:0:0:0:0:0101', 'fd00:100::101'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['1::', '1::'],
    ['fe80::1:0:0:0', 'fe80::1:0:0:0'],
  ])
    assert.equal(formatIp6(parseIp6(a)!), b);
  for (const bad of ['1::2::3', '12345::', 'fd00::g', '1:2:3:4:5:6:7:8:9', '10.0.0.1'])
    assert.equal(parseIp6(bad), null, bad);
  assert.equal(parseCidr6('fd00:100::1/64').ok, false);
  const c = parseCidr6('fd00:100::/64');
  assert.ok(c.ok && formatCidr6(c.cidr) === 'fd00:100::/64');
});

test('dual stack: IPv6 mirrors IPv4 (addresses, ranges, shim, gateway), so adding containers moves neither family', () => {
  const p = plan(loadTopology('examples/seed-dual-stack.yaml'));
  assert.deepEqual(
    p.containers.map((c) => formatIp6(c.ip6!)),
    ['fd00:100::101', 'fd00:100::102', 'fd00:100::201', 'fd00:100::202'],
  );
  assert.equal(formatCidr6(p.hosts[1].networks[0].range6!), 'fd00:100::200/120');
  assert.equal(formatIp6(p.hosts[0].networks[0].shim6!), 'fd00:100::1fe');
  assert.equal(formatIp6(p.networks[0].gateway6!), 'fd00:100::1');
  const pred = predict(p);
  const six = [...pairs6(p, pred)];
  assert.equal(six.length, 12 + 8, 'container pairs of the network and host -> container');
  assert.ok(six.every((x) => x.family === 6 && x.expected === 'reachable'));
});

test('dual stack: a host without a shim has no IPv6 route; fields are checked with their paths', () => {
  const doc = (net: Record<string, unknown>) =>
    stringify({
      name: 'd',
      lan: '192.168.140.0/24',
      networks: { mv: { subnet: '10.100.0.0/16', parent: 'ens33', subnet6: 'fd00:100::/64', ...net } },
      hosts: {
        h1: { address: '192.168.140.10', containers: { a: { network: 'mv' }, b: { network: 'mv' } } },
        h2: { address: '192.168.140.11', containers: { a: { network: 'mv' } } },
      },
    });
  const p = plan(parseTopology(doc({})));
  const host = [...pairs6(p, predict(p))].filter((x) => !x.from.includes('/'));
  assert.ok(host.length > 0 && host.every((x) => x.expected === 'unreachable' && x.reason === 'no-route'));
  const paths = (net: Record<string, unknown>) => {
    try {
      parseTopology(doc(net));
    } catch (e) {
      return (e as TopologyError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };
  assert.match(
    paths({ subnet6: 'fd00:100::8000/113' })[0],
    /^networks\.mv\.subnet6: .*fewer addresses than 10\.100\.0\.0\/16/,
  );
  assert.match(paths({ subnet6: 'fd00:100::1/64' })[0], /^networks\.mv\.subnet6: .*host bits/);
  assert.match(paths({ gateway6: 'fd00:100::105' })[0], /^networks\.mv\.gateway6: .*mirrors an IPv4 address/);
  assert.deepEqual(paths({ gateway6: 'fd00:100::1:0:0:1' }), []);
});
