/**
 * The full mesh of 2 hosts x 20 containers: mvnet verify against the seed's method (one sequential
 * `docker exec ping -c 3` per pair), measured on a sample and extrapolated, in one run.
 *   node --import tsx bench/verify.ts [SAMPLE]
 */
import { spawnSync } from 'node:child_process';
import { mv, timed, topologyFile } from './util.ts';

const SAMPLE = Number(process.argv[2] ?? 24);
const file = topologyFile('bench-verify', 2, 20);
try {
  mv(['lab', 'up', '-f', file]);
  mv(['apply', '-f', file]);
  const plan = JSON.parse(mv(['plan', '-f', file, '--json', '--offline']).stdout);
  const [v, mvMs] = timed(() => mv(['verify', '-f', file, '--json']));
  const res = JSON.parse(v.stdout);
  console.log(
    `mvnet verify: ${res.pairs.length} pairs in ${(mvMs / 1000).toFixed(2)} s, ${res.mismatches} differ from the prediction (exit ${v.status})`,
  );
  // the seed's method on a sample of container -> X pairs, taken evenly over the list
  const pairs = res.pairs.filter((p: any) => p.from.includes('/'));
  const step = Math.max(1, Math.floor(pairs.length / SAMPLE));
  const sample = pairs.filter((_: unknown, i: number) => i % step === 0).slice(0, SAMPLE);
  const addr = (id: string) =>
    plan.containers.find((c: any) => c.id === id)?.ip ?? plan.hosts.find((h: any) => h.name === id).address;
  const sock = (h: string) => JSON.parse(mv(['lab', 'env', '-f', file, h, '--json']).stdout).DOCKER_HOST;
  const socks = new Map(plan.hosts.map((h: any) => [h.name, sock(h.name)]));
  const [, seqMs] = timed(() => {
    for (const p of sample) {
      const [host, name] = p.from.split('/');
      spawnSync('docker', ['-H', socks.get(host) as string, 'exec', name, 'ping', '-c', '3', addr(p.to)], {
        encoding: 'utf8',
      });
    }
  });
  const perPair = seqMs / sample.length;
  const total = perPair * res.pairs.length;
  console.log(
    `seed's method (sequential docker exec ping -c 3): ${(perPair / 1000).toFixed(2)} s per pair on ${sample.length} sampled pairs -> ${(total / 60000).toFixed(1)} min for all ${res.pairs.length}`,
  );
  console.log(`ratio seed's method / mvnet verify: ${(total / mvMs).toFixed(0)}x`);
} finally {
  mv(['destroy', '-f', file]);
  mv(['lab', 'down', '-f', file]);
}
