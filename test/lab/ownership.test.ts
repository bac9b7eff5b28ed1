/**
 * Ownership on the real lab: each numbered failure of the ownership issue, written as its reproduction.
 * Checked through the Docker API and `ip -j` in the namespaces, never through mvnet's own reading.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DockerEngine } from '../../src/engine/docker.ts';
import { PROBE_CMD, PROBE_IMAGE } from '../../src/engine/image.ts';
import { acquireLock } from '../../src/engine/lock.ts';
import { shimName } from '../../src/plan/shim-names.ts';
import { hostNs, lanNs } from '../../src/lab/paths.ts';
import { docker, ipJson, LAB_ROOT, labTopology, mv, mvJson, namespaces, ROOT, test } from './helpers.ts';

interface Run {
  pid: number;
  exit: Promise<{ code: number; signal: string | null; stdout: string; stderr: string }>;
}

function start(args: string[], env: Record<string, string> = {}): Run {
  const p = spawn(join(ROOT, 'bin/mvnet'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '',
    stderr = '';
  p.stdout.on('data', (d) => {
    stdout += d;
  });
  p.stderr.on('data', (d) => {
    stderr += d;
  });
  return {
    pid: p.pid!,
    exit: new Promise((r) => p.on('close', (code, signal) => r({ code: code ?? -1, signal, stdout, stderr }))),
  };
}

async function until(what: string, ok: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const mine = (name: string, kind = 'container') => ({
  all: true,
  filters: { label: [`mvnet.topology=${name}`, `mvnet.kind=${kind}`] },
});

async function lockUp(name: string, host: string): Promise<boolean> {
  try {
    return (await docker(name, host).getContainer(`mvnet-lock-${name}`).inspect()).State.Running;
  } catch {
    return false;
  }
}

const many = (n: number) => (d: any) => {
  for (let i = 3; i < 3 + n; i++)
    for (const h of ['host1', 'host2']) d.hosts[h].containers[`c${i}`] = { network: 'macvlan' };
};

/** Every address of every container on the lab's hosts (Docker API): no duplicates allowed. */
async function allIps(name: string, hosts: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const h of hosts) {
    for (const c of await docker(name, h).listContainers({ all: true })) {
      for (const n of Object.values(c.NetworkSettings.Networks)) if (n.IPAddress) out.push(n.IPAddress);
    }
  }
  return out;
}

test('#1 Ctrl-C: the lock stays until work in flight ends, no new work starts, exit 130; a second Ctrl-C exits at once', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'osig', many(12));
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const a = start(['apply', '-f', file]);
  await until('apply under way', async () => (await docker(name, 'host2').listContainers(mine(name))).length > 0);
  process.kill(a.pid, 'SIGINT');
  const racer = start(['destroy', '-f', file]);
  // while apply winds down its lock stays; it goes only as apply ends (not 0.5 s after the signal)
  const signalled = Date.now();
  let gone = 0;
  let exited = false;
  const watch = (async () => {
    while (!exited && !gone) {
      const up = await Promise.all([lockUp(name, 'host1'), lockUp(name, 'host2')]);
      if (!up[0] && !up[1] && !exited) gone = Date.now();
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const ra = await a.exit;
  const exitAt = Date.now();
  exited = true;
  await watch;
  if (gone) assert.ok(exitAt - gone < 1500, `the lock went ${exitAt - gone} ms before apply ended`);
  assert.ok(exitAt - signalled < 20_000, 'apply did not run on to the end');
  assert.equal(ra.code, 130, ra.stderr);
  assert.match(ra.stderr, /SIGINT: \d+ of \d+ changes done, \d+ not done/);
  assert.match(ra.stderr, /the lock is released; run apply again/);
  const rd = await racer.exit;
  assert.ok(
    rd.code === 0 || /locked by mvnet apply/.test(rd.stderr),
    `destroy either waited its turn or was refused: ${rd.stderr}`,
  );
  assert.ok(!(await lockUp(name, 'host1')) && !(await lockUp(name, 'host2')), 'released');
  const again = mvJson('apply', '-f', file);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0, 'converged');

  // SIGTERM (timeout, systemd): the same, exit 143, within the bound of work in flight
  mv('destroy', '-f', file);
  const b = start(['apply', '-f', file]);
  await until('apply under way', async () => (await docker(name, 'host1').listContainers(mine(name))).length > 0);
  const t0 = Date.now();
  process.kill(b.pid, 'SIGTERM');
  const rb = await b.exit;
  assert.equal(rb.code, 143, rb.stderr);
  assert.ok(Date.now() - t0 < 15_000, `stopped ${Date.now() - t0} ms after SIGTERM`);

  // a second SIGINT exits at once; the lock it leaves is recognised as dead and taken over
  const c = start(['apply', '-f', file]);
  await until('lock taken', async () => lockUp(name, 'host2'));
  process.kill(c.pid, 'SIGINT');
  process.kill(c.pid, 'SIGINT');
  const rc = await c.exit;
  assert.equal(rc.code, 130);
  const next = start(['apply', '-f', file]);
  const rn = await next.exit;
  assert.equal(rn.code, 0, rn.stderr);
  if (/exiting now/.test(rc.stderr)) assert.match(rn.stderr, /taking over the lock left by mvnet apply \(pid \d+/);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0);
});

