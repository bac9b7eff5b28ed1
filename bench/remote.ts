/**
 * mvnet against the docker CLI over the same remote transports, on a `lab up --remote` lab of 2 hosts x 10
 * containers, in one run: apply from nothing (mvnet vs `docker network create` + `docker run` one by one), and
 * a check that nothing changed (a no-op apply vs `docker ps -a` + `docker network ls` per host by hand),
 * over ssh:// and over TCP with TLS.   node --import tsx bench/remote.ts
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { PROBE_IMAGE } from '../src/engine/image.ts';
import { MV, timed, topologyFile } from './util.ts';

const file = topologyFile('bench-remote', 2, 10);
const run = (cmd: string, args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

try {
  run(MV, ['lab', 'up', '--remote', '-f', file]);
  const plan = JSON.parse(run(MV, ['plan', '-f', file, '--json', '--offline']));
  for (const how of ['ssh', 'tls'] as const) {
    const envs = plan.hosts.map((h: { name: string }) =>
      JSON.parse(run(MV, ['lab', 'env', '-f', file, h.name, `--${how}`, '--json'])),
    );
    const env: Record<string, string> =
      how === 'ssh' ? { PATH: envs[0].PATH } : { DOCKER_CERT_PATH: envs[0].DOCKER_CERT_PATH, DOCKER_TLS_VERIFY: '1' };
    const doc = parse(readFileSync(file, 'utf8'));
    plan.hosts.forEach((h: { name: string }, i: number) => {
      doc.hosts[h.name].docker = envs[i].DOCKER_HOST;
    });
    const remote = file.replace('.yaml', `-${how}.yaml`);
    writeFileSync(remote, stringify(doc));
    // the docker CLI, one command after another
    const docker = (i: number, args: string[]) => run('docker', args, { ...env, ...envs[i] });
    const [, cliApply] = timed(() =>
      plan.hosts.forEach((h: any, i: number) => {
        docker(i, [
          'network',
          'create',
          '-d',
          'macvlan',
          '--subnet',
          '10.200.0.0/16',
          '--gateway',
          '10.200.0.1',
          '--ip-range',
          h.networks[0].range,
          '-o',
          'parent=eth0',
          'mv',
        ]);
        for (const c of plan.containers.filter((x: any) => x.host === h.name))
          docker(i, ['run', '-d', '--net', 'mv', '--ip', c.ip, '--name', c.name, PROBE_IMAGE]);
      }),
    );
    const [, cliCheck] = timed(() =>
      plan.hosts.forEach((_: unknown, i: number) => {
        docker(i, ['ps', '-a']);
        docker(i, ['network', 'ls']);
      }),
    );
    plan.hosts.forEach((h: any, i: number) => {
      for (const c of plan.containers.filter((x: any) => x.host === h.name)) docker(i, ['rm', '-f', c.name]);
      docker(i, ['network', 'rm', 'mv']);
    });
    const [, mvApply] = timed(() => run(MV, ['apply', '-f', remote], env));
    const [, mvCheck] = timed(() => run(MV, ['apply', '-f', remote], env));
    const [verified, mvVerify] = timed(() => run(MV, ['verify', '-f', remote], env));
    run(MV, ['destroy', '-f', remote], env);
    console.log(
      `${how}: apply 2 x 10 — mvnet ${fmt(mvApply)}, docker CLI one by one ${fmt(cliApply)} (${(cliApply / mvApply).toFixed(1)}x); ` +
        `nothing changed? — mvnet no-op apply ${fmt(mvCheck)}, docker ps + network ls per host ${fmt(cliCheck)} ` +
        `(${(cliCheck / mvCheck).toFixed(1)}x); verify: ${/\d+ pairs probed/.exec(verified)?.[0] ?? '?'} in ${fmt(mvVerify)}`,
    );
  }
} finally {
  spawnSync(MV, ['lab', 'down', '-f', file]);
}
