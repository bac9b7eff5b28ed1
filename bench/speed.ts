/**
 * mvnet against its yardsticks, each row in the same run on this machine: start-up against `node -e 0`, apply
 * against the docker commands a person types (one after another, and through `xargs -P8`), verify against a
 * hand-written parallel `docker exec ping`, lab up against starting the dockerds by hand, and the scale rows.
 * Prints medians and ratios and writes bench/results.json and bench/RESULTS.md.
 *   node --import tsx bench/speed.ts            the full run (about 10 minutes)
 *   node --import tsx bench/speed.ts --short    each row once at small sizes, results into test-output/ (CI)
 * Traffic stays inside the labs' namespaces; every lab made here is taken down, also on failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus, release, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROBE_IMAGE } from '../src/engine/image.ts';
import { hostNs } from '../src/lab/paths.ts';
import { MV, topologyFile } from './util.ts';

const SHORT = process.argv.includes('--short');
const OUT =
  SHORT || process.argv.includes('--only') ? join(process.cwd(), 'test-output') : join(process.cwd(), 'bench');
const N = SHORT ? 1 : 5;
/** --only TEXT: just the rows whose name contains TEXT (results go to test-output/, not bench/) */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;

interface Row {
  work: string;
  mvnet: string;
  yardstick: string;
  target: string;
  met: boolean;
  detail?: string;
}
const rows: Row[] = [];
const labs: string[] = [];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** CPU time of the whole machine so far (all processes, all cores), in ms, from /proc/stat. */
function machineBusy(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ = 100 on Linux
}

