import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { contains, formatCidr, formatIp, broadcastOf, overlaps } from '../../src/net/ipv4.ts';
import { plan } from '../../src/plan/allocate.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';

test('the seed plans to the seed addresses and MACs', () => {
  const p = plan(loadTopology('examples/seed.yaml'));
  const got = p.containers.map((c) => `${c.id} ${formatIp(c.ip)} ${c.mac}`);
  assert.deepEqual(got, [
    'host1/centos1 10.100.1.1 02:42:0a:64:01:01',
    'host1/centos2 10.100.1.2 02:42:0a:64:01:02',
    'host2/centos1 10.100.2.1 02:42:0a:64:02:01',
    'host2/centos2 10.100.2.2 02:42:0a:64:02:02',
  ]);
  assert.deepEqual(
    p.hosts.map((h) => formatCidr(h.networks[0].range)),
    ['10.100.1.0/24', '10.100.2.0/24'],
  );
});

/** A random topology: hosts with a mix of fixed and automatic containers. */
function topoText(hosts: number[], subnet = '10.100.0.0/16'): string {
  const doc: any = { name: 't', lan: '192.168.140.0/24', networks: { mv: { subnet, parent: 'ens33' } }, hosts: {} };
  hosts.forEach((n, h) => {
    const containers: any = {};
    for (let i = 0; i < n; i++) containers[`c${i}`] = { network: 'mv' };
    doc.hosts[`h${h}`] = { address: `192.168.140.${10 + h}`, containers };
  });
  return stringify(doc);
}

test('property: no duplicate address, every address inside its host range and subnet, never special', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 12 }), (hosts) => {
      const p = plan(parseTopology(topoText(hosts)));
      const subnet = p.networks[0].subnet;
      const seen = new Set<number>();
      for (const h of p.hosts)
        for (const c of h.containers) {
          if (seen.has(c.ip)) return false;
          seen.add(c.ip);
          if (!contains(h.networks[0].range, c.ip) || !contains(subnet, c.ip)) return false;
          if (c.ip === subnet.base || c.ip === broadcastOf(subnet) || c.ip === p.networks[0].gateway) return false;
        }
      // ranges are disjoint
      for (const a of p.hosts)
        for (const b of p.hosts) if (a !== b && overlaps(a.networks[0].range, b.networks[0].range)) return false;
      return true;
    }),
    { numRuns: 200 },
  );
});

test('property: adding hosts and containers never moves an existing range or address', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }),
      (hosts, extraPerHost, newHosts) => {
        const before = plan(parseTopology(topoText(hosts, '10.100.0.0/24')));
        const grown = hosts.map((n, i) => n + (extraPerHost[i] ?? 0)).concat(newHosts);
        const after = plan(parseTopology(topoText(grown, '10.100.0.0/24')));
        for (const h of before.hosts) {
          const h2 = after.hosts.find((x) => x.name === h.name)!;
          if (formatCidr(h.networks[0].range) !== formatCidr(h2.networks[0].range)) return false;
          for (const c of h.containers) if (h2.containers.find((x) => x.name === c.name)!.ip !== c.ip) return false;
        }
        return true;
      },
    ),
    { numRuns: 200 },
  );
});

test('live pins keep an address even when the file order changes', () => {
  const t = parseTopology(topoText([3]));
  const p1 = plan(t);
  const reordered = parseTopology(
    stringify({
      name: 't',
      lan: '192.168.140.0/24',
      networks: { mv: { subnet: '10.100.0.0/16', parent: 'ens33' } },
      hosts: {
        h0: {
          address: '192.168.140.10',
          containers: { new: { network: 'mv' }, c2: { network: 'mv' }, c0: { network: 'mv' }, c1: { network: 'mv' } },
        },
      },
    }),
  );
  const pins = {
    ips: new Map(p1.containers.map((c) => [c.id, c.ip])),
    ranges: new Map([['h0/mv', p1.hosts[0].networks[0].range]]),
  };
  const p2 = plan(reordered, pins);
  for (const c of p1.containers) assert.equal(p2.containers.find((x) => x.id === c.id)!.ip, c.ip);
  assert.equal(p2.containers.find((x) => x.name === 'new')!.ipFrom, 'auto');
});