test('#2 a host removed from the file is still found: plan names it, apply empties it, destroy reaches it', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'orm');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const full = structuredClone(doc);
  delete doc.hosts.host2;
  // host2's addresses reused on host1
  doc.hosts.host1.ranges = { macvlan: '10.100.0.0/22' };
  doc.hosts.host1.containers.reuse = { network: 'macvlan', ip: '10.100.2.1' };
  write(doc);
  const p = mv('plan', '-f', file);
  assert.match(p.stdout, /host host2 \(no longer in the file\): apply removes 4 objects from it/);
  const r = mvJson('apply', '-f', file);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    await docker(name, 'host2').listContainers({ all: true, filters: { label: [`mvnet.topology=${name}`] } }),
    [],
  );
  assert.deepEqual(await docker(name, 'host2').listNetworks({ filters: { label: [`mvnet.topology=${name}`] } }), []);
  const ips = await allIps(name, ['host1', 'host2']);
  assert.equal(new Set(ips).size, ips.length, `no duplicate address: ${ips}`);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0);

  // back in the file, applied; out again and its engine is down: named with its endpoint, not forgotten
  full.hosts.host1.ranges = { macvlan: '10.100.1.0/24' }; // host1's live /22 would otherwise stay (live values are kept)
  write(full);
  assert.equal(mv('apply', '-f', file).status, 0);
  const fullFile = join(file, '..', 'full.yaml');
  writeFileSync(fullFile, stringify(full));
  write(doc);
  assert.equal(mv('lab', 'stop', '-f', fullFile, 'host2').status, 0);
  const down = mv('apply', '-f', file);
  assert.equal(down.status, 2);
  assert.match(
    down.stderr,
    new RegExp(`host2: the Docker engine at unix://${LAB_ROOT}/${name}/host2/docker.sock does not answer`),
  );
  const rec = await docker(name, 'host1').listContainers(mine(name, 'members'));
  assert.match(rec[0].Labels['mvnet.members'], /"host2"/, 'host1 still records host2');
  assert.equal(mv('lab', 'start', '-f', fullFile, 'host2').status, 0);
  // destroy with the file that no longer names host2 reaches it
  const gone = mvJson('destroy', '-f', file);
  assert.equal(gone.status, 0, gone.stderr);
  assert.deepEqual(gone.json.formerHosts, ['host2']);
  for (const h of ['host1', 'host2']) {
    assert.deepEqual(await docker(name, h).listContainers({ all: true }), [], `${h} holds nothing of the topology`);
    assert.deepEqual(await docker(name, h).listNetworks({ filters: { label: [`mvnet.topology=${name}`] } }), []);
  }
});