function run(cmd: string, args: string[], ok = [0]): { out: string; err: string; ms: number; cpu: number } {
  const timeFile = join(tmpdir(), `mvnet-bench-time-${process.pid}`);
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = performance.now() - t0;
  const [u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(timeFile, { force: true });
  if (!ok.includes(r.status ?? -1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { out: r.stdout, err: r.stderr, ms, cpu: (u + sy) * 1000 };
}
const mv = (args: string[], ok = [0]) => run(MV, args, ok);
const docker = (sock: string, args: string[]) => run('docker', ['-H', sock, ...args]);

function labUp(file: string): void {
  labs.push(file);
  mv(['lab', 'up', '-f', file]);
}
function labDown(file: string): void {
  mv(['lab', 'down', '-f', file], [0, 1, 2]);
  labs.splice(labs.indexOf(file), 1);
}
const sockOf = (file: string, host: string) =>
  JSON.parse(mv(['lab', 'env', '-f', file, host, '--json']).out).DOCKER_HOST as string;

/** Row 1: start-up. */
function startup(): void {
  const node = median(Array.from({ length: N * 2 }, () => run('node', ['-e', '0']).ms));
  const version = Array.from({ length: N * 2 }, () => mv(['--version']));
  const planOff = median(Array.from({ length: N * 2 }, () => mv(['plan', '--offline', '-f', 'examples/seed.yaml']).ms));
  const v = median(version.map((x) => x.ms));
  rows.push({
    work: 'start-up: `mvnet --version`',
    mvnet: `${s(v)}, ${(median(version.map((x) => x.cpu)) / 1000).toFixed(2)} CPU-s`,
    yardstick: `\`node -e 0\`: ${s(node)}`,
    target: '≤ 2× node',
    met: v <= 2 * node,
    detail: `${(v / node).toFixed(2)}×`,
  });
  rows.push({
    work: 'start-up: `plan --offline -f examples/seed.yaml`',
    mvnet: s(planOff),
    yardstick: `\`node -e 0\`: ${s(node)}`,
    target: '≤ 3× node',
    met: planOff <= 3 * node,
    detail: `${(planOff / node).toFixed(2)}×`,
  });
}

/** The docker commands of a plan, as a person writes them: network create per host, docker run per container. */
function handCommands(file: string): { sock: string; args: string[] }[][] {
  const p = JSON.parse(mv(['plan', '--offline', '--json', '-f', file]).out);
  const perHost: { sock: string; args: string[] }[][] = [];
  for (const h of p.hosts) {
    const sock = sockOf(file, h.name);
    const cmds = p.networks.map((n: any) => {
      const hn = h.networks.find((x: any) => x.network === n.name);
      return {
        sock,
        args: [
          'network',
          'create',
          '-d',
          'macvlan',
          '--subnet',
          n.subnet,
          '--gateway',
          n.gateway,
          '--ip-range',
          hn.range,
          '-o',
          `parent=${hn.parent}`,
          n.name,
        ],
      };
    });
    for (const c of p.containers.filter((x: any) => x.host === h.name)) {
      // no --mac-address: Docker 20.10 derives the same MAC from the address
      cmds.push({ sock, args: ['run', '-d', '--name', c.name, '--network', c.network, '--ip', c.ip, PROBE_IMAGE] });
    }
    perHost.push(cmds);
  }
  return perHost;
}

function removeByHand(file: string): void {
  const p = JSON.parse(mv(['plan', '--offline', '--json', '-f', file]).out);
  for (const h of p.hosts) {
    const sock = sockOf(file, h.name);
    const names = p.containers.filter((c: any) => c.host === h.name).map((c: any) => c.name);
    docker(sock, ['rm', '-f', ...names]);
    docker(sock, ['network', 'rm', ...p.networks.map((n: any) => n.name)]);
  }
}

function sequential(cmds: { sock: string; args: string[] }[][]): number {
  const t0 = performance.now();
  for (const c of cmds.flat()) docker(c.sock, c.args);
  return performance.now() - t0;
}

/** The CLI through xargs -P8: networks first (a container needs its network), then every docker run at once. */
function xargsP8(cmds: { sock: string; args: string[] }[][]): { ms: number; engines: number } {
  const t0 = performance.now();
  const b0 = machineBusy();
  let client = 0;
  for (const h of cmds) for (const c of h.filter((x) => x.args[0] === 'network')) client += docker(c.sock, c.args).cpu;
  const lines = cmds
    .flat()
    .filter((x) => x.args[0] === 'run')
    .map((c) => ['-H', c.sock, ...c.args].join(' '))
    .join('\n');
  const timeFile = join(tmpdir(), `mvnet-bench-xargs-${process.pid}`);
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, 'xargs', '-P8', '-L1', 'docker'], {
    input: `${lines}\n`,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`xargs: ${r.stderr}`);
  const [u, sy] = readFileSync(timeFile, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(timeFile, { force: true });
  client += (u + sy) * 1000;
  return { ms: performance.now() - t0, engines: machineBusy() - b0 - client };
}

/** Rows 2 and 3: apply on a fresh lab, against the same work by hand. */
function applyRow(file: string, label: string, withXargs: boolean, runs: number): void {
  labUp(file);
  try {
    const cmds = handCommands(file);
    const mine: { ms: number; cpu: number; engines: number }[] = [];
    const seq: number[] = [];
    const par: { ms: number; engines: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const b0 = machineBusy();
      const a = mv(['apply', '-f', file]);
      // what the rest of the machine (the engines: dockerd, containerd, shims, runc) spent meanwhile
      mine.push({ ...a, engines: machineBusy() - b0 - a.cpu });
      mv(['destroy', '-f', file]);
      if (!withXargs || i < Math.max(1, Math.floor(runs / 2))) {
        seq.push(sequential(cmds));
        removeByHand(file);
      }
      if (withXargs) {
        par.push(xargsP8(cmds));
        removeByHand(file);
      }
    }
    const m = median(mine.map((x) => x.ms));
    const cpu = median(mine.map((x) => x.cpu));
    const sq = median(seq);
    const cpuText = `mvnet's own CPU ${(cpu / 1000).toFixed(2)} s = ${Math.round((100 * cpu) / m)}% of its wall time`;
    if (!withXargs) {
      rows.push({
        work: label,
        mvnet: s(m),
        yardstick: `the ${cmds.flat().length} docker commands by hand: ${s(sq)}`,
        target: '≤ the hand commands',
        met: m <= sq,
        detail: `hand / mvnet = ${(sq / m).toFixed(2)}; ${cpuText}`,
      });
    } else {
      const p8 = median(par.map((x) => x.ms));
      const cores = cpus().length;
      const engM = median(mine.map((x) => x.engines));
      const engX = median(par.map((x) => x.engines));
      const floor =
        `the engines' own CPU: ${(engM / 1000).toFixed(1)} s under mvnet, ${(engX / 1000).toFixed(1)} s under ` +
        `xargs, a floor of ${s(engX / cores)} on ${cores} cores`;
      rows.push({
        work: label,
        mvnet: s(m),
        yardstick: `docker CLI sequential ${s(sq)}; through \`xargs -P8\` ${s(p8)}`,
        target: '≥ 1.2× xargs -P8, ≥ 1.8× sequential',
        met: p8 / m >= 1.2 && sq / m >= 1.8,
        detail: `${(p8 / m).toFixed(2)}× xargs, ${(sq / m).toFixed(2)}× sequential; ${cpuText}; ${floor}`,
      });
    }
  } finally {
    labDown(file);
  }
}

/**
 * The yardstick prober, as a person scripts it: per source one `docker exec SRC sh -c` that pings all its targets at
 * once (a host: the same in its lab namespace), every source at once, a failed target tried again up to 3 times.
 */
const HAND = 'for t in "$@"; do (ping -c 1 -W 1 "$t" >/dev/null 2>&1 && echo "ok $t" || echo "no $t") & done; wait';
async function handProbe(file: string, lab: string): Promise<{ ms: number; wrong: number; pairs: number }> {
  const p = JSON.parse(mv(['plan', '--offline', '--json', '-f', file]).out);
  const socks = new Map<string, string>(p.hosts.map((h: any) => [h.name, sockOf(file, h.name)]));
  const addr = new Map<string, string>([
    ...p.containers.map((c: any) => [c.id, c.ip]),
    ...p.hosts.map((h: any) => [h.name, h.address]),
  ]);
  const probe = (from: string, targets: string[]) =>
    new Promise<Set<string>>((resolve) => {
      const [host, name] = from.split('/');
      const args = name
        ? ['docker', '-H', socks.get(host)!, 'exec', name, 'sh', '-c', HAND, 'p', ...targets]
        : ['nsenter', `--net=/run/netns/${hostNs(lab, host)}`, 'sh', '-c', HAND, 'p', ...targets];
      let out = '';
      const c = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
      c.stdout.on('data', (d) => {
        out += d;
      });
      c.on('close', () =>
        resolve(
          new Set(
            out
              .split('\n')
              .filter((l) => l.startsWith('ok '))
              .map((l) => l.slice(3)),
          ),
        ),
      );
    });
  const pairs: { from: string; to: string; expected: string }[] = p.pairs;
  const bySource = new Map<string, string[]>();
  for (const x of pairs) bySource.set(x.from, [...(bySource.get(x.from) ?? []), addr.get(x.to)!]);
  const t0 = performance.now();
  const ok = new Set<string>();
  await Promise.all(
    [...bySource].map(async ([from, targets]) => {
      let left = targets;
      for (let i = 0; i < 3 && left.length > 0; i++) {
        const got = await probe(from, left);
        for (const t of got) ok.add(`${from}>${t}`);
        left = left.filter((t) => !got.has(t));
      }
    }),
  );
  const ms = performance.now() - t0;
  const wrong = pairs.filter((x) => (x.expected === 'reachable') !== ok.has(`${x.from}>${addr.get(x.to)}`)).length;
  return { ms, wrong, pairs: pairs.length };
}

/** Rows 4 and 5: verify against the hand-written prober; every mismatch on a correct lab is a false answer. */
async function verifyRow(file: string, lab: string, label: string, runs: number, target: number): Promise<void> {
  labUp(file);
  try {
    mv(['apply', '-f', file]);
    const mine: number[] = [];
    let wrong = 0;
    let pairs = 0;
    for (let i = 0; i < runs; i++) {
      const r = mv(['verify', '-f', file, '--json'], [0, 1]);
      const j = JSON.parse(r.out);
      mine.push(r.ms);
      wrong += j.mismatches;
      pairs = j.pairs.length;
    }
    const hand = [];
    for (let i = 0; i < Math.min(runs, SHORT ? 1 : 3); i++) hand.push(await handProbe(file, lab));
    const m = median(mine);
    const h = median(hand.map((x) => x.ms));
    rows.push({
      work: `${label} (${pairs} pairs)`,
      mvnet: `${s(m)}, ${wrong} false answers in ${runs} runs`,
      yardstick: `hand-written parallel \`docker exec\` probes, 3 tries: ${s(h)}, ${hand.map((x) => x.wrong).join('/')} false`,
      target: `≤ ${s(target)}, 0 false answers`,
      met: m <= target && wrong === 0,
      detail: `${(h / m).toFixed(2)}× the prober`,
    });
    mv(['destroy', '-f', file]);
  } finally {
    labDown(file);
  }
}

/** The yardstick for lab up: the dockerds started by hand, one namespace each, until each answers. */
async function dockerdsByHand(count: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'mvnet-bench-dockerd-'));
  const names = Array.from({ length: count }, (_, i) => `mvb${process.pid}_${i}`);
  const procs: ReturnType<typeof spawn>[] = [];
  const t0 = performance.now();
  try {
    for (const ns of names) {
      spawnSync('ip', ['netns', 'add', ns]);
      spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      const d = join(dir, ns);
      mkdirSync(d);
      procs.push(
        spawn(
          'nsenter',
          [
            `--net=/run/netns/${ns}`,
            'dockerd',
            '-H',
            `unix://${d}/docker.sock`,
            '--data-root',
            `${d}/data`,
            '--exec-root',
            `${d}/exec`,
            '--pidfile',
            `${d}/docker.pid`,
            '--bridge=none',
            '--iptables=false',
            '--ip-masq=false',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const ns of names) {
      while (
        spawnSync('docker', ['-H', `unix://${join(dir, ns)}/docker.sock`, 'version'], { stdio: 'ignore' }).status !== 0
      ) {
        if (performance.now() - t0 > 30_000) throw new Error(`the dockerd in ${ns} did not answer in 30 s`);
        spawnSync('sleep', ['0.02']);
      }
    }
    return performance.now() - t0;
  } finally {
    // the processes started here, and only they, by their recorded handles; waited for before their folders go
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) {
              resolve();
              return;
            }
            p.on('exit', () => resolve());
            p.kill('SIGTERM');
          }),
      ),
    );
    for (const ns of names) spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The LAN check's yardstick, as a person tests it by hand on two hosts: in each host a macvlan on the LAN
 * interface moved into a namespace of its own with a link-local address, a ping each way, the namespaces removed.
 */
function handLanCheck(lab: string, hosts: string[]): { ms: number; crossed: boolean } {
  const ns = hosts.map((_, i) => `mvbc${process.pid % 100000}_${i}`);
  const t0 = performance.now();
  let crossed = true;
  try {
    hosts.forEach((h, i) => {
      spawnSync('ip', ['netns', 'add', ns[i]]);
      spawnSync('ip', [
        '-n',
        hostNs(lab, h),
        'link',
        'add',
        'mvbc0',
        'link',
        'ens33',
        'type',
        'macvlan',
        'mode',
        'bridge',
      ]);
      spawnSync('ip', ['-n', hostNs(lab, h), 'link', 'set', 'mvbc0', 'netns', ns[i]]);
      spawnSync('ip', ['-n', ns[i], 'addr', 'add', `169.254.231.${i + 1}/24`, 'dev', 'mvbc0']);
      spawnSync('ip', ['-n', ns[i], 'link', 'set', 'mvbc0', 'up']);
    });
    hosts.forEach((_, i) =>
      hosts.forEach((__, j) => {
        if (i === j) return;
        const r = spawnSync('ip', ['netns', 'exec', ns[i], 'ping', '-c', '1', '-W', '1', `169.254.231.${j + 1}`], {
          stdio: 'ignore',
        });
        crossed &&= r.status === 0;
      }),
    );
    return { ms: performance.now() - t0, crossed };
  } finally {
    for (const n of ns) spawnSync('ip', ['netns', 'del', n]);
  }
}

/** The LAN check: mvnet check, and what it adds to a first apply (against apply --no-check), vs the hand probe. */
function checkRow(): void {
  const lab = `bc${process.pid % 1000}`;
  const d = mkdtempSync(join(tmpdir(), 'mvnet-bench-check-'));
  const file = join(d, 'seed.yaml');
  writeFileSync(file, readFileSync('examples/seed.yaml', 'utf8').replace(/^name:.*$/m, `name: ${lab}`));
  labUp(file);
  try {
    const checks: number[] = [];
    const hand: number[] = [];
    for (let i = 0; i < N; i++) {
      checks.push(mv(['check', '-f', file]).ms);
      const h = handLanCheck(lab, ['host1', 'host2']);
      if (!h.crossed) throw new Error('the hand probe did not cross the lab LAN');
      hand.push(h.ms);
    }
    // apply's share: a first apply (empty memo) against the same apply without the check
    const first: number[] = [];
    const skip: number[] = [];
    for (let i = 0; i < N; i++) {
      const env = { ...process.env, XDG_CACHE_HOME: mkdtempSync(join(d, 'cache-')) };
      const t0 = performance.now();
      spawnSync(MV, ['apply', '-f', file], { env, stdio: 'ignore' });
      first.push(performance.now() - t0);
      mv(['destroy', '-f', file]);
      skip.push(mv(['apply', '-f', file, '--no-check']).ms);
      mv(['destroy', '-f', file]);
    }
    const c = median(checks);
    const h = median(hand);
    const extra = median(first) - median(skip);
    rows.push({
      work: 'LAN check, 2 hosts (mvnet check; a first apply on new hosts)',
      mvnet: s(c),
      yardstick: `the same probe by hand in the hosts' namespaces (no Docker): ${s(h)}`,
      target: '≤ 3.5 s',
      met: c <= 3500,
      detail:
        `${(c / h).toFixed(1)}× the hand probe, which needs root on each host; a first apply ` +
        `${s(median(first))} vs ${s(median(skip))} with --no-check (+${s(extra)}), later applies remember the pair`,
    });
  } finally {
    labDown(file);
    rmSync(d, { recursive: true, force: true });
  }
}

/** Row 6: lab up, 2 and 8 hosts, ready = every engine answers with the probe image loaded. */
async function labRow(hosts: number, target: number): Promise<void> {
  const file = topologyFile(`bl${hosts}x${process.pid % 1000}`, hosts, 1);
  const mine: number[] = [];
  for (let i = 0; i < N; i++) {
    labs.push(file);
    mine.push(mv(['lab', 'up', '-f', file]).ms);
    labDown(file);
  }
  const hand: number[] = [];
  for (let i = 0; i < Math.min(N, 3); i++) hand.push(await dockerdsByHand(hosts));
  const h = median(hand);
  const m = median(mine);
  rows.push({
    work: `lab up, ${hosts} hosts ready`,
    mvnet: s(m),
    yardstick: `${hosts} \`dockerd\` started by hand, answering: ${s(h)}`,
    target: `≤ ${s(target)}`,
    met: m <= target,
    detail: `${(m / h).toFixed(2)}× the bare dockerds`,
  });
}

/** Scale: 8 × 50 on the lab, sampled verify and the full mesh (each its own row). */
function scaleRows(hosts: number, per: number): void {
  const file = topologyFile(`bs${process.pid % 1000}`, hosts, per);
  labUp(file);
  try {
    const a = mv(['apply', '-f', file]);
    const smp = mv(['verify', '-f', file, '--sample', '3', '--json'], [0, 1]);
    const sj = JSON.parse(smp.out);
    rows.push({
      work: `${hosts} × ${per}: verify --sample 3`,
      mvnet: `${s(smp.ms)}: ${sj.pairs.length} of ${sj.sample.of} pairs, ` + `${sj.mismatches} differ`,
      yardstick: `apply of the ${hosts * per} containers: ${s(a.ms)}`,
      target: 'seconds; every group pair covered',
      met: smp.ms < 10_000 && sj.mismatches === 0,
    });
    const full = mv(['verify', '-f', file, '--json'], [0, 1]);
    const fj = JSON.parse(full.out);
    rows.push({
      work: `${hosts} × ${per}: verify, full mesh`,
      mvnet: `${s(full.ms)} for ${fj.pairs.length} pairs, ${fj.mismatches} differ, ` + `${fj.rechecked} probed again`,
      yardstick: '-',
      target: 'works; time reported',
      met: fj.mismatches === 0,
    });
    mv(['destroy', '-f', file]);
  } finally {
    labDown(file);
  }
}

/**
 * Plan + predict of 1,000 hosts × 100 containers, in the compiled code users run (bench/scale.mjs on dist/, plain
 * node: tsx would add its own wrappers to every function). The file is read as JSON and, apart, as YAML.
 */
function planRow(): void {
  const big = { hosts: SHORT ? 100 : 1000, per: 100 };
  const once = (format: string) =>
    JSON.parse(run('node', ['bench/scale.mjs', String(big.hosts), String(big.per), format]).out) as {
      load: number;
      plan: number;
      predict: number;
      pairs: number;
      bytes: number;
    };
  const runs = Array.from({ length: SHORT ? 1 : 3 }, () => once('json'));
  const pick = runs.sort((a, b) => a.plan + a.predict - (b.plan + b.predict))[Math.floor((runs.length - 1) / 2)];
  const y = once('yaml');
  const core = pick.plan + pick.predict;
  rows.push({
    work: `plan + predict, ${big.hosts} hosts × ${big.per} containers`,
    mvnet:
      `${s(core)} (plan ${s(pick.plan)}, predict ${s(pick.predict)}; every one of the ${(big.hosts * 2) ** 2 / 1e6}M ` +
      `group pairs judged, ${pick.pairs.toLocaleString('en')} endpoint pairs); reading the file: ${s(pick.load)} as JSON ` +
      `(${(pick.bytes / 1e6).toFixed(1)} MB), ${s(y.load)} as YAML`,
    yardstick: '-',
    target: '< 2 s',
    met: core < 2000,
    detail: `with the JSON file read: ${s(core + pick.load)}; with the YAML file read: ${s(y.load + y.plan + y.predict)}`,
  });
}

function machine(): string {
  const dv = spawnSync('dockerd', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return `${cpus().length} cores (${cpus()[0]?.model.trim()}), Linux ${release()}, ${dv}, node ${process.version}`;
}

function report(): void {
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    `Measured ${when} UTC${SHORT ? ' (short mode: one run each, small sizes)' : ''} on ${machine()}.`,
    '',
    '| work | mvnet | yardstick in the same run | target | met |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.work} | ${r.mvnet}${r.detail ? ` (${r.detail})` : ''} | ${r.yardstick} | ${r.target} | ${r.met ? 'yes' : 'NO'} |`,
    ),
  ];
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'RESULTS.md'), `${lines.join('\n')}\n`);
  writeFileSync(
    join(OUT, 'results.json'),
    `${JSON.stringify({ when, short: SHORT, machine: machine(), rows }, null, 2)}\n`,
  );
  console.log(lines.join('\n'));
}