test("explicit ranges override; other hosts' fixed addresses in a range become aux-addresses", () => {
  // b's container has a fixed address in a's range; `bRange` gives b a range of its own
  const topo = (bRange?: string) =>
    parseTopology(
      stringify({
        name: 't',
        lan: '192.168.140.0/24',
        networks: { mv: { subnet: '10.100.0.0/16', parent: 'ens33', reserved: ['10.100.5.9'] } },
        hosts: {
          a: { address: '192.168.140.10', ranges: { mv: '10.100.5.0/24' }, containers: { x: { network: 'mv' } } },
          b: {
            address: '192.168.140.11',
            ...(bRange ? { ranges: { mv: bRange } } : {}),
            containers: { y: { network: 'mv', ip: '10.100.5.1' } },
          },
        },
      }),
    );
  // b's fixed address lies in a's range: b cannot derive a range from it
  assert.throws(() => plan(topo()), /hosts\.b\.containers\.y\.ip/);
  const p = plan(topo('10.100.6.0/24'));
  assert.equal(formatIp(p.containers.find((c) => c.id === 'a/x')!.ip), '10.100.5.2');
  assert.deepEqual(
    p.hosts[0].networks[0].aux.map((a) => formatIp(a.ip)),
    ['10.100.5.1', '10.100.5.9'],
  );
});

test('a full range is an error naming the container', () => {
  const t = parseTopology(topoText([20], '10.100.0.0/24'));
  assert.throws(
    () => plan(t),
    (e: any) => e.issues.some((i: any) => /hosts\.h0\.containers\.c\d+/.test(i.path) && /full/.test(i.message)),
  );
});

test('ranges skip the gateway block when there are enough blocks', () => {
  const p = plan(parseTopology(topoText([1, 1])));
  assert.deepEqual(
    p.hosts.map((h) => formatCidr(h.networks[0].range)),
    ['10.100.1.0/24', '10.100.2.0/24'],
  );
  assert.equal(formatIp(p.containers[0].ip), '10.100.1.1');
  // the gateway's block is nobody's range
  assert.ok(p.hosts.every((h) => !contains(h.networks[0].range, p.networks[0].gateway)));
});

test('stale live pins never make an impossible plan: a changed subnet, a host address in a routed range', () => {
  const doc = (subnet: string, driver?: string) =>
    parseTopology(
      stringify({
        name: 't',
        lan: '192.168.140.0/24',
        networks: { mv: { subnet, ...(driver ? { driver } : { parent: 'ens33' }) } },
        hosts: {
          h0: { address: '192.168.140.10', containers: { a: { network: 'mv' }, b: { network: 'mv' } } },
          h1: { address: '192.168.140.11', containers: { a: { network: 'mv' } } },
        },
      }),
    );
  const before = plan(doc('10.100.0.0/16'));
  const pins = {
    ips: new Map(before.containers.map((c) => [c.id, c.ip])),
    ranges: new Map(before.hosts.map((h) => [`${h.name}/mv`, h.networks[0].range])),
  };
  // the subnet moved: no range and no address outside it
  const moved = plan(doc('10.200.0.0/16'), pins);
  const subnet = moved.networks[0].subnet;
  for (const h of moved.hosts) assert.ok(contains(subnet, h.networks[0].range.base), formatCidr(h.networks[0].range));
  for (const c of moved.containers) assert.ok(contains(subnet, c.ip), `${c.id} ${formatIp(c.ip)}`);
  // a container pinned at the address a routed host takes for itself (the last usable one of its range)
  const range = { base: before.hosts[0].networks[0].range.base, prefix: 29 };
  const own = range.base + 6;
  const routed = plan(doc('10.100.0.0/16', 'routed'), {
    ips: new Map([['h0/a', own]]),
    ranges: new Map([['h0/mv', range]]),
  });
  const a = routed.containers.find((c) => c.id === 'h0/a')!;
  assert.notEqual(a.ip, own, 'the host keeps its own address; the container gets another');
  assert.equal(routed.hosts[0].networks[0].gateway, own);
});
