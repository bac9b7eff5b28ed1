/**
 * The CLI as a person sees it, on the real lab: commands run in a real terminal (tmux at 80 and 120 columns, the
 * pane captured with wrapped lines joined), plan -o / apply FILE, --detailed-exitcode, destroy's question, the
 * default file, ls, lab load / stop / devices. Facts are checked through the Docker API and `ip -j`.
 */
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync, createWriteStream, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { displayWidth } from '../../src/render/columns.ts';
import { assertNothingLeft, docker, ipJson, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

const MV = join(ROOT, 'bin/mvnet');

/** A tmux server of this test's own (its own socket name), killed when the test ends. */
function terminal(t: TestContext, width: number) {
  const sock = `mvnet-test-${process.pid}-${width}`;
  const tmux = (...args: string[]) => spawnSync('tmux', ['-L', sock, ...args], { encoding: 'utf8' });
  t.after(() => tmux('kill-server'));
  let n = 0;
  return {
    /** Runs argv in a window of `width` columns; returns the screen, wrapped lines joined, and the exit code */
    async run(argv: string[], opts: { env?: Record<string, string>; keys?: string[]; cwd?: string } = {}) {
      const done = join(tmpdir(), `${sock}-${++n}.rc`);
      rmSync(done, { force: true });
      const env = Object.entries(opts.env ?? {})
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(' ');
      const cmd = `${opts.cwd ? `cd ${JSON.stringify(opts.cwd)} && ` : ''}${env} ${argv.map((a) => JSON.stringify(a)).join(' ')}; echo $? > ${done}; sleep 600`;
      const r = tmux('new-session', '-d', '-s', `w${n}`, '-x', String(width), '-y', '50', 'bash', '-c', cmd);
      assert.equal(r.status, 0, r.stderr);
      tmux('set-option', '-t', `w${n}`, 'history-limit', '10000');
      const until = Date.now() + 120_000;
      for (const k of opts.keys ?? []) {
        await new Promise((res) => setTimeout(res, 1500));
        tmux('send-keys', '-t', `w${n}`, k, 'Enter');
      }
      while (Date.now() < until) {
        try {
          readFileSync(done);
          break;
        } catch {
          await new Promise((res) => setTimeout(res, 100));
        }
      }
      const screen = tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', `w${n}`).stdout;
      const raw = tmux('capture-pane', '-p', '-e', '-S', '-', '-E', '-', '-t', `w${n}`).stdout;
      tmux('kill-session', '-t', `w${n}`);
      const code = Number(readFileSync(done, 'utf8').trim());
      rmSync(done, { force: true });
      return { screen: screen.replace(/\s+$/, ''), raw, code };
    },
  };
}

const widest = (s: string) => Math.max(...s.split('\n').map((l) => displayWidth(l.replace(/\s+$/, ''))));

test('in a real terminal at 80 and 120 columns nothing is wider than the terminal, and the key facts are there', async (t) => {
  const { file } = labTopology(t, 'seed.yaml', 'cterm');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  for (const width of [80, 120]) {
    const term = terminal(t, width);
    assert.equal(mv('destroy', '-f', file).status, 0);
    const plan = await term.run([MV, 'plan', '-f', file]);
    assert.equal(plan.code, 0);
    assert.ok(widest(plan.screen) <= width, `plan at ${width}: a line of ${widest(plan.screen)} columns`);
    assert.match(plan.screen, /Plan: 8 to add, 0 to change, 0 to destroy\./);
    assert.match(plan.screen, /\+ container centos1/);
    assert.match(plan.screen, /same-host-bridge/);
    assert.ok(plan.screen.indexOf('Plan: 8 to add') < plan.screen.indexOf('Predicted reachability'), 'changes first');
    const apply = await term.run([MV, 'apply', '-f', file]);
    assert.equal(apply.code, 0);
    assert.ok(widest(apply.screen) <= width);
    for (const cmd of [
      ['verify', '-f', file],
      ['inspect', '-f', file],
      ['lab', 'status', '-f', file],
      ['doctor'],
      ['verify', '-f', file, '--pair', 'host1/centos1', 'host1'],
      ['lab', 'up', '-f', file],
      ['ls'],
    ]) {
      const r = await term.run([MV, ...cmd]);
      assert.ok(
        widest(r.screen) <= width,
        `${cmd.join(' ')} at ${width}: a line of ${widest(r.screen)} columns:\n${r.screen}`,
      );
    }
    const verify = await term.run([MV, 'verify', '-f', file]);
    assert.equal(verify.code, 0);
    assert.match(verify.screen, /28 pairs probed in .*all as predicted/);
    // colour on a terminal (the progress lines), none with NO_COLOR
    assert.match((await term.run([MV, 'destroy', '-f', file, '--yes'])).raw, /\x1b\[/);
    const plain = await term.run([MV, 'apply', '-f', file], { env: { NO_COLOR: '1' } });
    assert.equal(plain.code, 0);
    assert.doesNotMatch(plain.raw.replace(/\x1b\[(39|49|0)?m/g, ''), /\x1b\[[0-9;]+m/, 'NO_COLOR: no colour');
  }
});

test('destroy asks on a terminal: no keeps everything, --yes does not ask', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'cask');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const term = terminal(t, 100);
  const no = await term.run([MV, 'destroy', '-f', file], { keys: ['n'] });
  assert.equal(no.code, 2);
  assert.match(no.screen, /destroy everything topology cask owns on host1, host2.*\[y\/N\]/);
  assert.match(no.screen, /nothing destroyed/);
  assert.equal((await docker(name, 'host1').listContainers()).length, 2, 'the containers are still there');
  const yes = await term.run([MV, 'destroy', '-f', file], { keys: ['yes'] });
  assert.equal(yes.code, 0);
  assert.equal((await docker(name, 'host1').listContainers({ all: true })).length, 0);
});

test('plan --detailed-exitcode, plan -o FILE and apply FILE, which refuses when the hosts moved', async (t) => {
  const { file, name, doc, write } = labTopology(t, 'seed.yaml', 'csave');
  // no lab at all: no live hosts, said (and --detailed-exitcode cannot tell, so it is an error)
  const noLab = mvJson('plan', '-f', file);
  assert.equal(noLab.status, 0);
  assert.equal(noLab.json.live, null);
  assert.match(noLab.json.liveNote, /lab csave is not up on this machine, so there are no live hosts/);
  assert.equal(mv('plan', '-f', file, '--detailed-exitcode').status, 1);
  assert.equal(mv('plan', '-f', file, '--offline', '--detailed-exitcode').status, 0, '--offline reads no host');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // an engine that does not answer: an error (2; 1 under --detailed-exitcode), never "nothing to do"
  assert.equal(mv('lab', 'stop', '-f', file, 'host2').status, 0);
  const down = mv('plan', '-f', file);
  assert.equal(down.status, 2);
  assert.equal(down.stdout, '', 'no plan printed as if the hosts were read');
  assert.match(down.stderr, /host2: the Docker engine at unix:\/\/.* does not answer/);
  const downJson = mv('plan', '-f', file, '--json');
  assert.equal(downJson.status, 2);
  assert.equal(JSON.parse(downJson.stdout).error.kind, 'engine', 'an error, not a plan with live: null');
  assert.equal(mv('plan', '-f', file, '--detailed-exitcode').status, 1);
  assert.equal(mv('lab', 'start', '-f', file, 'host2').status, 0);
  assert.equal(mv('plan', '-f', file, '--detailed-exitcode').status, 2, 'changes pending');
  assert.equal(
    mv('plan', '-f', '/nonexistent.yaml', '--detailed-exitcode').status,
    1,
    'an error is 1 under --detailed-exitcode',
  );
  assert.equal(mv('plan', '-f', '/nonexistent.yaml').status, 2, 'and 2 without it');
  const saved = join(file, '..', 'plan.json');
  const p = mv('plan', '-f', file, '-o', saved);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /Saved to .*plan\.json/);
  // the file changes after the plan was saved: apply FILE still applies what was planned
  write({
    ...doc,
    hosts: { ...doc.hosts, host1: { ...doc.hosts.host1, containers: { centos1: doc.hosts.host1.containers.centos1 } } },
  });
  const a = mv('apply', saved);
  assert.equal(a.status, 0, a.stderr);
  assert.deepEqual((await docker(name, 'host1').listContainers()).map((c) => c.Names[0]).sort(), [
    '/centos1',
    '/centos2',
  ]);
  assert.equal(mv('plan', '-f', saved.replace('plan.json', 'none.yaml'), '--detailed-exitcode').status, 1);
  // the file moves an address: plan shows the field-level difference
  write({
    ...doc,
    hosts: {
      ...doc.hosts,
      host2: {
        ...doc.hosts.host2,
        containers: {
          ...doc.hosts.host2.containers,
          centos2: { ...doc.hosts.host2.containers.centos2, ip: '10.100.2.9' },
        },
      },
    },
  });
  const diff = mv('plan', '-f', file, '-o', saved);
  assert.match(diff.stdout, /~ container centos2 +recreated: changed in the file\n +ip: 10\.100\.2\.2 → 10\.100\.2\.9/);
  assert.match(diff.stdout, /Plan: 0 to add, 1 to change, 0 to destroy\./);
  // the hosts move (a container removed by hand): the saved plan is refused and nothing changes
  await docker(name, 'host1').getContainer('centos1').remove({ force: true });
  const refused = mv('apply', saved);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /the live hosts changed since .*plan\.json was saved/);
  assert.match(refused.stderr, /called for now, not in the plan: host1: create container centos1/);
  assert.match(refused.stderr, /fix: plan again/);
  const c2 = (await docker(name, 'host2').getContainer('centos2').inspect()).NetworkSettings.Networks.macvlan.IPAddress;
  assert.equal(c2, '10.100.2.2', 'nothing was applied');
  assert.equal(mv('apply', join(file, '..', 'topology.yaml')).status, 2, 'a topology file is not a saved plan');
  assert.equal(mv('apply', '-f', file).status, 0);
  assert.equal(mv('plan', '-f', file, '--detailed-exitcode').status, 0, 'nothing to do');
});