const seedLab = `bseed${process.pid % 1000}`;
const seedFile = (() => {
  const d = mkdtempSync(join(tmpdir(), 'mvnet-bench-seed-'));
  const f = join(d, 'seed.yaml');
  writeFileSync(f, readFileSync('examples/seed.yaml', 'utf8').replace(/^name:.*$/m, `name: ${seedLab}`));
  return f;
})();

/** A row that fails is reported as failed, with its error, and the others still run. */
async function row(work: string, f: () => unknown): Promise<void> {
  if (ONLY && !work.includes(ONLY)) return;
  try {
    await f();
  } catch (e) {
    const lines = (e as Error).message
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const why = [lines[0], ...lines.filter((l) => /^(error|fix)/.test(l))]
      .join(' / ')
      .replace(/\|/g, '/')
      .slice(0, 400);
    rows.push({ work, mvnet: `failed: ${why}`, yardstick: '-', target: '-', met: false });
    for (const file of [...labs]) labDown(file);
  }
}

try {
  await row('start-up', startup);
  await row('apply the seed', () =>
    applyRow(seedFile, 'apply the seed on a fresh lab (2 networks, 4 containers)', false, N),
  );
  if (!SHORT)
    await row('apply 2 × 20', () =>
      applyRow(topologyFile(`ba${process.pid % 1000}`, 2, 20), 'apply 2 × 20 containers', true, 3),
    );
  await row('verify the seed', () => verifyRow(seedFile, seedLab, 'verify the seed', N, 1200));
  if (!SHORT) {
    const f = topologyFile(`bv${process.pid % 1000}`, 2, 20);
    await row('verify 2 × 20', () => verifyRow(f, `bv${process.pid % 1000}`, 'verify 2 × 20 full mesh', 10, 3000));
  }
  await row('LAN check', checkRow);
  await row('lab up, 2 hosts', () => labRow(2, 1000));
  if (!SHORT) await row('lab up, 8 hosts', () => labRow(8, 3000));
  await row('scale on the lab', () => scaleRows(SHORT ? 2 : 8, SHORT ? 3 : 50));
  await row('plan + predict', planRow);
} finally {
  for (const f of [...labs]) labDown(f);
  report();
}
if (rows.some((r) => r.mvnet.startsWith('failed'))) process.exitCode = 1;
