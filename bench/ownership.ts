/**
 * What ownership costs and how fast a stop is, on the lab, in one run:
 *  1. a no-op apply (lock on every host, membership read, live diff) of 2 hosts x 20 containers against its
 *     yardstick, the docker CLI listing both hosts by hand (`docker ps -a` + `docker network ls` on each);
 *  2. Ctrl-C in the middle of an apply of 2 x 20: time from SIGINT to exit (bounded by the work in flight),
 *     against the same apply left to finish;
 *  3. a removed host: the apply that empties it, against removing its objects by hand with the docker CLI.
 *   node --import tsx bench/ownership.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { mv, MV, timed, topologyFile } from './util.ts';

const file = topologyFile('bench-own', 2, 20);
const sock = (h: string) => `unix:///var/lib/mvnet/lab/bench-own/${h}/docker.sock`;
const docker = (h: string, args: string[]) => spawnSync('docker', ['-H', sock(h), ...args], { encoding: 'utf8' });

function interruptedApply(afterMs: number): Promise<{ signalToExit: number; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(MV, ['apply', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '',
      at = 0;
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    setTimeout(() => {
      at = performance.now();
      p.kill('SIGINT');
    }, afterMs);
    p.on('close', () => res({ signalToExit: performance.now() - at, stderr }));
  });
}

try {
  mv(['lab', 'up', '-f', file]);
  const [, full] = timed(() => mv(['apply', '-f', file]));
  const noop: number[] = [],
    cli: number[] = [];
  for (let i = 0; i < 5; i++) {
    noop.push(timed(() => mv(['apply', '-f', file]))[1]);
    cli.push(
      timed(() => {
        for (const h of ['h0', 'h1']) {
          docker(h, ['ps', '-a']);
          docker(h, ['network', 'ls']);
        }
      })[1],
    );
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `no-op apply (2 x 20, lock on both engines + records + diff): ${(med(noop) / 1000).toFixed(2)} s; ` +
      `docker CLI listing both hosts by hand: ${(med(cli) / 1000).toFixed(2)} s; ratio ${(med(noop) / med(cli)).toFixed(1)}x`,
  );
  mv(['destroy', '-f', file]);
  const stop = await interruptedApply(1500);
  const m = /SIGINT: (\d+) of (\d+) changes done/.exec(stop.stderr);
  console.log(
    `Ctrl-C 1.5 s into an apply of 2 x 20: exited ${(stop.signalToExit / 1000).toFixed(2)} s after the signal ` +
      `(${m ? `${m[1]} of ${m[2]} changes done` : 'no summary'}); the full apply takes ${(full / 1000).toFixed(1)} s`,
  );
  mv(['apply', '-f', file]);
  // a removed host: mvnet apply empties it; by hand: docker rm -f of each container, then docker network rm
  const doc = parse(readFileSync(file, 'utf8'));
  delete doc.hosts.h1;
  writeFileSync(file, stringify(doc));
  const [, emptied] = timed(() => mv(['apply', '-f', file]));
  const again = structuredClone(doc);
  again.hosts.h1 = parse(readFileSync(file, 'utf8')).hosts.h0;
  again.hosts.h1.address = '192.168.200.11';
  writeFileSync(file, stringify(again));
  mv(['apply', '-f', file]);
  const names = JSON.parse(mv(['plan', '-f', file, '--json', '--offline']).stdout)
    .containers.filter((c: { host: string }) => c.host === 'h1')
    .map((c: { name: string }) => c.name);
  const [, byHand] = timed(() => {
    for (const n of names) docker('h1', ['rm', '-f', n]);
    docker('h1', ['network', 'rm', 'mv']);
  });
  console.log(
    `emptying a host removed from the file (20 containers + network): mvnet apply ${(emptied / 1000).toFixed(2)} s ` +
      `(found from the other host's record); docker rm -f one by one + network rm ${(byHand / 1000).toFixed(2)} s; ` +
      `ratio ${(byHand / emptied).toFixed(1)}x`,
  );
} finally {
  spawnSync(MV, ['destroy', '-f', file]);
  spawnSync(MV, ['lab', 'down', '-f', file]);
}
