/**
 * Lab hosts as remote machines: a real sshd and a TLS-serving dockerd per host on the lab's management
 * network. The seed end to end over ssh:// and over tcp:// with TLS, checked through the hosts' unix sockets
 * (an independent path) and a plain `docker exec ping` oracle; every refusal changes nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { agreeWithOracle, docker, LAB_ROOT, labTopology, mv, ROOT, test } from './helpers.ts';

function mvEnv(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(join(ROOT, 'bin/mvnet'), args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const envOf = (file: string, host: string, how: string) =>
  JSON.parse(mv('lab', 'env', '-f', file, host, how, '--json').stdout);

async function snapshot(lab: string): Promise<string> {
  const out: string[] = [];
  for (const h of ['host1', 'host2']) {
    out.push(...(await docker(lab, h).listContainers({ all: true })).map((c) => `${h} ${c.Id} ${c.State}`));
    out.push(...(await docker(lab, h).listNetworks()).map((n) => `${h} net ${n.Id}`));
  }
  return out.sort().join('\n');
}

test('the seed over ssh:// and over TLS, as against real remote machines; bad credentials are refused', async (t) => {
  const { file, name, doc } = labTopology(t, 'seed.yaml', 'orem');
  const up = mv('lab', 'up', '--remote', '-f', file);
  assert.equal(up.status, 0, up.stderr);
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-remote-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ssh = { host1: envOf(file, 'host1', '--ssh'), host2: envOf(file, 'host2', '--ssh') };
  const tls = { host1: envOf(file, 'host1', '--tls'), host2: envOf(file, 'host2', '--tls') };
  // the plain docker CLI works with what lab env prints
  for (const e of [ssh.host1, tls.host2]) {
    const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
      encoding: 'utf8',
      env: { ...process.env, ...e },
    });
    assert.equal(r.status, 0, r.stderr);
  }
  const variant = (how: 'ssh' | 'tls') => {
    const d = structuredClone(doc);
    for (const h of ['host1', 'host2'] as const) d.hosts[h].docker = (how === 'ssh' ? ssh : tls)[h].DOCKER_HOST;
    const f = join(dir, `${how}.yaml`);
    writeFileSync(f, stringify(d));
    return f;
  };
  const sshFile = variant('ssh'),
    tlsFile = variant('tls');
  const sshEnv = { PATH: ssh.host1.PATH };
  const tlsEnv = { DOCKER_CERT_PATH: tls.host1.DOCKER_CERT_PATH, DOCKER_TLS_VERIFY: '1' };
  for (const [f, env, how] of [
    [sshFile, sshEnv, 'ssh'],
    [tlsFile, tlsEnv, 'tls'],
  ] as const) {
    const a = mvEnv(env, 'apply', '-f', f, '--json');
    assert.equal(a.status, 0, `${how}: ${a.stderr}`);
    assert.equal(JSON.parse(a.stdout).changed, 8);
    // checked through the hosts' unix sockets: the planned containers run with their addresses
    for (const h of ['host1', 'host2']) {
      const cs = await docker(name, h).listContainers({ filters: { label: ['mvnet.kind=container'] } });
      assert.deepEqual(cs.map((c) => c.Names[0]).sort(), ['/centos1', '/centos2'], `${how} ${h}`);
    }
    assert.equal(JSON.parse(mvEnv(env, 'apply', '-f', f, '--json').stdout).changed, 0, `${how}: nothing to change`);
    const v = mvEnv(env, 'verify', '-f', f, '--json');
    assert.equal(v.status, 0, `${how} verify: ${v.stderr}`);
    await agreeWithOracle(file, name, JSON.parse(v.stdout).pairs);
    const i = mvEnv(env, 'inspect', '-f', f);
    assert.equal(i.status, 0, i.stderr);
    assert.match(i.stdout, /centos1 +\| +10\.100\.1\.1\/16/);
    const d = mvEnv(env, 'destroy', '-f', f, '--json');
    assert.equal(d.status, 0, `${how} destroy: ${d.stderr}`);
    for (const h of ['host1', 'host2'])
      assert.deepEqual(await docker(name, h).listContainers({ all: true }), [], `${how} ${h} empty`);
  }

  // refusals, each changing nothing
  assert.equal(mvEnv(sshEnv, 'apply', '-f', sshFile).status, 0);
  const before = await snapshot(name);
  const badKnown = join(dir, 'known_hosts');
  writeFileSync(badKnown, '');
  const cfg = join(dir, 'ssh_config');
  writeFileSync(
    cfg,
    `Host *\n  User root\n  IdentityFile ${LAB_ROOT}/${name}/ssh/id_ed25519\n  IdentitiesOnly yes\n` +
      `  UserKnownHostsFile ${badKnown}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n`,
  );
  const wrapper = join(dir, 'bin');
  spawnSync('mkdir', ['-p', wrapper]);
  writeFileSync(join(wrapper, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -F '${cfg}' "$@"\n`, { mode: 0o755 });
  const unknown = mvEnv({ PATH: `${wrapper}:${process.env.PATH}` }, 'destroy', '-f', sshFile);
  assert.equal(unknown.status, 2);
  assert.match(
    unknown.stderr,
    /host1: ssh to ssh:\/\/root@[\d.]+ failed: No ED25519 host key is known .* Host key verification failed\./,
  );
  assert.match(unknown.stderr, /fix: the host key is unknown or changed/);
  // a key the hosts do not accept
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'other')]);
  copyFileSync(`${LAB_ROOT}/${name}/ssh/known_hosts`, badKnown);
  writeFileSync(
    cfg,
    `Host *\n  User root\n  IdentityFile ${join(dir, 'other')}\n  IdentitiesOnly yes\n  IdentityAgent none\n` +
      `  UserKnownHostsFile ${badKnown}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n`,
  );
  const wrongKey = mvEnv({ PATH: `${wrapper}:${process.env.PATH}` }, 'destroy', '-f', sshFile);
  assert.equal(wrongKey.status, 2);
  assert.match(wrongKey.stderr, /Permission denied \(publickey\)/);
  tlsRefusals(dir, tls.host1, tlsFile, doc);
  assert.equal(await snapshot(name), before, 'no refusal changed anything');
  assert.equal(mvEnv(sshEnv, 'destroy', '-f', sshFile).status, 0);
});

/** TLS with another CA, a downgrade asked for, certificates from ~/.docker, none at all, plain TCP. */
function tlsRefusals(dir: string, host1: Record<string, string>, tlsFile: string, doc: any): void {
  const certs = host1.DOCKER_CERT_PATH;
  // TLS with another CA, and without any certificates
  const otherCa = join(dir, 'ca');
  spawnSync('mkdir', ['-p', otherCa]);
  spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    join(otherCa, 'key.pem'),
    '-out',
    join(otherCa, 'ca.pem'),
    '-days',
    '1',
    '-subj',
    '/CN=not the lab',
  ]);
  copyFileSync(join(certs, 'cert.pem'), join(otherCa, 'cert.pem'));
  copyFileSync(join(certs, 'key.pem'), join(otherCa, 'key.pem'));
  const wrongCa = mvEnv({ DOCKER_CERT_PATH: otherCa }, 'destroy', '-f', tlsFile);
  assert.equal(wrongCa.status, 2);
  assert.match(wrongCa.stderr, /host1: TLS with tcp:\/\/[\d.]+:2376 failed: .*certificate/);
  // DOCKER_TLS_VERIFY=0 is "verify" for the docker CLI: never a downgrade to plain HTTP
  const downgrade = mvEnv({ DOCKER_CERT_PATH: otherCa, DOCKER_TLS_VERIFY: '0' }, 'destroy', '-f', tlsFile);
  assert.equal(downgrade.status, 2);
  assert.match(downgrade.stderr, /host1: TLS with tcp:\/\/[\d.]+:2376 failed: .*certificate/);
  // without DOCKER_CERT_PATH the certificates come from ~/.docker, as for the docker CLI
  const home = join(dir, 'home');
  spawnSync('mkdir', ['-p', join(home, '.docker')]);
  for (const f of ['ca.pem', 'cert.pem', 'key.pem']) copyFileSync(join(certs, f), join(home, '.docker', f));
  const fromHome = mvEnv({ DOCKER_CERT_PATH: '', HOME: home }, 'plan', '-f', tlsFile, '--json');
  assert.equal(fromHome.status, 0, fromHome.stderr);
  const noCerts = mvEnv({ DOCKER_CERT_PATH: '', HOME: dir }, 'destroy', '-f', tlsFile);
  assert.equal(noCerts.status, 2);
  assert.match(noCerts.stderr, /needs TLS certificates/);
  // plain TCP is refused unless :2375 is named (and the TLS port does not speak plain HTTP)
  const plain = tlsFile.replace('tls.yaml', 'plain.yaml');
  writeFileSync(
    plain,
    stringify({
      ...doc,
      hosts: { ...doc.hosts, host1: { ...doc.hosts.host1, docker: host1.DOCKER_HOST.replace(':2376', '') } },
    }),
  );
  const noTls = mvEnv({ DOCKER_CERT_PATH: '', HOME: dir }, 'destroy', '-f', plain);
  assert.equal(noTls.status, 2);
  assert.match(noTls.stderr, /needs TLS certificates/);
}
