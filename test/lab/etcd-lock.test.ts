/** The lock in etcd: a real etcd on loopback (started and removed by the test), concurrent applies, a dead holder. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker, labTopology, ROOT, test } from './helpers.ts';

const PORT = 23790 + (process.pid % 100);
const URL = `http://127.0.0.1:${PORT}`;

async function startEtcd(t: import('node:test').TestContext): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-etcd-'));
  const peer = `http://127.0.0.1:${PORT + 1000}`;
  const p: ChildProcess = spawn(
    'etcd',
    [
      '--data-dir',
      dir,
      '--name',
      'mv',
      '--listen-client-urls',
      URL,
      '--advertise-client-urls',
      URL,
      '--listen-peer-urls',
      peer,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `mv=${peer}`,
    ],
    { stdio: 'ignore' },
  );
  t.after(async () => {
    p.kill('SIGCONT');
    p.kill('SIGTERM');
    await new Promise((r) => p.once('close', r));
    rmSync(dir, { recursive: true, force: true });
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${URL}/health`)).ok) return p;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('etcd did not start');
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(join(ROOT, 'bin/mvnet'), args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stderr = '';
    p.stderr!.on('data', (d) => {
      stderr += d;
    });
    p.on('close', (code) => res({ code: code ?? -1, stderr }));
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const post = async (path: string, body: unknown) =>
  (await fetch(`${URL}${path}`, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<any>;

test('lock: etcd — one apply at a time, the holder named, a dead holder expires', async (t) => {
  await startEtcd(t);
  const { file, name } = labTopology(t, 'seed.yaml', 'tetcd', (d) => {
    d.lock = `etcd://127.0.0.1:${PORT}`;
  });
  assert.equal((await run(['lab', 'up', '-f', file])).code, 0);
  t.after(() => run(['destroy', '-f', file]));
  // two at once: one applies, the other is refused with the holder's name
  const [a, b] = await Promise.all([run(['apply', '-f', file]), run(['apply', '-f', file])]);
  assert.deepEqual([a.code, b.code].sort(), [0, 2]);
  assert.match((a.code === 2 ? a : b).stderr, /topology tetcd is locked by mvnet apply \(pid \d+ on /);
  // five at once with --wait: all succeed, one after the other, and nothing is made twice
  const five = await Promise.all(Array.from({ length: 5 }, () => run(['apply', '-f', file, '--wait', '60'])));
  assert.deepEqual(
    five.map((x) => x.code),
    [0, 0, 0, 0, 0],
  );
  for (const h of ['host1', 'host2']) {
    assert.equal(
      (await docker(name, h).listContainers({ all: true, filters: { label: ['mvnet.kind=container'] } })).length,
      2,
    );
  }
  // a holder that died: its lease is not renewed, etcd drops the key, the next run goes through
  const lease = (await post('/v3/lease/grant', { TTL: 2 })).ID;
  await post('/v3/kv/put', {
    key: b64(`/mvnet/lock/${name}`),
    value: b64(
      JSON.stringify({
        'mvnet.lock.pid': '999999',
        'mvnet.lock.machine': 'elsewhere',
        'mvnet.lock.command': 'mvnet apply',
        'mvnet.lock.since': 'then',
      }),
    ),
    lease,
  });
  const refused = await run(['destroy', '-f', file]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /locked by mvnet apply \(pid 999999 on elsewhere/);
  const waited = await run(['destroy', '-f', file, '--wait', '20']);
  assert.equal(waited.code, 0, waited.stderr);
  for (const h of ['host1', 'host2']) assert.equal((await docker(name, h).listContainers({ all: true })).length, 0);
});

test('lock: etcd — a holder notices at once when its key is removed (unlock) or etcd stops answering', async (t) => {
  const { acquireEtcdLock } = await import('../../src/engine/etcd-lock.ts');
  const etcd = await startEtcd(t);
  process.env.MVNET_ETCD_TTL = '3';
  t.after(() => delete process.env.MVNET_ETCD_TTL);
  const req = (topology: string) => ({ topology, file: 'f.yaml', command: 'mvnet apply', waitMs: 0 });
  const waitLost = async (lock: { lost(): string | null }, ms: number) => {
    for (const until = Date.now() + ms; Date.now() < until && !lock.lost();)
      await new Promise((r) => setTimeout(r, 100));
    return lock.lost();
  };
  const held = await acquireEtcdLock(`etcd://127.0.0.1:${PORT}`, req('tlost'));
  assert.equal(await waitLost(held, 1500), null, 'a held lock is not lost');
  await post('/v3/kv/deleterange', { key: b64('/mvnet/lock/tlost') });
  assert.match((await waitLost(held, 3000)) ?? '', /its etcd key was removed or taken by another holder/);
  await held.release();
  const second = await acquireEtcdLock(`etcd://127.0.0.1:${PORT}`, req('tlost2'));
  await post('/v3/lease/revoke', { ID: (await post('/v3/kv/range', { key: b64('/mvnet/lock/tlost2') })).kvs[0].lease });
  assert.match((await waitLost(second, 3000)) ?? '', /expired|removed/);
  await second.release();
  // etcd stops answering (the test's own etcd process, stopped): lost within a lease, never a hang
  const third = await acquireEtcdLock(`etcd://127.0.0.1:${PORT}`, req('tlost3'));
  etcd.kill('SIGSTOP');
  try {
    assert.match((await waitLost(third, 8000)) ?? '', /etcd did not answer for 3 s/);
  } finally {
    etcd.kill('SIGCONT');
  }
  await third.release();
});
