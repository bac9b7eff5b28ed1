/**
 * Lab hosts as remote machines (`lab up --remote`). A management network of the lab, apart from the macvlan
 * LAN: per host a veth from the root namespace (`mvm` + a digest of lab and host) to `mgmt0` in the host's
 * namespace, a /30 each inside the lab's own /24 of 198.18.0.0/15 (the range set aside for tests). Each host
 * then serves its engine over ssh (a real sshd in its namespace: host key made here, the lab's client key
 * authorised, known hosts recorded) and over TCP with TLS (a lab CA, a server certificate for the host's
 * management address, a client certificate; verification on).
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { MvnetError } from '../errors.ts';
import { ip, must, run } from './exec.ts';
import { labDir } from './paths.ts';
import type { LabState } from './state.ts';

export interface RemoteHost {
  rootIf: string;
  rootIp: string;
  hostIp: string;
}

/** The lab's /24 in 198.18.0.0/15: derived from its name (checked free at lab up). */
export function mgmtBlock(lab: string): string {
  const n = createHash('sha256').update(lab).digest().readUInt16BE(0) % 512;
  return `198.${18 + (n >> 8)}.${n & 255}`;
}

export function remoteHost(lab: string, host: string, index: number): RemoteHost {
  const b = mgmtBlock(lab);
  return {
    rootIf: `mvm${createHash('sha256').update(`${lab}\0${host}`).digest('hex').slice(0, 12)}`,
    rootIp: `${b}.${index * 4 + 1}`,
    hostIp: `${b}.${index * 4 + 2}`,
  };
}

export const sshDir = (lab: string) => join(labDir(lab), 'ssh');
export const tlsDir = (lab: string) => join(labDir(lab), 'tls');
export const clientCertDir = (lab: string) => join(tlsDir(lab), 'client');
/** Put first on PATH: `ssh` with the lab's client configuration (for the docker CLI and mvnet alike). */
export const sshBinDir = (lab: string) => join(sshDir(lab), 'bin');

/** Refuses when the lab's /24 is in use on this machine (by another lab, or anything else). */
export async function checkMgmtFree(lab: string): Promise<void> {
  const b = mgmtBlock(lab);
  const addrs = JSON.parse(await ip(null, '-j', '-4', 'addr', 'show')) as {
    ifname: string;
    addr_info: { local: string }[];
  }[];
  const used = addrs.flatMap((i) =>
    i.addr_info.filter((a) => a.local.startsWith(`${b}.`)).map((a) => `${a.local} on ${i.ifname}`),
  );
  if (used.length) {
    throw new MvnetError(
      'lab',
      `the management block ${b}.0/24 of lab ${lab} is in use here (${used.join(', ')})`,
      lab,
      'bring that lab down, or give this topology another name',
    );
  }
}

/** The veth pair between the root namespace and a host's namespace, with their addresses. */
export async function linkMgmt(ns: string, r: RemoteHost): Promise<void> {
  await ip(null, 'link', 'add', r.rootIf, 'type', 'veth', 'peer', 'name', 'mgmt0', 'netns', ns);
  await ip(null, 'addr', 'add', `${r.rootIp}/30`, 'dev', r.rootIf);
  await ip(null, 'link', 'set', r.rootIf, 'up');
  await ip(ns, 'addr', 'add', `${r.hostIp}/30`, 'dev', 'mgmt0');
  await ip(ns, 'link', 'set', 'mgmt0', 'up');
}

const quote = (s: string) => {
  if (s.includes("'"))
    throw new MvnetError('lab', `the lab folder ${s} contains a quote`, s, 'use another MVNET_LAB_DIR');
  return `'${s}'`;
};

