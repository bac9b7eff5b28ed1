/**
 * Plans and predicts 100 hosts x 100 containers, and compares the grouped prediction with the naive
 * method (a verdict per ordered pair), measured on a sample and extrapolated.
 *   node --import tsx bench/plan.ts
 */
import { stringify } from 'yaml';
import { plan } from '../src/plan/allocate.ts';
import { predict } from '../src/predict/predict.ts';
import { parseTopology } from '../src/topology/load.ts';

function topology(hosts: number, per: number): string {
  const h: Record<string, unknown> = {};
  for (let i = 0; i < hosts; i++) {
    const containers: Record<string, unknown> = {};
    for (let c = 0; c < per; c++) containers[`c${c}`] = { network: 'mv' };
    h[`h${i}`] = { address: `192.168.${i >> 8}.${(i & 255) + 1}`, containers };
  }
  return stringify({
    name: 'bench',
    lan: '192.168.0.0/16',
    networks: { mv: { subnet: '10.0.0.0/8', parent: 'eth0' } },
    hosts: h,
  });
}

const big = topology(100, 100);
const t0 = performance.now();
const topo = parseTopology(big);
const t1 = performance.now();
const p = plan(topo);
const t2 = performance.now();
const pred = predict(p);
const t3 = performance.now();
console.log(
  `100 hosts x 100 containers: load ${(t1 - t0).toFixed(0)} ms, plan ${(t2 - t1).toFixed(0)} ms, predict ${(t3 - t2).toFixed(0)} ms (${pred.groups.length} groups, ${pred.pairCount.toLocaleString('en')} pairs)`,
);
console.log(`mvnet plan + predict: ${(t3 - t1).toFixed(0)} ms`);

// naive: one verdict per ordered pair, on a 10 x 20 sample, extrapolated to the same number of pairs
const small = plan(parseTopology(topology(10, 20)));
const s0 = performance.now();
const naive = predict(small, { singletons: true });
const s1 = performance.now();
const perPair = (s1 - s0) / naive.pairCount;
const naiveTotal = perPair * pred.pairCount;
console.log(
  `naive per-pair prediction: ${(perPair * 1e6).toFixed(0)} ns/pair on ${naive.pairCount} pairs -> ${(naiveTotal / 1000).toFixed(0)} s extrapolated`,
);
console.log(`ratio naive/mvnet: ${(naiveTotal / (t3 - t2)).toFixed(0)}x`);