test('the default file, --quiet, ls, lab load, a quick lab stop, devices in status and on link', async (t) => {
  const { file, name } = labTopology(t, 'seed-router.yaml', 'chab');
  const dir = join(file, '..');
  // no file anywhere: said, exit 2; mvnet.yaml in the folder, or MVNET_FILE
  const none = spawnSync(MV, ['plan', '--offline'], {
    cwd: tmpdir(),
    encoding: 'utf8',
    env: { ...process.env, MVNET_FILE: '' },
  });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no topology file: -f FILE not given, MVNET_FILE not set, and no mvnet.yaml here/);
  writeFileSync(join(dir, 'mvnet.yaml'), readFileSync(file));
  assert.equal(spawnSync(MV, ['plan', '--offline'], { cwd: dir, encoding: 'utf8' }).status, 0);
  assert.equal(
    spawnSync(MV, ['lab', 'up'], { cwd: tmpdir(), encoding: 'utf8', env: { ...process.env, MVNET_FILE: file } }).status,
    0,
  );
  const quiet = mv('apply', '-f', file, '--quiet');
  assert.equal(quiet.status, 0);
  assert.equal(quiet.stderr, '', 'no progress with --quiet');
  // ls: the lab and the topology on its engines, counted as the Docker API counts them
  const ls = mvJson('ls', '-f', file);
  const lab = ls.json.labs.find((l: any) => l.lab === name);
  assert.equal(lab.state, 'up');
  const onHost1 = ls.json.topologies.find((x: any) => x.topology === name && x.host === 'host1');
  const api = (
    await docker(name, 'host1').listContainers({
      all: true,
      filters: { label: [`mvnet.topology=${name}`, 'mvnet.kind=container'] },
    })
  ).length;
  assert.equal(onHost1.containers, api);
  // lab load: an image saved from host1's engine under a new tag, loaded into host2
  await docker(name, 'host1').getImage('mvnet/probe:2').tag({ repo: 'mvnet-test/loaded', tag: '1' });
  const tar = join(dir, 'loaded.tar');
  await pipeline((await docker(name, 'host1').getImage('mvnet-test/loaded:1').get()) as any, createWriteStream(tar));
  const load = mv('lab', 'load', '-f', file, tar, 'host2');
  assert.equal(load.status, 0, load.stderr);
  assert.match(load.stdout, /host2: mvnet-test\/loaded:1/);
  assert.ok(await docker(name, 'host2').getImage('mvnet-test/loaded:1').inspect());
  const missing = mv('lab', 'load', '-f', file, 'no-such-image:9');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no-such-image:9/);
  // lab stop: seconds, progress, and status then shows no pid
  const t0 = Date.now();
  const stop = mv('lab', 'stop', '-f', file, 'host2');
  assert.equal(stop.status, 0, stop.stderr);
  assert.ok(Date.now() - t0 < 8000, `lab stop took ${Date.now() - t0} ms`);
  assert.match(stop.stderr, /host2: stopping its Docker engine/);
  // ls with an engine that does not answer: named, and not a success
  const partial = mvJson('ls', '-f', file);
  assert.equal(partial.status, 2);
  assert.deepEqual(
    partial.json.unreachable.map((u: any) => u.host),
    ['host2'],
  );
  const st = mvJson('lab', 'status', '-f', file).json.hosts;
  assert.deepEqual(st.find((h: any) => h.host === 'host2').pid, null);
  assert.equal(mv('lab', 'start', '-f', file, 'host2').status, 0);
  // devices: in status, and link down/up on them (checked on the LAN bridge with ip -j)
  const router = st.find((h: any) => h.kind === 'router');
  assert.ok(router, 'the router is listed');
  assert.equal(router.link, 'up');
  assert.equal(mv('lab', 'link', 'down', '-f', file, router.host).status, 0);
  const port = ipJson(`mv_${name}_lan`, 'link', 'show').find((l: any) => l.ifname === 'd0');
  assert.ok(!port.flags.includes('UP'), "the device's bridge port is down");
  assert.equal(mvJson('lab', 'status', '-f', file).json.hosts.find((h: any) => h.kind === 'router').link, 'down');
  assert.equal(mv('lab', 'link', 'up', '-f', file, router.host).status, 0);
  assert.equal(mvJson('lab', 'status', '-f', file).json.hosts.find((h: any) => h.kind === 'router').link, 'up');
  // lab down alone removes everything, also with an engine stopped and containers on it
  assert.equal(mv('lab', 'stop', '-f', file, 'host1').status, 0);
  const down = mv('lab', 'down', '-f', file);
  assert.equal(down.status, 0, down.stderr);
  assert.deepEqual(assertNothingLeft(name), []);
});
