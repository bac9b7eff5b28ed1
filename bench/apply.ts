/**
 * mvnet apply of 2 hosts x 20 containers against the same work with the docker CLI, one command after
 * another (the seed's way), on the same lab in one run.   node --import tsx bench/apply.ts
 */
import { spawnSync } from 'node:child_process';
import { PROBE_IMAGE } from '../src/engine/image.ts';
import { parse } from 'yaml';
import { cpuBusySeconds, mv, timed, topologyFile } from './util.ts';

const file = topologyFile('bench-apply', 2, 20);
function docker(host: string, args: string[]) {
  const r = spawnSync('docker', ['-H', host, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr}`);
}
try {
  mv(['lab', 'up', '-f', file]);
  const plan = JSON.parse(mv(['plan', '-f', file, '--json', '--offline']).stdout);
  const hosts = plan.hosts.map((h: any) => ({ name: h.name, range: h.networks[0].range, sock: parse(mv(['lab', 'env', '-f', file, h.name, '--json']).stdout).DOCKER_HOST }));
  // the docker CLI, one command after another
  const cpu0 = cpuBusySeconds();
  const [, cliMs] = timed(() => {
    for (const h of hosts) {
      docker(h.sock, ['network', 'create', '-d', 'macvlan', '--subnet', '10.200.0.0/16', '--gateway', '10.200.0.1', '--ip-range', h.range, '-o', 'parent=eth0', 'mv']);
      for (const c of plan.containers.filter((x: any) => x.host === h.name)) {
        // no --mac-address: the CLI 28 refuses it against a 1.41 engine, and Docker 20.10 derives the same MAC from the IP
        docker(h.sock, ['run', '-d', '--net', 'mv', '--ip', c.ip, '--name', c.name, PROBE_IMAGE]);
      }
    }
  });
  const cliCpu = cpuBusySeconds() - cpu0;
  console.log(`docker CLI, sequential: ${plan.containers.length} containers + ${hosts.length} networks in ${(cliMs / 1000).toFixed(2)} s (machine CPU busy ${cliCpu.toFixed(1)} s)`);
  for (const h of hosts) {
    const ids = spawnSync('docker', ['-H', h.sock, 'ps', '-aq'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    if (ids.length) docker(h.sock, ['rm', '-f', ...ids]);
    docker(h.sock, ['network', 'rm', 'mv']);
  }
  const cpu1 = cpuBusySeconds();
  const [, mvMs] = timed(() => mv(['apply', '-f', file, '--json']));
  const mvCpu = cpuBusySeconds() - cpu1;
  console.log(`mvnet apply: the same in ${(mvMs / 1000).toFixed(2)} s (machine CPU busy ${mvCpu.toFixed(1)} s of ${(2 * mvMs / 1000).toFixed(1)} s available on 2 cores)`);
  const [, againMs] = timed(() => mv(['apply', '-f', file, '--json']));
  console.log(`mvnet apply again (no change): ${(againMs / 1000).toFixed(2)} s`);
  console.log(`ratio docker CLI / mvnet apply: ${(cliMs / mvMs).toFixed(2)}x`);
} finally {
  mv(['destroy', '-f', file]);
  mv(['lab', 'down', '-f', file]);
}
