/**
 * `mvnet lab up` to ready, for 2 and 8 hosts: engines started in parallel (mvnet) against one at a time
 * (the naive way, MVNET_LAB_SERIAL=1), in one run.   node --import tsx bench/lab-up.ts
 */
import { mv, timed, topologyFile } from './util.ts';

const results: Record<string, number> = {};
for (const n of [2, 8]) {
  const file = topologyFile(`bench-up${n}`, n, 0);
  try {
    for (const mode of ['parallel', 'serial'] as const) {
      const [, ms] = timed(() => mv(['lab', 'up', '-f', file, '--json'], mode === 'serial' ? { MVNET_LAB_SERIAL: '1' } : {}));
      results[`${n}-${mode}`] = ms;
      console.log(`lab up ${n} hosts (${mode} engines): ${(ms / 1000).toFixed(2)} s to ready`);
      mv(['lab', 'down', '-f', file]);
    }
  } finally {
    mv(['lab', 'down', '-f', file]);
  }
}
console.log(`ratio serial/parallel for 8 hosts: ${(results['8-serial'] / results['8-parallel']).toFixed(2)}x`);
