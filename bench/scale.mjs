/**
 * Load, plan and predict of a large generated topology, in the compiled code as users run it (plain node on dist/,
 * which `npm run build` makes). Prints one JSON line of milliseconds.
 *   node bench/scale.mjs [HOSTS] [PER-HOST] [json|yaml]
 */
import { stringify } from 'yaml';
import { plan as makePlan } from '../dist/plan/allocate.js';
import { predict } from '../dist/predict/predict.js';
import { parseTopology } from '../dist/topology/load.js';

const [hosts = 1000, per = 100] = process.argv.slice(2, 4).map(Number);
const format = process.argv[4] ?? 'json';
const h = {};
for (let i = 0; i < hosts; i++) {
  const containers = {};
  for (let c = 0; c < per; c++) containers[`c${c}`] = { network: 'mv' };
  h[`h${i}`] = { address: `10.${i >> 8}.${i & 255}.10`, containers };
}
const doc = { name: 'big', lan: '10.0.0.0/12', networks: { mv: { subnet: '10.128.0.0/9', parent: 'eth0' } }, hosts: h };
const text = format === 'yaml' ? stringify(doc) : JSON.stringify(doc);
const t0 = performance.now();
const topo = parseTopology(text, `big.${format}`);
const t1 = performance.now();
const p = makePlan(topo);
const t2 = performance.now();
const pred = predict(p);
const t3 = performance.now();
// every group pair's verdict is computed by predict; reading one sentence shows they are there
const groups = pred.groups.length;
const sample = pred.verdict(0, groups - 1);
console.log(
  JSON.stringify({
    hosts,
    per,
    format,
    bytes: Buffer.byteLength(text),
    load: t1 - t0,
    plan: t2 - t1,
    predict: t3 - t2,
    groups,
    pairs: pred.pairCount,
    kinds: pred.kinds,
    example: sample,
  }),
);