/** The lab's client key, CA and client certificate, and the ssh wrapper (once per lab). */
export async function makeLabCredentials(lab: string): Promise<void> {
  const ssh = sshDir(lab),
    tls = tlsDir(lab),
    client = clientCertDir(lab);
  for (const d of [ssh, sshBinDir(lab), tls, client]) mkdirSync(d, { recursive: true, mode: 0o700 });
  await must('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `mvnet lab ${lab}`, '-f', join(ssh, 'id_ed25519')]);
  writeFileSync(join(ssh, 'authorized_keys'), readFileSync(join(ssh, 'id_ed25519.pub')), { mode: 0o600 });
  writeFileSync(join(ssh, 'known_hosts'), '', { mode: 0o600 });
  writeFileSync(
    join(ssh, 'config'),
    [
      `# ssh client configuration of mvnet lab ${lab}: its hosts' management addresses, then your own ~/.ssh/config ` +
        'and the system-wide one',
      `Host ${mgmtBlock(lab)}.*`,
      '  User root',
      `  IdentityFile "${join(ssh, 'id_ed25519')}"`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile "${join(ssh, 'known_hosts')}"`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      'Host *',
      '  Include ~/.ssh/config',
      // -F replaces the system's configuration: included again, as plain ssh would read it
      '  Include /etc/ssh/ssh_config',
      '',
    ].join('\n'),
  );
  const wrapper = join(sshBinDir(lab), 'ssh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\n# ssh with mvnet lab ${lab}'s client configuration\n` +
      `exec /usr/bin/ssh -F ${quote(join(ssh, 'config'))} "$@"\n`,
  );
  chmodSync(wrapper, 0o755);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await must('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    join(tls, 'ca-key.pem'),
    '-out',
    join(tls, 'ca.pem'),
    '-days',
    '30',
    '-subj',
    `/CN=mvnet lab ${lab} CA`,
  ]);
  await signed(tls, client, 'client', 'extendedKeyUsage=clientAuth');
  writeFileSync(join(client, 'ca.pem'), readFileSync(join(tls, 'ca.pem')));
}

/** A key and a certificate signed by the lab's CA, as DOCKER_CERT_PATH names them (cert.pem, key.pem). */
async function signed(tls: string, dir: string, cn: string, ext: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(dir, 'ext.cnf'), `${ext}\n`);
  await must('openssl', [
    'req',
    ...ec,
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'req.csr'),
    '-subj',
    `/CN=${cn}`,
  ]);
  await must('openssl', [
    'x509',
    '-req',
    '-in',
    join(dir, 'req.csr'),
    '-CA',
    join(tls, 'ca.pem'),
    '-CAkey',
    join(tls, 'ca-key.pem'),
    '-set_serial',
    String(Date.now()),
    '-days',
    '30',
    '-extfile',
    join(dir, 'ext.cnf'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
}

/** A host's server certificate (its management address), sshd host key and configuration. */
export async function makeHostCredentials(lab: string, dir: string, r: RemoteHost): Promise<void> {
  const tls = join(dir, 'tls'),
    ssh = join(dir, 'ssh');
  mkdirSync(tls, { recursive: true, mode: 0o700 });
  mkdirSync(ssh, { recursive: true, mode: 0o700 });
  await signed(tlsDir(lab), tls, r.hostIp, `subjectAltName=IP:${r.hostIp}\nextendedKeyUsage=serverAuth`);
  // the CA beside the server's own files: an engine in its own root file system sees only the host's folder
  writeFileSync(join(tls, 'ca.pem'), readFileSync(join(tlsDir(lab), 'ca.pem')));
  await must('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    `mvnet lab ${lab} host`,
    '-f',
    join(ssh, 'host_ed25519'),
  ]);
  const pub = readFileSync(join(ssh, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  writeFileSync(
    join(sshDir(lab), 'known_hosts'),
    `${readFileSync(join(sshDir(lab), 'known_hosts'), 'utf8')}${r.hostIp} ${pub}\n`,
  );
  writeFileSync(
    join(ssh, 'sshd_config'),
    [
      `ListenAddress ${r.hostIp}:22`,
      `HostKey ${join(ssh, 'host_ed25519')}`,
      `AuthorizedKeysFile ${join(sshDir(lab), 'authorized_keys')}`,
      `PidFile ${join(ssh, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      `SetEnv DOCKER_HOST=unix://${join(dir, 'docker.sock')}`,
      '',
    ].join('\n'),
  );
}

/** The dockerd options that serve the engine over TCP with TLS on the management address. */
export function tlsDaemonArgs(dir: string, r: RemoteHost): string[] {
  const tls = join(dir, 'tls');
  return [
    '-H',
    `tcp://${r.hostIp}:2376`,
    '--tlsverify',
    '--tlscacert',
    join(tls, 'ca.pem'),
    '--tlscert',
    join(tls, 'cert.pem'),
    '--tlskey',
    join(tls, 'key.pem'),
  ];
}

/** The sshd command line for a host (run in its namespace, in the foreground, so its pid is the one recorded). */
export function sshdArgv(ns: string, dir: string): string[] {
  return [
    'nsenter',
    `--net=/run/netns/${ns}`,
    '--',
    '/usr/sbin/sshd',
    '-D',
    '-e',
    '-f',
    join(dir, 'ssh', 'sshd_config'),
  ];
}

/** Waits until a TCP port answers (from the root namespace, over the management network). */
export async function waitPort(host: string, port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((res) => {
      const s = createConnection({ host, port }, () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new MvnetError('lab', `nothing answers on ${host}:${port} within ${ms / 1000} s`, host);
}

/** Removes the root side of the management links the lab recorded (the namespaces take the other side). */
export async function unlinkMgmt(state: LabState): Promise<string[]> {
  const removed: string[] = [];
  for (const r of Object.values(state.remote ?? {})) {
    if ((await run('ip', ['link', 'show', r.rootIf])).code === 0) {
      await run('ip', ['link', 'del', r.rootIf]);
      removed.push(`link ${r.rootIf}`);
    }
  }
  return removed;
}

export function hasSshd(): boolean {
  return existsSync('/usr/sbin/sshd');
}
