/**
 * What never harming a host costs, on the lab, in one run (issue 26: routes read before any change, plumbing
 * recorded, engines told by identity, helpers swept):
 *  1. `mvnet plan` of the seed with host access, nothing to change (engines, identities, records, shims and
 *     routes read), against its yardstick: what a person types to see the same (`docker ps -a`,
 *     `docker network ls` on each host, `ip route show` and `ip -d link show` in each host);
 *  2. the no-op `mvnet apply` of the same (the lock, whose container also reads the routes), same yardstick;
 *  3. `mvnet import` of a 200 KB line of unclosed `${X:-` (once quadratic: 22 s), against `bash -n` parsing the
 *     same file.
 *   node --import tsx bench/safety.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { hostNs, labEndpoint } from '../src/lab/paths.ts';
import { mv, timed } from './util.ts';

const LAB = 'bench-safe';
const dir = mkdtempSync(join(tmpdir(), 'mvnet-bench-safe-'));
const file = join(dir, 'topology.yaml');
writeFileSync(file, stringify({ ...parse(readFileSync('examples/seed-host-access.yaml', 'utf8')), name: LAB }));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const run = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });

/** What a person types to see the hosts' state: containers, networks, routes, links, one host after another. */
function byHand(): void {
  for (const h of ['host1', 'host2']) {
    run('docker', ['-H', labEndpoint(LAB, h), 'ps', '-a']);
    run('docker', ['-H', labEndpoint(LAB, h), 'network', 'ls']);
    run('ip', ['-n', hostNs(LAB, h), 'route', 'show']);
    run('ip', ['-n', hostNs(LAB, h), '-d', 'link', 'show']);
  }
}

function rows(n: number): { plan: number; apply: number; hand: number } {
  const plan: number[] = [],
    apply: number[] = [],
    hand: number[] = [];
  for (let i = 0; i < n; i++) {
    plan.push(timed(() => mv(['plan', '-f', file, '--json']))[1]);
    apply.push(timed(() => mv(['apply', '-f', file, '--json']))[1]);
    hand.push(timed(byHand)[1]);
  }
  return { plan: median(plan), apply: median(apply), hand: median(hand) };
}

try {
  mv(['lab', 'up', '-f', file]);
  mv(['apply', '-f', file]);
  const r = rows(5);
  const line = join(dir, 'long.sh');
  writeFileSync(line, 'docker run --ip ' + '${X:-'.repeat(40_000) + '\n');
  const imp = median(
    Array.from({ length: 3 }, () => timed(() => run('./bin/mvnet', ['import', line, '-o', join(dir, 'o.yaml')]))[1]),
  );
  const bash = median(Array.from({ length: 3 }, () => timed(() => run('bash', ['-n', line]))[1]));
  console.log(`plan, nothing to change (2 hosts, shims, routes, identities): ${s(r.plan)}; by hand ${s(r.hand)}`);
  console.log(`apply, nothing to change (lock on both hosts): ${s(r.apply)}; by hand ${s(r.hand)}`);
  console.log(`import of a 200 KB line of \${X:- : ${s(imp)}; bash -n of the same file ${s(bash)}`);
  console.log(
    `ratios: plan ${(r.plan / r.hand).toFixed(1)}x, apply ${(r.apply / r.hand).toFixed(1)}x the hand reads; ` +
      `import ${(imp / bash).toFixed(1)}x bash -n`,
  );
} finally {
  mv(['lab', 'down', '-f', file]);
  rmSync(dir, { recursive: true, force: true });
}