test('#3 one lock whatever the order of hosts; liveness by connection; unlock shows the holder and asks', async (t) => {
  const { file, name, doc } = labTopology(t, 'seed.yaml', 'olock');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const reversed = join(file, '..', 'reversed.yaml');
  writeFileSync(reversed, stringify({ ...doc, hosts: { host2: doc.hosts.host2, host1: doc.hosts.host1 } }));
  // a live holder of the lock on host2 only: the file's second host, the reversed file's first
  const e2 = new DockerEngine('host2', `unix://${LAB_ROOT}/${name}/host2/docker.sock`);
  const lock = await acquireLock([e2], { topology: name, file, command: 'mvnet test', waitMs: 0 });
  for (const f of [file, reversed]) {
    for (const cmd of ['apply', 'destroy']) {
      const r = mv(cmd, '-f', f);
      assert.equal(r.status, 2, `${cmd} ${f}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(
          `locked by mvnet test \\(pid ${process.pid} on ${hostname()}, since .*lock on host2; it ends when that process ends`,
        ),
      );
      assert.match(r.stderr, /mvnet unlock -f /);
    }
  }
  // the same hostname in another PID namespace (the holder's pid is invisible there): still a live holder
  const elsewhere = spawnSync(
    'unshare',
    ['--pid', '--fork', '--mount-proc', join(ROOT, 'bin/mvnet'), 'apply', '-f', file],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(elsewhere.status, 2, elsewhere.stderr);
  assert.match(elsewhere.stderr, new RegExp(`locked by mvnet test \\(pid ${process.pid} on ${hostname()}`));
  assert.doesNotMatch(elsewhere.stderr, /taking over/);
  assert.deepEqual(await docker(name, 'host1').listContainers({ all: true }), [], 'nothing was made');
  // unlock: shows the holder, needs a confirmation
  const ask = mv('unlock', '-f', file);
  assert.equal(ask.status, 2);
  assert.match(ask.stdout, new RegExp(`host2: held by mvnet test \\(pid ${process.pid}`));
  assert.match(ask.stderr, /add --yes/);
  assert.ok(await lockUp(name, 'host2'));
  const yes = mv('unlock', '-f', file, '--yes');
  assert.equal(yes.status, 0, yes.stderr);
  await until('the holder notices', async () => lock.lost() !== null, 5000);
  assert.match(lock.lost()!, /connection to host2's engine closed/);
  await lock.release();
  // a holder killed with SIGKILL: the next run sees its connection gone and takes over
  const holder = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    const { DockerEngine } = await import(${JSON.stringify(join(ROOT, 'src/engine/docker.ts'))});
    const { acquireLock } = await import(${JSON.stringify(join(ROOT, 'src/engine/lock.ts'))});
    const e = (h) => new DockerEngine(h, 'unix://${LAB_ROOT}/${name}/' + h + '/docker.sock');
    await acquireLock([e('host1'), e('host2')], { topology: '${name}', file: 'f', command: 'mvnet held', waitMs: 0 });
    console.log('held'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], cwd: ROOT },
  );
  await new Promise<void>((r) =>
    holder.stdout.on('data', (d) => {
      if (String(d).includes('held')) r();
    }),
  );
  holder.kill('SIGKILL');
  const taken = mv('apply', '-f', reversed);
  assert.equal(taken.status, 0, taken.stderr);
  assert.match(taken.stderr, /taking over the lock left by mvnet held \(pid \d+ .*its process is gone/);
  mv('destroy', '-f', file);
});

test('#4 renaming a network on the same parent converges in one apply; other edits keep unconcerned containers', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'oren');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  doc.networks.lan2 = doc.networks.macvlan;
  delete doc.networks.macvlan;
  for (const h of Object.values(doc.hosts) as any[])
    for (const c of Object.values(h.containers) as any[]) c.network = 'lan2';
  write(doc);
  const r = mvJson('apply', '-f', file);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0, 'nothing to change after one apply');
  for (const h of ['host1', 'host2']) {
    const nets = (await docker(name, h).listNetworks()).filter((n) => n.Driver === 'macvlan').map((n) => n.Name);
    assert.deepEqual(nets, ['lan2']);
  }
  // move centos2 from host1 to host2, rename host2's centos1: host1's centos1 is not touched
  const id = async (h: string, c: string) => (await docker(name, h).getContainer(c).inspect()).Id;
  const keep = await id('host1', 'centos1');
  doc.hosts.host2.containers.moved = { network: 'lan2', ip: '10.100.2.9' };
  delete doc.hosts.host1.containers.centos2;
  doc.hosts.host2.containers.renamed = doc.hosts.host2.containers.centos1;
  delete doc.hosts.host2.containers.centos1;
  write(doc);
  assert.equal(mv('apply', '-f', file).status, 0);
  assert.equal(mvJson('apply', '-f', file).json.changed, 0);
  assert.equal(await id('host1', 'centos1'), keep, 'an unconcerned container keeps running');
  const names = (await docker(name, 'host2').listContainers(mine(name))).map((c) => c.Names[0]).sort();
  assert.deepEqual(names, ['/centos2', '/moved', '/renamed']);
});

test("#5 a foreign container on mvnet's network is named by preflight and never touched", async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'ofor');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const d1 = docker(name, 'host1');
  const foreign = await d1.createContainer({
    name: 'byhand',
    Image: PROBE_IMAGE,
    Cmd: PROBE_CMD,
    HostConfig: { NetworkMode: 'macvlan' },
    NetworkingConfig: { EndpointsConfig: { macvlan: { IPAMConfig: { IPv4Address: '10.100.1.3' } } } },
  });
  await foreign.start();
  const snapshot = async () =>
    JSON.stringify((await d1.listContainers({ all: true })).map((c) => [c.Id, c.State]).sort());
  const before = await snapshot();
  // a planned address held by it
  doc.hosts.host1.containers.clash = { network: 'macvlan', ip: '10.100.1.3' };
  write(doc);
  const r = mv('apply', '-f', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /host1: address 10\.100\.1\.3 planned for container host1\/clash is held by container byhand/);
  assert.equal(await snapshot(), before, 'nothing changed');
  // an automatic address avoids it
  doc.hosts.host1.containers.clash = { network: 'macvlan' };
  write(doc);
  assert.equal(mv('apply', '-f', file).status, 0);
  const clash = await d1.getContainer('clash').inspect();
  assert.notEqual(clash.NetworkSettings.Networks.macvlan.IPAddress, '10.100.1.3');
  // a mode change would recreate the network it is on: refused before any change
  const ids = await snapshot();
  doc.networks.macvlan.mode = 'private';
  write(doc);
  const m = mv('apply', '-f', file);
  assert.equal(m.status, 2);
  assert.match(m.stderr, /host1: container byhand \(10\.100\.1\.3\) is not mvnet's and is attached to network macvlan/);
  assert.equal(await snapshot(), ids, "mvnet's containers still run");
  // destroy removes what is mvnet's and names what keeps the network
  const g = mv('destroy', '-f', file);
  assert.equal(g.status, 2);
  assert.match(g.stderr, /host1: network macvlan kept: container byhand \(10\.100\.1\.3\)/);
  const left = (await d1.listContainers({ all: true })).map((c) => `${c.Names[0]} ${c.Labels['mvnet.kind'] ?? ''}`);
  assert.deepEqual(
    left.filter((c) => !c.endsWith(' members')),
    ['/byhand '],
    'only the foreign container (and the record)',
  );
  assert.equal(left.length, 2, 'host1 keeps its membership record: a later destroy still finds the network');
  const still = await foreign.inspect();
  assert.equal(still.State.Running, true);
  assert.equal(still.NetworkSettings.Networks.macvlan.IPAddress, '10.100.1.3', 'still attached');
  assert.deepEqual(await docker(name, 'host2').listContainers({ all: true }), [], 'host2 is clean');
  await foreign.remove({ force: true });
  assert.equal(mv('destroy', '-f', file).status, 0, 'destroy finishes once the network is free');
  assert.deepEqual(await d1.listNetworks({ filters: { label: [`mvnet.topology=${name}`] } }), []);
});

test('#6 labs are neighbours: no shared namespaces, no silent wipe, only their own folder and processes', async (t) => {
  const a = labTopology(t, 'seed.yaml', 'orelq', (d) => {
    d.hosts['a-lan'] = d.hosts.host2;
    delete d.hosts.host2;
  });
  const b = labTopology(t, 'seed.yaml', 'orelq-a');
  assert.equal(mv('lab', 'up', '-f', b.file).status, 0);
  assert.equal(mv('lab', 'up', '-f', a.file).status, 0);
  assert.notEqual(hostNs('orelq', 'a-lan'), lanNs('orelq-a'));
  const tail = spawn('tail', ['-f', join(LAB_ROOT, 'orelq', 'host1', 'dockerd.log')], { stdio: 'ignore' });
  t.after(() => tail.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(mv('lab', 'down', '-f', a.file).status, 0);
  assert.equal(spawnSync('kill', ['-0', String(tail.pid)]).status, 0, "a tail -f of the lab's log is not signalled");
  const st = mvJson('lab', 'status', '-f', b.file).json;
  assert.deepEqual(
    st.hosts.map((h: any) => h.daemon),
    ['up', 'up'],
    'the other lab runs on',
  );
  for (const ns of [lanNs('orelq-a'), hostNs('orelq-a', 'host1'), hostNs('orelq-a', 'host2')])
    assert.ok(namespaces().includes(ns), ns);
  // a file with another layout does not wipe the running lab
  const pids = st.hosts.map((h: any) => h.pid);
  b.doc.hosts.host3 = { address: '192.168.140.202', containers: {} };
  b.write(b.doc);
  const re = mv('lab', 'up', '-f', b.file);
  assert.equal(re.status, 2);
  assert.match(re.stderr, /is up with another layout/);
  assert.deepEqual(
    mvJson('lab', 'status', '-f', b.file)
      .json.hosts.slice(0, 2)
      .map((h: any) => h.pid),
    pids,
  );
  // MVNET_LAB_DIR must be absolute: an empty one is refused, nothing in the working directory is touched
  const env = spawnSync(join(ROOT, 'bin/mvnet'), ['lab', 'down', '-f', b.file], {
    encoding: 'utf8',
    env: { ...process.env, MVNET_LAB_DIR: '' },
  });
  assert.equal(env.status, 2);
  assert.match(env.stderr, /MVNET_LAB_DIR must be an absolute path/);
  assert.ok(namespaces().includes(lanNs('orelq-a')));
});

test('#7 shims carry their owner: a same-named or look-alike interface of another is never removed', async (t) => {
  const { file, name } = labTopology(t, 'seed-host-access.yaml', 'oshim');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  const ns = hostNs(name, 'host1');
  const shim = shimName(name, 'macvlan');
  assert.ok(shim.length <= 15);
  // an interface with the planned name that is someone else's
  spawnSync('ip', ['-n', ns, 'link', 'add', shim, 'link', 'ens33', 'type', 'macvlan', 'mode', 'bridge']);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'dev', shim, 'alias', 'mvnet:other/macvlan']);
  const r = mv('apply', '-f', file);
  assert.equal(r.status, 2);
  assert.match(r.stderr, new RegExp(`interface ${shim} exists and is not mvnet:${name}/macvlan`));
  assert.equal(ipJson(ns, 'link', 'show', shim)[0].ifalias, 'mvnet:other/macvlan', 'left as it was');
  spawnSync('ip', ['-n', ns, 'link', 'del', shim]);
  assert.equal(mv('apply', '-f', file).status, 0);
  assert.equal(ipJson(ns, 'link', 'show', shim)[0].ifalias, `mvnet:${name}/macvlan`);
  // a look-alike: the same first characters, another owner
  const lookalike = shim.slice(0, 12) + 'fff';
  spawnSync('ip', ['-n', ns, 'link', 'add', lookalike, 'link', 'ens33', 'type', 'macvlan', 'mode', 'bridge']);
  spawnSync('ip', ['-n', ns, 'link', 'set', 'dev', lookalike, 'alias', 'mvnet:oshim-x/macvlan']);
  assert.equal(mv('destroy', '-f', file).status, 0);
  const left = ipJson(ns, 'link', 'show').map((l: any) => l.ifname);
  assert.ok(!left.includes(shim), 'its own shim is removed');
  assert.ok(left.includes(lookalike), 'the look-alike of another owner stays');
});
