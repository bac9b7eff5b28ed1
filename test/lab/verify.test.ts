/** verify on the real lab: prediction, mvnet's probes and an independent docker-CLI oracle must agree. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { agreeWithOracle, docker, LAB_ROOT, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

test('seed: verify agrees with the prediction and the oracle; a cut link breaks exactly the cross-LAN pairs; HTML report renders', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tverify');
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  assert.equal(mv('apply', '-f', file).status, 0);
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, v.stderr);
  assert.equal(v.json.pairs.length, 28);
  assert.equal(v.json.mismatches, 0);
  await agreeWithOracle(file, name, v.json.pairs);
  // the fast pass settles what agrees: on a correct lab few pairs (none, mostly) need the slow budget
  assert.ok(v.json.rechecked <= 4, `${v.json.rechecked} pairs probed again`);

  // --sample 1: one pair for every pair of prediction groups, each as the full run found it; the seed repeats
  const s1 = mvJson('verify', '-f', file, '--sample', '1', '--seed', '5');
  assert.equal(s1.status, 0, s1.stderr);
  assert.equal(s1.json.sample.of, 28);
  const groupPairs = new Set(
    v.json.pairs.map(
      (p: { from: string; to: string }) =>
        `${p.from.split('/')[0]}${p.from.includes('/') ? '/c' : ''}>${p.to.split('/')[0]}${p.to.includes('/') ? '/c' : ''}`,
    ),
  );
  assert.equal(s1.json.pairs.length, groupPairs.size);
  for (const p of s1.json.pairs) {
    assert.ok(
      v.json.pairs.some((q: typeof p) => q.from === p.from && q.to === p.to && q.actual === p.actual),
      `${p.from} > ${p.to}`,
    );
  }
  assert.deepEqual(
    mvJson('verify', '-f', file, '--sample', '1', '--seed', '5').json.pairs.map((p: { from: string }) => p.from),
    s1.json.pairs.map((p: { from: string }) => p.from),
  );
  assert.equal(mv('verify', '-f', file, '--sample', '0').status, 2);

  // the seed's own ping, as it ran: the real command and its output verbatim, as plain docker exec shows it
  const pair = mv('verify', '-f', file, '--pair', 'host1/centos1', 'host1');
  assert.equal(pair.status, 0);
  assert.match(
    pair.stdout,
    /^# ran by docker exec centos1 \(busybox ping of mvnet's probe image\) on host1:\n\$ ping -c 3 -W 1 192\.168\.140\.200$/m,
  );
  const byHand = spawnSync(
    'docker',
    [
      '-H',
      `unix://${join(LAB_ROOT, name, 'host1', 'docker.sock')}`,
      'exec',
      'centos1',
      'ping',
      '-c',
      '3',
      '-W',
      '1',
      '192.168.140.200',
    ],
    { encoding: 'utf8' },
  );
  const stats = (out: string) => out.split('\n').filter((l) => /packets transmitted|^PING /.test(l));
  assert.deepEqual(stats(pair.stdout), stats(byHand.stdout), 'the same lines as docker exec ping by hand');
  assert.match(pair.stdout, /^\(exit 1\)$/m);
  for (const bad of [['host1/centos1'], ['pc', 'host2/centos2']]) {
    const r = mv('verify', '-f', file, '--pair', ...bad);
    assert.equal(r.status, 2, bad.join(' '));
    assert.match(r.stderr, /--pair takes two ids|not a pair mvnet predicts/);
  }

  // host2 cut off the LAN: exit 1, and exactly the pairs that need host2's link differ, with the reason
  assert.equal(mv('lab', 'link', 'down', '-f', file, 'host2').status, 0);
  const outDir = join(ROOT, 'test-output');
  mkdirSync(outDir, { recursive: true });
  const html = join(outDir, 'verify-link-down.html');
  const cut = mvJson('verify', '-f', file, '--html', html);
  assert.equal(cut.status, 1);
  const broken = cut.json.pairs.filter((p: any) => !p.match);
  const expectBroken = v.json.pairs.filter(
    (p: any) => p.expected === 'reachable' && (p.from.startsWith('host2/') || p.to.startsWith('host2/')),
  );
  assert.deepEqual(
    broken.map((p: any) => `${p.from}>${p.to}`).sort(),
    expectBroken.map((p: any) => `${p.from}>${p.to}`).sort(),
  );
  assert.ok(broken.every((p: any) => p.reason === 'link-down' && /host2's ens33/.test(p.why)));
  await agreeWithOracle(file, name, cut.json.pairs);

  // the report in headless Chromium: a drawing and a grid with the broken pairs in red
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`file://${html}`);
    assert.equal(await page.locator('svg rect.host').count(), 2);
    assert.equal(await page.locator('svg rect.ctr').count(), 4);
    assert.equal(await page.locator('#matrix td.bad').count(), broken.length);
    assert.equal(
      await page.locator('#matrix td.ok').count(),
      cut.json.pairs.filter((p: any) => p.match && p.actual === 'reachable').length,
    );
    const png = join(outDir, 'verify-link-down.png');
    await page.screenshot({ path: png, fullPage: true });
    assert.ok(statSync(png).size > 20_000, 'the screenshot has content');
    t.diagnostic(`screenshot: ${png}`);
  } finally {
    await browser.close();
  }
  assert.equal(mv('lab', 'link', 'up', '-f', file, 'host2').status, 0);

  await missingIsDifference(file, name);

  // an engine that does not answer: its containers' pairs are named with the reason
  assert.equal(mv('lab', 'stop', '-f', file, 'host2').status, 0);
  const down = mvJson('verify', '-f', file);
  assert.equal(down.status, 1);
  assert.ok(
    down.json.pairs
      .filter((p: any) => !p.match)
      .every((p: any) => p.reason === 'engine-down' || p.reason === 'not-running'),
  );
});

/** A container removed by hand: every pair from or to it is a difference named missing, never a match. */
async function missingIsDifference(file: string, name: string): Promise<void> {
  await docker(name, 'host1').getContainer('centos2').remove({ force: true });
  const gone = mvJson('verify', '-f', file);
  assert.equal(gone.status, 1);
  const touching = gone.json.pairs.filter((p: any) => p.from === 'host1/centos2' || p.to === 'host1/centos2');
  assert.ok(touching.length > 0);
  for (const p of touching) assert.deepEqual([p.match, p.reason], [false, 'missing'], `${p.from} -> ${p.to}`);
  assert.equal(mv('apply', '-f', file).status, 0);
}

