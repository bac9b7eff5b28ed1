/**
 * A LAN whose switch drops frames from foreign MACs (port security, VMware's forged-transmits reject, clouds), on
 * the real lab: the bridge's ports locked to their machine's MAC. Prediction, verify and plain `docker exec ping`
 * agree; `mvnet check` finds it (and finds a plain LAN fine), and leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { agreeWithOracle, docker, ipJson, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

test('seed on a port-security LAN: cross-host ✗ (foreign-mac-dropped), same host ✓, verify = oracle; check says so', async (t) => {
  const { file, name, doc } = labTopology(t, 'seed-port-security.yaml', 'swps');
  const up = mv('lab', 'up', '-f', file);
  assert.equal(up.status, 0, up.stderr);
  // the lab's switch: every port locked, learning off (read back from the kernel)
  const ports = ipJson(`mv_${name}_lan`, '-d', 'link', 'show').filter(
    (l: any) => l.linkinfo?.info_slave_kind === 'bridge',
  );
  assert.ok(ports.length >= 2);
  for (const p of ports) assert.equal(p.linkinfo.info_slave_data.locked, true, `${p.ifname} is locked`);
  // the prediction
  const plan = mvJson('plan', '-f', file, '--offline').json;
  const v = (from: string, to: string) => plan.pairs.find((p: any) => p.from === from && p.to === to);
  assert.equal(v('host1/centos1', 'host2/centos1').expected, 'unreachable');
  assert.equal(v('host1/centos1', 'host2/centos1').reason, 'foreign-mac-dropped');
  assert.equal(v('host1/centos1', 'host1/centos2').expected, 'reachable');
  // check: every pair blocked, exit 1, the fixes named
  const check = mvJson('check', '-f', file);
  assert.equal(check.status, 1, check.stderr);
  assert.equal(check.json.crosses, false);
  assert.deepEqual(
    check.json.pairs.map((p: any) => `${p.from}>${p.to}:${p.crosses}:${p.why}`),
    ['host1>host2:false:dropped', 'host2>host1:false:dropped'],
  );
  assert.match(mv('check', '-f', file).stdout, /VMware: .*Promiscuous mode and Forged\s+transmits/s);
  // nothing left of the check: no helper container, no probe interface on the hosts
  for (const h of ['host1', 'host2']) {
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), []);
    assert.deepEqual(
      ipJson(`mv_${name}_h_${h}`, 'link', 'show').filter((l: any) => l.ifname.startsWith('mvchk')),
      [],
    );
  }
  // apply checks the LAN first and refuses, changing nothing; --no-check deploys anyway
  const refused = mv('apply', '-f', file);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /does not carry frames from foreign MACs.*nothing was applied/s);
  assert.match(refused.stderr, /--no-check/);
  for (const h of ['host1', 'host2']) {
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), []);
    assert.deepEqual(
      (await docker(name, h).listNetworks()).filter((n) => n.Driver === 'macvlan'),
      [],
    );
  }
  // apply, verify, and the oracle
  assert.equal(mv('apply', '-f', file, '--no-check').status, 0);
  const ver = mvJson('verify', '-f', file);
  assert.equal(ver.status, 0, JSON.stringify(ver.json.pairs.filter((p: any) => !p.match)));
  assert.equal(ver.json.mismatches, 0);
  await agreeWithOracle(file, name, ver.json.pairs);
  // the same hosts described as a plain LAN: verify meets the drops, and points at mvnet check
  const plain = join(file, '..', 'plain.yaml');
  writeFileSync(plain, stringify({ ...doc, lan: doc.lan.subnet }));
  const wrong = mvJson('verify', '-f', plain);
  assert.equal(wrong.status, 1);
  const cross = wrong.json.pairs.filter((p: any) => !p.match);
  assert.ok(cross.length >= 8, `${cross.length} cross-host pairs differ`);
  for (const p of cross) {
    assert.equal(p.expected, 'reachable');
    assert.notEqual(p.from.split('/')[0], p.to.split('/')[0]);
  }
  assert.ok(
    cross.some((p: any) => /mvnet check -f/.test(p.why)),
    'the difference points at mvnet check',
  );
});

test('mvnet check on a plain LAN: every pair crosses, exit 0; apply checks each host pair once', async (t) => {
  const { file } = labTopology(t, 'seed.yaml', 'swok');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const check = mvJson('check', '-f', file);
  assert.equal(check.status, 0, check.stderr);
  assert.deepEqual(
    check.json.pairs.map((p: any) => p.crosses),
    [true, true],
  );
  const cache = mkdtempSync(join(tmpdir(), 'mvnet-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  const first = spawnSync(join(ROOT, 'bin/mvnet'), ['apply', '-f', file], { encoding: 'utf8', env });
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /checking that the LAN carries macvlan frames between 2 hosts/);
  // remembered: the pair, by both hosts' endpoints, interfaces and MACs
  const memo = JSON.parse(readFileSync(join(cache, 'mvnet', 'lan-checks.json'), 'utf8'));
  assert.equal(Object.keys(memo).length, 1);
  assert.match(Object.keys(memo)[0], /host1.* ens33 ([0-9a-f]{2}:){5}[0-9a-f]{2} \| .*host2.* ens33 /);
  const again = spawnSync(join(ROOT, 'bin/mvnet'), ['apply', '-f', file], { encoding: 'utf8', env });
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /checking that the LAN/);
  // a host cut off the LAN is link-down, never "a switch that drops foreign MACs"
  assert.equal(mv('lab', 'link', 'down', '-f', file, 'host2').status, 0);
  const cut = mvJson('check', '-f', file);
  assert.equal(cut.status, 1);
  assert.deepEqual(
    cut.json.pairs.map((p: any) => `${p.from}>${p.to}:${p.why}`),
    ['host1>host2:link-down', 'host2>host1:link-down'],
  );
  const text = mv('check', '-f', file).stdout;
  assert.match(text, /no carrier: a host is cut off the LAN/);
  assert.doesNotMatch(text, /VMware/);
  assert.equal(mv('lab', 'link', 'up', '-f', file, 'host2').status, 0);
});
