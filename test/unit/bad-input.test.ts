/** Every invalid file gets a clear error naming the field path. A table of cases. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { plan } from '../../src/plan/allocate.ts';
import { parseTopology } from '../../src/topology/load.ts';
import { TopologyError } from '../../src/errors.ts';

const seed = () => parse(readFileSync('examples/seed.yaml', 'utf8'));
type Case = [name: string, text: string | ((d: any) => void), path: RegExp, message: RegExp];

export const CASES: Case[] = [
  ['not YAML', 'name: [unclosed', /line \d+/, /not valid YAML/],
  ['not a mapping', '- a\n- b', /top level/, /mapping/],
  ['duplicate key', 'name: a\nname: b\nlan: 1.2.3.0/24\nnetworks: {}\nhosts: {}', /line/, /not valid YAML/],
  ['unknown top-level field', (d) => { d.extra = 1; }, /^extra$/, /unknown field/],
  ['unknown container field', (d) => { d.hosts.host1.containers.centos1.addr = '1.2.3.4'; }, /hosts\.host1\.containers\.centos1\.addr/, /unknown field/],
  ['missing subnet', (d) => { delete d.networks.macvlan.subnet; }, /networks\.macvlan\.subnet/, /required/],
  ['missing lan', (d) => { delete d.lan; }, /^lan$/, /required/],
  ['wrong type', (d) => { d.networks.macvlan.vlan = 'ten'; }, /networks\.macvlan\.vlan/, /number/],
  ['malformed CIDR', (d) => { d.networks.macvlan.subnet = '10.100.0.0/99'; }, /networks\.macvlan\.subnet/, /prefix/],
  ['CIDR with host bits', (d) => { d.networks.macvlan.subnet = '10.100.1.0/16'; }, /networks\.macvlan\.subnet/, /host bits/],
  ['gateway outside subnet', (d) => { d.networks.macvlan.gateway = '10.101.0.1'; }, /networks\.macvlan\.gateway/, /outside the subnet/],
  ['gateway is the broadcast', (d) => { d.networks.macvlan.gateway = '10.100.255.255'; }, /networks\.macvlan\.gateway/, /broadcast/],
  ['IP outside subnet', (d) => { d.hosts.host2.containers.centos1.ip = '10.200.2.1'; }, /hosts\.host2\.containers\.centos1\.ip/, /outside the subnet/],
  ['IP is network address', (d) => { d.hosts.host2.containers.centos1.ip = '10.100.0.0'; }, /hosts\.host2\.containers\.centos1\.ip/, /network address/],
  ['IP is broadcast', (d) => { d.hosts.host2.containers.centos1.ip = '10.100.255.255'; }, /hosts\.host2\.containers\.centos1\.ip/, /broadcast/],
  ['IP is gateway', (d) => { d.hosts.host2.containers.centos1.ip = '10.100.0.1'; }, /hosts\.host2\.containers\.centos1\.ip/, /gateway/],
  ['IP used twice across hosts', (d) => { d.hosts.host2.containers.centos1.ip = '10.100.1.1'; }, /hosts\.host2\.containers\.centos1\.ip/, /already used by hosts\.host1\.containers\.centos1/],
  ['IP is reserved', (d) => { d.networks.macvlan.reserved = ['10.100.2.2']; }, /hosts\.host2\.containers\.centos2\.ip/, /reserved/],
  ['malformed IP', (d) => { d.hosts.host1.containers.centos1.ip = '10.100.1'; }, /hosts\.host1\.containers\.centos1\.ip/, /not an IPv4/],
  ['ranges overlap', (d) => { d.hosts.host1.ranges = { macvlan: '10.100.0.0/23' }; d.hosts.host2.ranges = { macvlan: '10.100.1.0/24' }; }, /hosts\.host2\.ranges\.macvlan/, /overlaps host host1/],
  ['range outside subnet', (d) => { d.hosts.host1.ranges = { macvlan: '10.200.0.0/24' }; }, /hosts\.host1\.ranges\.macvlan/, /not inside/],
  ['unknown network', (d) => { d.hosts.host1.containers.centos1.network = 'nope'; }, /hosts\.host1\.containers\.centos1\.network/, /unknown network "nope"/],
  ['vlan out of range', (d) => { d.networks.macvlan.vlan = 4095; }, /networks\.macvlan\.vlan/, /1-4094/],
  ['vlan zero', (d) => { d.networks.macvlan.vlan = 0; }, /networks\.macvlan\.vlan/, /1-4094/],
  ['parent too long', (d) => { d.networks.macvlan.parent = 'enp0s31f6longname'; }, /networks\.macvlan\.parent/, /at most 15/],
  ['parent + vlan too long', (d) => { d.networks.macvlan.parent = 'enp0s31f6abcd'; d.networks.macvlan.vlan = 100; }, /networks\.macvlan\.vlan/, /at most 15/],
  ['parent lo', (d) => { d.networks.macvlan.parent = 'lo'; }, /networks\.macvlan\.parent/, /loopback interface is not a valid macvlan parent link/],
  ['parent written as a vlan sub-interface', (d) => { d.networks.macvlan.parent = 'ens33.10'; }, /networks\.macvlan\.parent/, /VLAN sub-interface/],
  ['unknown mode', (d) => { d.networks.macvlan.mode = 'bridged'; }, /networks\.macvlan\.mode/, /unknown macvlan mode/],
  ['passthru with two containers per host', (d) => { d.networks.macvlan.mode = 'passthru'; }, /hosts\.host1\.containers/, /passthru allows one per host/],
  ['passthru sharing its parent', (d) => { d.networks.other = { subnet: '10.200.0.0/16', parent: 'ens33', mode: 'passthru' }; }, /networks\.other\.parent/, /shares parent ens33/],
  ['host address outside LAN', (d) => { d.hosts.host1.address = '10.0.0.1'; }, /hosts\.host1\.address/, /outside the LAN/],
  ['host address used twice', (d) => { d.hosts.host2.address = '192.168.140.200'; }, /hosts\.host2\.address/, /already the address of host host1/],
  ['unknown docker scheme', (d) => { d.hosts.host1.docker = 'http://x:2375'; }, /hosts\.host1\.docker/, /not a Docker endpoint/],
  ['shell metacharacters in a container name', (d) => { d.hosts.host1.containers['x;rm -rf /'] = { network: 'macvlan' }; }, /hosts\.host1\.containers\.x;rm -rf \//, /not allowed/],
  ['path traversal in the topology name', (d) => { d.name = '../../etc'; }, /^name$/, /not allowed/],
  ['path traversal in a host name', (d) => { d.hosts['../h'] = d.hosts.host2; delete d.hosts.host2; }, /hosts\.\.\.\/h/, /not allowed/],
  ['bad MAC', (d) => { d.hosts.host1.containers.centos1.mac = '02:42:zz:00:00:01'; }, /hosts\.host1\.containers\.centos1\.mac/, /not a MAC/],
  ['multicast MAC', (d) => { d.hosts.host1.containers.centos1.mac = '03:42:00:00:00:01'; }, /hosts\.host1\.containers\.centos1\.mac/, /multicast/],
  ['overlapping network subnets', (d) => { d.networks.other = { subnet: '10.100.128.0/17', parent: 'ens34' }; }, /networks\.other\.subnet/, /overlaps network macvlan/],
  ['absurd size: 10,000 hosts', (d) => { d.hosts = {}; for (let i = 0; i < 10000; i++) d.hosts[`h${i}`] = { address: '192.168.140.1' }; }, /^hosts$/, /at most 1000/],
  ['hostPrefix not larger than the subnet', (d) => { d.networks.macvlan.hostPrefix = 8; }, /networks\.macvlan\.hostPrefix/, /between 17 and 30/],
];

for (const [name, mutate, path, message] of CASES) {
  test(`bad input: ${name}`, () => {
    let text: string;
    if (typeof mutate === 'string') text = mutate;
    else { const d = seed(); mutate(d); text = stringify(d); }
    let err: unknown;
    try { plan(parseTopology(text, 'case.yaml')); } catch (e) { err = e; }
    assert.ok(err instanceof TopologyError, `expected a TopologyError, got ${err}`);
    const hit = err.issues.find((i) => path.test(i.path) && message.test(i.message));
    assert.ok(hit, `no issue matching ${path} / ${message} in ${JSON.stringify(err.issues)}`);
  });
}

test('all problems of a file are reported in one run', () => {
  const d = seed();
  d.networks.macvlan.vlan = 5000;
  d.hosts.host1.containers.centos1.ip = '10.100.0.1';
  d.hosts.host2.address = 'nope';
  try { parseTopology(stringify(d)); assert.fail('no error'); } catch (e) {
    assert.ok(e instanceof TopologyError);
    assert.ok(e.issues.length >= 3, JSON.stringify(e.issues));
  }
});

test('CLI: a bad file exits 2, names file and field path, and --json gives the issues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-bad-'));
  try {
    const d = seed();
    d.hosts.host2.containers.centos1.ip = '10.100.1.1';
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, stringify(d));
    const r = spawnSync('./bin/mvnet', ['plan', '-f', f], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /bad\.yaml/);
    assert.match(r.stderr, /hosts\.host2\.containers\.centos1\.ip: 10\.100\.1\.1 is already used/);
    const j = spawnSync('./bin/mvnet', ['plan', '-f', f, '--json'], { encoding: 'utf8' });
    assert.equal(j.status, 2);
    assert.equal(JSON.parse(j.stdout).error.issues[0].path, 'hosts.host2.containers.centos1.ip');
    const missing = spawnSync('./bin/mvnet', ['plan', '-f', join(dir, 'none.yaml')], { encoding: 'utf8' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such file/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
