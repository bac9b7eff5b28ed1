/**
 * Stress, bounded in time, lab and loopback only: 5 concurrent applies of one topology, then add/remove
 * cycles of containers (random adds and removes, applied in rounds), checking after each round through
 * the Docker API: duplicate addresses across the cluster, and leaked objects (labelled but not planned).
 *   node --import tsx bench/stress.ts [CYCLES=1000] [SECONDS=300]
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import Docker from 'dockerode';
import { mv, MV, topologyFile, timed } from './util.ts';

const CYCLES = Number(process.argv[2] ?? 1000);
const SECONDS = Number(process.argv[3] ?? 300);
const file = topologyFile('bench-stress', 3, 6);
const doc = parse(readFileSync(file, 'utf8'));
const sock = (h: string) => new Docker({ socketPath: `/var/lib/mvnet/lab/bench-stress/${h}/docker.sock` });

async function audit(): Promise<{ duplicates: number; leaked: number; missing: number }> {
  const plan = JSON.parse(mv(['plan', '-f', file, '--json', '--offline']).stdout);
  const seen = new Map<string, number>();
  let leaked = 0,
    missing = 0;
  for (const h of plan.hosts) {
    const cs = await sock(h.name).listContainers({ all: true });
    for (const c of cs) {
      for (const n of Object.values(c.NetworkSettings.Networks))
        if (n.IPAddress) seen.set(n.IPAddress, (seen.get(n.IPAddress) ?? 0) + 1);
      if (
        c.Labels['mvnet.topology'] === 'bench-stress' &&
        c.Labels['mvnet.kind'] === 'container' &&
        !plan.containers.some((p: any) => p.host === h.name && p.name === c.Labels['mvnet.name'])
      )
        leaked++;
    }
    for (const p of plan.containers.filter((x: any) => x.host === h.name))
      if (!cs.some((c) => c.Names[0] === `/${p.name}`)) missing++;
  }
  return { duplicates: [...seen.values()].filter((n) => n > 1).length, leaked, missing };
}

const t0 = Date.now();
try {
  mv(['lab', 'up', '-f', file]);
  // 5 concurrent applies: the lock lets one at a time through, the others wait for it
  const [codes, ms] = await (async () => {
    const s = performance.now();
    const c = await Promise.all(
      Array.from(
        { length: 5 },
        () =>
          new Promise<number>((r) => {
            const p = spawn(MV, ['apply', '-f', file, '--wait', '120', '--json'], { stdio: 'ignore' });
            p.on('close', (code) => r(code ?? -1));
          }),
      ),
    );
    return [c, performance.now() - s] as const;
  })();
  let a = await audit();
  console.log(
    `5 concurrent applies: exit codes ${codes.join(',')} in ${(ms / 1000).toFixed(1)} s; duplicates ${a.duplicates}, leaked ${a.leaked}, missing ${a.missing}`,
  );
  let adds = 0,
    removes = 0,
    rounds = 0,
    next = 100;
  let dup = a.duplicates,
    leak = a.leaked;
  while (adds + removes < CYCLES && Date.now() - t0 < SECONDS * 1000) {
    for (const h of Object.keys(doc.hosts)) {
      const cs = doc.hosts[h].containers;
      const names = Object.keys(cs);
      for (const n of names)
        if (Math.random() < 0.4) {
          delete cs[n];
          removes++;
        }
      const add = 2 + Math.floor(Math.random() * 4);
      for (let i = 0; i < add; i++) {
        cs[`s${next++}`] = { network: 'mv' };
        adds++;
      }
    }
    writeFileSync(file, stringify(doc));
    const [r] = timed(() => mv(['apply', '-f', file, '--json']));
    if (r.status !== 0) throw new Error(`apply failed: ${r.stderr}`);
    a = await audit();
    dup += a.duplicates;
    leak += a.leaked;
    rounds++;
    if (a.missing) throw new Error(`round ${rounds}: ${a.missing} planned containers missing`);
  }
  console.log(`${adds} adds + ${removes} removes in ${rounds} applies, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  console.log(`duplicate addresses ${dup}, leaked objects ${leak}`);
} finally {
  mv(['destroy', '-f', file]);
  mv(['lab', 'down', '-f', file]);
}
