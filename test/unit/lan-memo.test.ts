import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crossingPairs, pairKey, rememberCrossing } from '../../src/engine/lan-memo.ts';
import { parseFacts } from '../../src/engine/preflight.ts';
import { parseRoutes } from '../../src/engine/routes.ts';

test('lan memo: a pair is one key either way round, kept 30 days, a broken file is an empty memo', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-memo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'm', 'lan-checks.json');
  const a = { endpoint: 'ssh://a', iface: 'ens33', mac: '00:0c:29:00:00:01' };
  const b = { endpoint: 'ssh://b', iface: 'ens33', mac: '00:0c:29:00:00:02' };
  assert.equal(pairKey(a, b), pairKey(b, a));
  assert.notEqual(pairKey(a, b), pairKey(a, { ...b, mac: '00:0c:29:00:00:03' }), 'a new machine behind the name');
  const day = 24 * 3600 * 1000;
  rememberCrossing([pairKey(a, b)], 1000 * day, file);
  assert.ok(crossingPairs(1029 * day, file).has(pairKey(a, b)));
  assert.ok(!crossingPairs(1031 * day, file).has(pairKey(a, b)), 'forgotten after 30 days');
  rememberCrossing(['other'], 1031 * day, file);
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(file, 'utf8'))), ['other'], 'old entries pruned on write');
  writeFileSync(file, '{not json');
  assert.equal(crossingPairs(1031 * day, file).size, 0);
});

test("host facts carry each interface's MAC; routes parse from ip route", () => {
  const f = parseFacts(
    '1: lo: <LOOPBACK,UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n' +
      '2: ens33@if7: <BROADCAST,MULTICAST,UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 9a:1b:2c:3d:4e:5f brd ff:ff:ff:ff:ff:ff link-netns x\n' +
      'forward 1\n' +
      'route4 default via 192.168.140.1 dev ens33 \n' +
      'route4 192.168.140.0/24 dev ens33 proto kernel scope link src 192.168.140.200 \n' +
      'route4 10.100.2.0/24 via 192.168.140.201 dev ens33 proto 77 \n' +
      'route6 fe80::/64 dev ens33 proto kernel metric 256 pref medium',
  );
  assert.deepEqual(
    f.routes.map((r) => `${r.family} ${r.to} ${r.dev} ${r.proto}`),
    ['4 default ens33 ', '4 192.168.140.0/24 ens33 kernel', '4 10.100.2.0/24 ens33 77', '6 fe80::/64 ens33 kernel'],
  );
  assert.deepEqual(f.ifaces, ['lo', 'ens33']);
  assert.deepEqual({ ...f.macs }, { ens33: '9a:1b:2c:3d:4e:5f' });
  assert.equal(f.forwards, true);
  assert.deepEqual(
    parseRoutes('10.100.2.0/24 via 192.168.140.201 dev ens33 \n10.9.9.9 via 192.168.140.1 dev eth0 metric 5\n'),
    [
      { to: '10.100.2.0/24', via: '192.168.140.201', dev: 'ens33' },
      { to: '10.9.9.9/32', via: '192.168.140.1', dev: 'eth0' },
    ],
  );
});
