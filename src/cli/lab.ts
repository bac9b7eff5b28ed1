/** `mvnet lab ...`: the emulated multi-host LAN. */
import { shellQuote } from '../render/shell.ts';
import { spawn } from 'node:child_process';
import { labDown, labEngine, labLink, labNs, labStatus, labUp } from '../lab/lab.ts';
import { labEndpoint } from '../lab/paths.ts';
import { clientCertDir, sshBinDir } from '../lab/remote.ts';
import { readState } from '../lab/state.ts';
import { MvnetError } from '../errors.ts';
import { columns, commandLines } from '../render/columns.ts';
import { LOOK } from './look.ts';
import { loadTopology } from './topology-file.ts';
import { printJson, self } from './output.ts';
import { progress } from './progress.ts';

interface LabOptions {
  file: string;
  json?: boolean;
}

export async function labUpCommand(o: LabOptions & { replace?: boolean; remote?: boolean }): Promise<number> {
  const topo = loadTopology(o.file);
  const r = await labUp(topo, progress(o.json), { replace: o.replace, remote: o.remote });
  if (o.json) printJson({ lab: topo.name, already: r.already, hosts: r.hosts, ms: r.ms });
  else {
    process.stdout.write(
      `${r.already ? 'lab already up' : 'lab up'}: ${topo.name} with ${r.hosts.length} hosts ` +
        `(${(r.ms / 1000).toFixed(1)} s)\n`,
    );
    process.stdout.write(
      [
        `  # use a host's engine with the plain docker CLI`,
        commandLines(`eval "$(${self()} lab env -f ${o.file} ${r.hosts[0]})"; docker ps`, LOOK.width),
        '  # look inside a host',
        commandLines(`${self()} lab exec -f ${o.file} ${r.hosts[0]} -- ip addr`, LOOK.width),
        '  # tear it down (everything in it goes)',
        commandLines(`${self()} lab down -f ${o.file}`, LOOK.width),
      ].join('\n') + '\n',
    );
  }
  return 0;
}

export async function labDownCommand(o: LabOptions): Promise<number> {
  const topo = loadTopology(o.file);
  const r = await labDown(topo, o.json ? () => {} : (m) => process.stdout.write(m + '\n'));
  if (o.json) printJson({ lab: topo.name, removed: r.removed });
  return 0;
}

export async function labStatusCommand(o: LabOptions): Promise<number> {
  const topo = loadTopology(o.file);
  const st = await labStatus(topo);
  if (o.json) printJson({ lab: topo.name, up: readState(topo.name)?.ready ?? false, hosts: st });
  else
    process.stdout.write(
      columns(
        ['name', 'kind', 'namespace', 'engine', 'pid', 'LAN link', 'addresses'],
        st.map((h) => [
          h.host,
          h.kind,
          h.namespace ? 'yes' : 'no',
          h.daemon === 'none' ? '-' : h.daemon,
          String(h.pid ?? '-'),
          h.link,
          h.addresses.join(' ') || '-',
        ]),
        LOOK.width,
      ) + '\n',
    );
  return 0;
}

/**
 * What a user exports to reach a lab host with the plain docker CLI: its socket, or over ssh or TLS (--remote labs).
 */
export async function labEnvCommand(o: LabOptions & { ssh?: boolean; tls?: boolean }, host: string): Promise<number> {
  const topo = loadTopology(o.file);
  labNs(topo, host);
  let env: Record<string, string> = { DOCKER_HOST: labEndpoint(topo.name, host) };
  if (o.ssh || o.tls) {
    const r = readState(topo.name)?.remote?.[host];
    if (!r)
      throw new MvnetError(
        'usage',
        `lab ${topo.name} does not serve its engines remotely`,
        host,
        `mvnet lab up --remote --replace -f ${o.file}`,
      );
    env = o.ssh
      ? {
          PATH: `${sshBinDir(topo.name)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
          DOCKER_HOST: `ssh://root@${r.hostIp}`,
        }
      : { DOCKER_HOST: `tcp://${r.hostIp}:2376`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: clientCertDir(topo.name) };
  }
  if (o.json) printJson(env);
  else {
    if (o.ssh)
      process.stdout.write(`# ssh first on PATH is the lab's: its key, its known hosts, then your ~/.ssh/config\n`);
    // every value quoted for a POSIX shell (a lab folder may hold blanks or ';'); only $PATH is left to the shell
    const shq = shellQuote;
    for (const [k, v] of Object.entries(env))
      process.stdout.write(`export ${k}=${k === 'PATH' && o.ssh ? `${shq(sshBinDir(topo.name))}:"$PATH"` : shq(v)}\n`);
  }
  return 0;
}

export async function labExecCommand(o: LabOptions, host: string, argv: string[]): Promise<number> {
  const topo = loadTopology(o.file);
  const ns = labNs(topo, host);
  if (argv.length === 0)
    throw new MvnetError('usage', 'no command given', host, `e.g. mvnet lab exec -f ${o.file} ${host} -- ip addr`);
  return new Promise((resolve, reject) => {
    const p = spawn('nsenter', [`--net=/run/netns/${ns}`, '--', ...argv], { stdio: 'inherit' });
    p.on('error', reject);
    p.on('close', (code) => resolve(code ?? 1));
  });
}

export async function labLinkCommand(o: LabOptions, state: string, host: string): Promise<number> {
  if (state !== 'up' && state !== 'down')
    throw new MvnetError('usage', `link state must be up or down, not "${state}"`);
  const topo = loadTopology(o.file);
  await labLink(topo, host, state === 'up');
  if (o.json) printJson({ host, link: state });
  else process.stdout.write(`${host}: LAN link ${state}\n`);
  return 0;
}

export async function labLoadCommand(o: LabOptions, what: string, hosts: string[]): Promise<number> {
  const topo = loadTopology(o.file);
  const state = readState(topo.name);
  if (!state)
    throw new MvnetError('lab', `lab ${topo.name} is not up`, topo.name, `run: ${self()} lab up -f ${o.file}`);
  for (const h of hosts) {
    if (!state.hosts[h])
      throw new MvnetError(
        'usage',
        `no host "${h}" in ${o.file}`,
        h,
        `hosts are: ${Object.keys(state.hosts).join(', ')}`,
      );
  }
  const targets = hosts.length ? hosts : Object.keys(state.hosts);
  const { labLoad } = await import('../lab/load.ts');
  const r = await labLoad(topo.name, targets, what, progress(o.json));
  if (o.json) printJson({ lab: topo.name, loaded: r });
  else process.stdout.write(r.map((x) => `${x.host}: ${x.images.join(', ') || what}`).join('\n') + '\n');
  return 0;
}

export async function labEngineCommand(o: LabOptions, host: string, start: boolean): Promise<number> {
  const topo = loadTopology(o.file);
  const t0 = Date.now();
  await labEngine(topo, host, start, progress(o.json));
  if (o.json) printJson({ host, engine: start ? 'started' : 'stopped' });
  else
    process.stdout.write(
      `host ${host}: Docker engine ${start ? 'running' : 'stopped'} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  return 0;
}
