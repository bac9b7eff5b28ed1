/** The probe's pure parts: failure classification from route and neighbour dumps, the batch's arguments, sampling. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyFailure, parseProbeOutput, probeArgs } from '../../src/probe/script.ts';
import { batchArgs, splitBatchOutput } from '../../src/probe/batch.ts';
import { samplePairs } from '../../src/predict/sample.ts';
import { pairs, predict } from '../../src/predict/predict.ts';
import { plan } from '../../src/plan/allocate.ts';
import { loadTopology } from '../../src/cli/topology-file.ts';

const routes = [
  'default via 10.100.0.1 dev eth0',
  '10.100.0.0/16 dev eth0 scope link  src 10.100.1.1',
  'unreachable 10.9.0.0/16',
];

test('a failure is classified from the longest matching route and the neighbour state', () => {
  const neigh = [
    '10.100.1.2 dev eth0 lladdr 02:42:0a:64:01:02 ref 1 used 0/0/0 probes 1 REACHABLE',
    '10.100.0.77 dev eth0  FAILED',
  ];
  assert.deepEqual(classifyFailure('10.100.1.2', routes, neigh), { kind: 'noicmp', hop: '10.100.1.2' });
  assert.deepEqual(classifyFailure('10.100.0.77', routes, neigh), { kind: 'noarp', hop: '10.100.0.77' });
  assert.deepEqual(classifyFailure('192.168.140.200', routes, neigh), { kind: 'nogw', hop: '10.100.0.1' });
  assert.deepEqual(classifyFailure('10.9.1.1', routes, neigh), { kind: 'noroute' });
  assert.deepEqual(classifyFailure('192.168.1.1', routes.slice(1, 2), neigh), { kind: 'noroute' });
  const gwAnswers = ['10.100.0.1 dev eth0 lladdr 02:00:00:00:00:01 STALE'];
  assert.deepEqual(classifyFailure('8.8.8.8', routes, gwAnswers), { kind: 'noicmp', hop: '10.100.0.1' });
});

test('the probe output: results, then route, neighbour and link sections', () => {
  const out = [
    'R 10.100.1.2 ok 0',
    'R 10.100.0.77 fail',
    'T',
    ...routes,
    'N',
    '10.100.0.77 dev eth0  INCOMPLETE',
    'L',
    '3: eth0@if2: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500',
    '4: ens34: <NO-CARRIER,BROADCAST,UP> mtu 1500',
  ].join('\n');
  const r = parseProbeOutput(out);
  assert.deepEqual(r.results, [
    { target: '10.100.1.2', ok: true, retries: 0 },
    { target: '10.100.0.77', ok: false, retries: 0, kind: 'noarp', hop: '10.100.0.77' },
  ]);
  assert.deepEqual(r.links, [
    { name: 'eth0', carrier: true },
    { name: 'ens34', carrier: false },
  ]);
});

test('probe and batch arguments accept only addresses, process ids and a sane window', () => {
  assert.throws(() => probeArgs(['10.0.0.1; reboot']), /not an address/);
  assert.throws(() => probeArgs(['10.0.0.1'], 3, 1, 60), /not a window/);
  assert.deepEqual(probeArgs(['10.0.0.1'], 3, 1, 0.3).slice(3), ['mvnet-probe', '3', '1', '300', '10.0.0.1']);
  assert.throws(() => batchArgs([{ pid: -1, targets: [] }], 3, 1, 0), /not a process id/);
  assert.throws(() => batchArgs([{ pid: 'host', targets: ['$(id)'] }], 3, 1, 0), /not an address/);
  const a = batchArgs(
    [
      { pid: 'host', targets: ['10.0.0.1'] },
      { pid: 42, targets: ['10.0.0.2', '10.0.0.3'] },
    ],
    3,
    1,
    0.3,
  );
  assert.deepEqual(a.slice(5), ['3', '1', '300', '2', '@host', '10.0.0.1', '@42', '10.0.0.2', '10.0.0.3']);
  assert.deepEqual(splitBatchOutput('S 0\nR a ok 0\nS 1\nR b fail\nT\n', 2), ['R a ok 0\n', 'R b fail\nT\n\n']);
});

test('--sample: K pairs for every pair of groups, all of a smaller one, the same for the same seed', () => {
  const pred = predict(plan(loadTopology('examples/seed.yaml')));
  const all = [...pairs(pred)];
  const groupPairs = new Set(
    all.map(
      (x) =>
        `${pred.groups.findIndex((g) => g.members.includes(x.from))}>` +
        `${pred.groups.findIndex((g) => g.members.includes(x.to))}`,
    ),
  );
  const one = samplePairs(pred, 1, 7);
  assert.equal(one.length, groupPairs.size, 'one pair per group pair');
  for (const x of one) assert.ok(all.some((y) => y.from === x.from && y.to === x.to && y.expected === x.expected));
  assert.deepEqual(samplePairs(pred, 1, 7), one);
  assert.equal(samplePairs(pred, 1000, 7).length, all.length, 'a large K is the full mesh');
  assert.ok(one.every((x) => x.from !== x.to));
});
