/** Faults, races and bad input on the real lab: nothing lost, nothing foreign touched, nothing changed by bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CASES, caseText } from '../fixtures/bad-cases.ts';
import { docker, labTopology, mv, mvJson, ROOT } from './helpers.ts';

async function snapshot(lab: string): Promise<string> {
  const out: string[] = [];
  for (const h of ['host1', 'host2']) {
    const cs = await docker(lab, h).listContainers({ all: true });
    out.push(...cs.map((c) => `${h} ${c.Id} ${c.State} ${Object.values(c.NetworkSettings.Networks).map((n) => n.IPAddress).join()}`));
    const ns = await docker(lab, h).listNetworks();
    out.push(...ns.map((n) => `${h} net ${n.Id}`));
  }
  return out.sort().join('\n');
}

test('bad input: every invalid file and CLI call exits 2 with the field path, and no host changes', async (t) => {
  const { file, name, doc } = labTopology(t, 'seed.yaml', 'tbad');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const before = await snapshot(name);
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  for (const [label, mutate, path] of CASES) {
    const f = join(dir, `case${n++}.yaml`);
    writeFileSync(f, caseText(mutate, name));
    for (const cmd of n % 5 === 0 ? ['apply', 'destroy'] : ['apply']) {
      const r = mv(cmd, '-f', f);
      assert.equal(r.status, 2, `${label}: ${cmd} exit ${r.status}`);
      assert.match(r.stderr, /error: /, label);
      const first = r.stderr.split('\n').slice(1).join('\n');
      assert.ok(path.test(first.trim().split(':')[0]) || r.stderr.includes('(file)') || /line \d+/.test(r.stderr), `${label}: no field path in ${r.stderr.slice(0, 300)}`);
    }
    assert.equal(await snapshot(name), before, `${label} changed a host`);
  }
  // CLI calls and endpoints
  const noLab = join(dir, 'nolab.yaml');
  writeFileSync(noLab, caseText(() => {}, 'tnolab'));
  const calls: [string, string[], RegExp][] = [
    ['verify with no engine up', ['verify', '-f', noLab], /no Docker engine of the topology answers/],
    ['apply with no engine up', ['apply', '-f', noLab], /does not answer/],
    ['no file', ['apply'], /required option '-f, --file/],
    ['unknown command', ['aply', '-f', file], /unknown command/],
    ['verify --pair with unknown ids', ['verify', '-f', file, '--pair', 'host1/nope', 'host1'], /not a pair mvnet predicts/],
    ['lab exec on an unknown host', ['lab', 'exec', '-f', file, 'host9', '--', 'true'], /no host "host9"/],
    ['lab link with a bad state', ['lab', 'link', 'sideways', '-f', file, 'host1'], /up or down/],
    ['--wait that is not a number', ['apply', '-f', file, '--wait', 'soon'], /--wait takes a number/],
    ['inspect of an unknown host', ['inspect', '-f', file, 'host9'], /no host "host9"/],
    ['import of a missing file', ['import', join(dir, 'none.sh')], /cannot read/],
  ];
  for (const [label, args, msg] of calls) {
    const r = mv(...args);
    assert.equal(r.status, 2, `${label}: exit ${r.status}`);
    assert.match(r.stderr, msg, label);
  }
  const endpoints: [string, string, RegExp][] = [
    ['unreachable tcp endpoint', 'tcp://127.0.0.1:2375', /host2: .*does not answer|ECONNREFUSED/],
    ['tcp without TLS material', 'tcp://127.0.0.1:2376', /host2: .*needs TLS certificates/],
    ['unreachable ssh endpoint', 'ssh://nobody@127.0.0.1:1', /host2/],
  ];
  for (const [label, ep, msg] of endpoints) {
    const d = structuredClone(doc);
    d.hosts.host2.docker = ep;
    d.hosts.host1.containers.extra = { network: 'macvlan' };
    const f = join(dir, `ep${n++}.yaml`);
    writeFileSync(f, stringify(d));
    const r = mv('apply', '-f', f);
    assert.equal(r.status, 2, `${label}: exit ${r.status}`);
    assert.match(r.stderr, msg, label);
    assert.equal(await snapshot(name), before, `${label} changed a host`);
  }
});

test('an engine killed in the middle of apply: clear error; after lab start the re-run converges exactly', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tkill', (d) => {
    for (let i = 3; i <= 12; i++) { d.hosts.host1.containers[`c${i}`] = { network: 'macvlan' }; d.hosts.host2.containers[`c${i}`] = { network: 'macvlan' }; }
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const pid = mvJson('lab', 'status', '-f', file).json.hosts[1].pid;
  const p = spawn(join(ROOT, 'bin/mvnet'), ['apply', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  const exit = new Promise<number>((r) => p.on('close', (c) => r(c ?? -1)));
  // kill host2's engine as soon as its first container exists
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const cs = await docker(name, 'host2').listContainers({ all: true, filters: { label: [`mvnet.topology=${name}`, 'mvnet.kind=container'] } }).catch(() => []);
    if (cs.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  process.kill(pid, 'SIGKILL');
  assert.equal(await exit, 2);
  assert.match(stderr, /host2/);
  assert.equal(mv('lab', 'start', '-f', file, 'host2').status, 0);
  const again = mvJson('apply', '-f', file);
  assert.equal(again.status, 0, again.stderr);
  const plan = mvJson('plan', '-f', file).json;
  assert.deepEqual(plan.live.changes, [], 'converged');
  for (const h of ['host1', 'host2']) {
    const cs = await docker(name, h).listContainers({ all: true, filters: { label: [`mvnet.topology=${name}`, "mvnet.kind=container"] } });
    const want = plan.containers.filter((c: any) => c.host === h);
    assert.equal(cs.length, want.length, `${h}: exactly the planned containers`);
    for (const c of want) {
      const l = cs.find((x) => x.Names[0] === `/${c.name}`)!;
      assert.equal(l.State, 'running');
      const net = Object.values(l.NetworkSettings.Networks)[0];
      assert.equal(net.IPAddress, c.ip);
      assert.equal(net.MacAddress, c.mac);
    }
  }
  const ips = plan.containers.map((c: any) => c.ip);
  assert.equal(new Set(ips).size, ips.length);
});
