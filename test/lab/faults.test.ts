/** Faults, races and bad input on the real lab: nothing lost, nothing foreign touched, nothing changed by bad input. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CASES, caseText } from '../fixtures/bad-cases.ts';
import { docker, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

async function snapshot(lab: string): Promise<string> {
  const out: string[] = [];
  for (const h of ['host1', 'host2']) {
    const cs = await docker(lab, h).listContainers({ all: true });
    out.push(
      ...cs.map(
        (c) =>
          `${h} ${c.Id} ${c.State} ${Object.values(c.NetworkSettings.Networks)
            .map((n) => n.IPAddress)
            .join()}`,
      ),
    );
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
  for (const [label, mutate, path, message] of CASES) {
    const f = join(dir, `case${n++}.yaml`);
    writeFileSync(f, caseText(mutate, name));
    for (const cmd of n % 5 === 0 ? ['apply', 'destroy'] : ['apply']) {
      const r = mv(cmd, '-f', f);
      assert.equal(r.status, 2, `${label}: ${cmd} exit ${r.status}`);
      assert.match(r.stderr, /error: /, label);
      // one of the listed problems is this case's: its field path, then its message
      const issues = r.stderr
        .split('\n')
        .filter((l) => /^ {2}\S/.test(l))
        .map((l) => l.trim());
      assert.ok(
        issues.some((l) => path.test(l.split(': ')[0]) && message.test(l.slice(l.indexOf(': ') + 2))),
        `${label}: no problem with path ${path} and message ${message} in ${r.stderr.slice(0, 300)}`,
      );
    }
    assert.equal(await snapshot(name), before, `${label} changed a host`);
  }
  // CLI calls and endpoints
  const noLab = join(dir, 'nolab.yaml');
  writeFileSync(
    noLab,
    caseText(() => {}, 'tnolab'),
  );
  const calls: [string, string[], RegExp][] = [
    ['verify with no engine up', ['verify', '-f', noLab], /no Docker engine of the topology answers/],
    ['apply with no engine up', ['apply', '-f', noLab], /does not answer/],
    ['no file', ['apply'], /no topology file: -f FILE not given, MVNET_FILE not set, and no mvnet.yaml here/],
    ['unknown command', ['aply', '-f', file], /unknown command/],
    [
      'verify --pair with unknown ids',
      ['verify', '-f', file, '--pair', 'host1/nope', 'host1'],
      /not a pair mvnet predicts/,
    ],
    ['lab exec on an unknown host', ['lab', 'exec', '-f', file, 'host9', '--', 'true'], /no host "host9"/],
    ['lab link with a bad state', ['lab', 'link', 'sideways', '-f', file, 'host1'], /up or down/],
    ['--wait that is not a number', ['apply', '-f', file, '--wait', 'soon'], /--wait takes a number/],
    ['inspect of an unknown host', ['inspect', '-f', file, 'host9'], /no host "host9"/],
    ['import of a missing file', ['import', join(dir, 'none.sh')], /cannot read/],
    ['verify --tries 0', ['verify', '-f', file, '--tries', '0'], /--tries takes a whole number from 1 to 10/],
    ['verify --tries abc', ['verify', '-f', file, '--tries', 'abc'], /--tries takes a whole number from 1 to 10/],
    [
      'verify --html into a missing folder',
      ['verify', '-f', file, '--html', '/nonexistent/r.html'],
      /the folder \/nonexistent does not exist/,
    ],
    [
      'verify --pair with one id',
      ['verify', '-f', file, '--pair', 'host1/centos1'],
      /--pair takes two ids, FROM and TO \(got 1\)/,
    ],
    ['apply --wait -1', ['apply', '-f', file, '--wait', '-1'], /--wait takes a number of seconds/],
    [
      'import --lan that is not a CIDR',
      ['import', '--lan', 'nope', join(ROOT, 'test/fixtures/seed-commands.txt')],
      /--lan nope is not a network in CIDR form/,
    ],
    [
      'import --host with a bad name',
      ['import', '--host', 'BAD NAME', join(ROOT, 'test/fixtures/seed-commands.txt')],
      /--host BAD NAME: host name/,
    ],
  ];
  for (const [label, args, msg] of calls) {
    const r = mv(...args);
    assert.equal(r.status, 2, `${label}: exit ${r.status}`);
    assert.match(r.stderr, msg, label);
  }
  assert.equal(await snapshot(name), before, 'no bad call changed a host');
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
    for (let i = 3; i <= 12; i++) {
      d.hosts.host1.containers[`c${i}`] = { network: 'macvlan' };
      d.hosts.host2.containers[`c${i}`] = { network: 'macvlan' };
    }
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const pid = mvJson('lab', 'status', '-f', file).json.hosts[1].pid;
  const p = spawn(join(ROOT, 'bin/mvnet'), ['apply', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  p.stderr.on('data', (d) => {
    stderr += d;
  });
  const exit = new Promise<number>((r) => p.on('close', (c) => r(c ?? -1)));
  // kill host2's engine as soon as its first container exists
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    const cs = await docker(name, 'host2')
      .listContainers({ all: true, filters: { label: [`mvnet.topology=${name}`, 'mvnet.kind=container'] } })
      .catch(() => []);
    if (cs.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  process.kill(pid, 'SIGKILL');
  assert.equal(await exit, 2);
  assert.match(stderr, /host2/);
  assert.equal(mv('lab', 'start', '-f', file, 'host2').status, 0);
  const again = mvJson('apply', '-f', file);
  assert.equal(again.status, 0, again.stderr || JSON.stringify(again.json));
  const plan = mvJson('plan', '-f', file).json;
  assert.deepEqual(plan.live.changes, [], 'converged');
  for (const h of ['host1', 'host2']) {
    const cs = await docker(name, h).listContainers({
      all: true,
      filters: { label: [`mvnet.topology=${name}`, 'mvnet.kind=container'] },
    });
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

test('issue 14 on the lab: drift named, exiting containers reported, commands split like a shell, options checked first', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'tbad14');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  doc.hosts.host1.containers.centos2.command = "sh -c 'sleep 1000'";
  write(doc);
  assert.equal(mv('apply', '-f', file).status, 0);
  const d1 = docker(name, 'host1');
  assert.deepEqual(
    (await d1.getContainer('centos2').inspect()).Config.Cmd,
    ['sh', '-c', 'sleep 1000'],
    'split as a shell would',
  );
  // options are checked before anything runs: no helper is started, nothing is left behind
  for (const bad of ['0', 'abc', '-1', '1e9']) {
    const r = mv('verify', '-f', file, '--tries', bad);
    assert.equal(r.status, 2, `--tries ${bad}`);
    assert.match(r.stderr, /--tries takes a whole number from 1 to 10/);
  }
  const html = mv('verify', '-f', file, '--html', '/nonexistent/r.html');
  assert.equal(html.status, 2);
  assert.match(html.stderr, /the folder \/nonexistent does not exist/);
  assert.deepEqual(
    await d1.listContainers({ all: true, filters: { label: ['mvnet.kind=helper'] } }),
    [],
    'no helper left',
  );
  // an address changed by hand: verify names the drift, not a network fault
  const net = d1.getNetwork('macvlan');
  await net.disconnect({ Container: 'centos1', Force: true });
  await net.connect({ Container: 'centos1', EndpointConfig: { IPAMConfig: { IPv4Address: '10.100.1.77' } } });
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 1);
  const drift = v.json.pairs.filter((p: any) => !p.match);
  assert.ok(drift.length > 0);
  for (const p of drift) {
    assert.equal(p.reason, 'address-drift', JSON.stringify(p));
    assert.match(p.why, /host1\/centos1's live address is 10\.100\.1\.77 where the plan says 10\.100\.1\.1/);
  }
  assert.equal(mv('apply', '-f', file).status, 0, 'apply repairs it');
  assert.equal(mvJson('verify', '-f', file).status, 0);
  // a container that exits is reported by apply with its last lines, never "applied"
  doc.hosts.host2.containers.centos2.command = ['sh', '-c', 'echo broken config >&2; exit 3'];
  write(doc);
  const r = mv('apply', '-f', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /host2: container centos2 (keeps exiting|is exited)/);
  assert.match(r.stderr, /\| broken config/);
  // verify interrupted while it probes: what is in flight finishes, no helper container is left behind
  const vi = spawn(join(ROOT, 'bin/mvnet'), ['verify', '-f', file], { stdio: 'ignore' });
  let closed = false;
  const done = new Promise((r) =>
    vi.on('close', () => {
      closed = true;
      r(null);
    }),
  );
  // SIGINT once a probe helper runs (verify of the seed takes about a second)
  for (let i = 0; i < 250 && !closed; i++) {
    const helpers = await docker(name, 'host1')
      .listContainers({ filters: { label: ['mvnet.kind=helper'] } })
      .catch(() => []);
    if (helpers.length > 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (!closed) vi.kill('SIGINT');
  await done;
  for (const h of ['host1', 'host2']) {
    assert.deepEqual(
      await docker(name, h).listContainers({ all: true, filters: { label: ['mvnet.kind=helper'] } }),
      [],
      `${h}: no helper left`,
    );
  }
  // a reader that closes early: no EPIPE stack, exit 0
  const head = spawnSync(
    'bash',
    ['-c', `${join(ROOT, 'bin/mvnet')} plan -f ${file} --offline | head -1; exit \${PIPESTATUS[0]}`],
    { encoding: 'utf8' },
  );
  assert.equal(head.status, 0, head.stderr);
  assert.doesNotMatch(head.stderr, /EPIPE/);
});