for (const example of ['modes.yaml', 'passthru.yaml', 'flat.yaml']) {
  test(`prediction equals probe and oracle on examples/${example}`, async (t) => {
    const { file, name } = labTopology(t, example, `tv-${example.split('.')[0]}`);
    assert.equal(mv('lab', 'up', '-f', file).status, 0);
    assert.equal(mv('apply', '-f', file).status, 0);
    const v = mvJson('verify', '-f', file);
    assert.equal(v.json.mismatches, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match).slice(0, 5)));
    assert.equal(v.status, 0);
    await agreeWithOracle(file, name, v.json.pairs);
  });
}

test('a container whose image has no ping is probed from a helper in its network namespace', async (t) => {
  const { file, name } = labTopology(t, 'seed.yaml', 'tnoping', (d) => {
    d.hosts.host1.containers.centos2.image = 'mvnet-test/noping:1';
    d.hosts.host1.containers.centos2.command = ['sleep', '100000'];
  });
  assert.equal(mv('lab', 'up', '-f', file).status, 0);
  // an image with busybox's sleep and nothing else: no ping, no ip
  const tar = (await import('tar-stream')).default.pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const { readFileSync } = await import('node:fs');
  tar.entry({ name: 'bin', type: 'directory' });
  tar.entry({ name: 'bin/busybox', mode: 0o755 }, readFileSync('/bin/busybox'));
  tar.entry({ name: 'bin/sleep', type: 'symlink', linkname: 'busybox' });
  tar.finalize();
  await new Promise<void>((r) => tar.on('end', () => r()));
  const { Readable } = await import('node:stream');
  const d1 = (await import('./helpers.ts')).docker(name, 'host1');
  const stream = await (d1.importImage as any)(Readable.from(Buffer.concat(chunks)), {
    repo: 'mvnet-test/noping',
    tag: '1',
  });
  await new Promise((res, rej) => d1.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res(null))));
  const ap = mv('apply', '-f', file);
  assert.equal(ap.status, 0, ap.stderr);
  const noPing = spawnSyncDocker(name, 'host1', ['exec', 'centos2', 'ping', '-c', '1', '10.100.1.1']);
  assert.notEqual(noPing, 0, 'the image really has no ping');
  const v = mvJson('verify', '-f', file);
  assert.equal(v.status, 0, JSON.stringify(v.json.pairs.filter((p: any) => !p.match)));
  const from = v.json.pairs.filter((p: any) => p.from === 'host1/centos2');
  assert.equal(from.length, 5);
  assert.equal(from.find((p: any) => p.to === 'host2/centos1').actual, 'reachable');
});

function spawnSyncDocker(lab: string, host: string, args: string[]): number {
  return spawnSync('docker', ['-H', `unix://${join(LAB_ROOT, lab, host, 'docker.sock')}`, ...args]).status ?? -1;
}
