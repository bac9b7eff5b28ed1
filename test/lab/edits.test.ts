/**
 * Randomized, seeded edits and interrupts on the real lab. Each step edits the topology (rename, move or re-address
 * a container, rename the network, change subnet or mode, routed <-> macvlan, host access on/off, add, remove,
 * rename, reorder hosts or move one to another engine), applies it (with,
 * at random, a SIGINT or SIGKILL during apply or destroy first), then checks through the Docker API: no duplicate
 * address in the cluster, exactly the planned containers of the topology, foreign containers untouched, a
 * second apply with nothing to change, and (through `ip -j` in each host) exactly the planned routes and shims and
 * no helper container left. MVNET_EDIT_SEED (a number, or `random`) and MVNET_EDIT_STEPS replay, vary or
 * lengthen a run.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PROBE_CMD, PROBE_IMAGE } from '../../src/engine/image.ts';
import { hostNs } from '../../src/lab/paths.ts';
import { docker, ipJson, LAB_ROOT, labTopology, mv, mvJson, ROOT, test } from './helpers.ts';

// a fixed default keeps CI reproducible (interrupt timing still varies run to run); MVNET_EDIT_SEED=random explores
const SEED =
  process.env.MVNET_EDIT_SEED === 'random' ? Date.now() % 1_000_000 : Number(process.env.MVNET_EDIT_SEED ?? 4628);
const STEPS = Number(process.env.MVNET_EDIT_STEPS ?? 30);
const ENGINES = [1, 2, 3];
const LAB = 'oedit';
const TOPO = 'oedit-t';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Host {
  name: string;
  engine: number;
  containers: { name: string; last?: number }[];
}
interface Doc {
  net: string;
  sub: number;
  mode: string;
  routed: boolean;
  hostAccess: boolean;
  hosts: Host[];
}

function yamlOf(d: Doc): string {
  const hosts: Record<string, unknown> = {};
  for (const h of d.hosts) {
    hosts[h.name] = {
      address: `192.168.140.${199 + h.engine}`,
      interface: 'ens33',
      docker: `unix://${LAB_ROOT}/${LAB}/n${h.engine}/docker.sock`,
      ranges: { [d.net]: `10.${d.sub}.${h.engine}.0/24` },
      containers: Object.fromEntries(
        h.containers.map((c) => [
          c.name,
          {
            network: d.net,
            ...(c.last ? { ip: `10.${d.sub}.${h.engine}.${c.last}` } : {}),
          },
        ]),
      ),
    };
  }
  return stringify({
    name: TOPO,
    lan: '192.168.140.0/24',
    networks: {
      [d.net]: d.routed
        ? { driver: 'routed', subnet: `10.${d.sub}.0.0/16` }
        : {
            subnet: `10.${d.sub}.0.0/16`,
            parent: 'ens33',
            mode: d.mode,
            ...(d.hostAccess ? { hostAccess: true } : {}),
          },
    },
    hosts,
  });
}

type Edit = [string, (d: Doc) => string | null];

/** The edits of containers: add, remove, rename, move to another host, change the address. */
function containerEdits(
  r: () => number,
  pick: <T>(xs: T[]) => T,
  fresh: () => string,
  freeLast: (h: Host) => number,
): Edit[] {
  return [
    [
      'add a container',
      (d) => {
        const h = pick(d.hosts);
        const c = fresh();
        h.containers.push({ name: c });
        return `${h.name}/${c}`;
      },
    ],
    [
      'remove a container',
      (d) => {
        const h = pick(d.hosts.filter((x) => x.containers.length > 0));
        if (!h) return null;
        const c = h.containers.splice(Math.floor(r() * h.containers.length), 1)[0];
        return `${h.name}/${c.name}`;
      },
    ],
    [
      'rename a container',
      (d) => {
        const h = pick(d.hosts);
        const c = pick(h.containers);
        if (!c) return null;
        const o = c.name;
        c.name = fresh();
        return `${h.name}/${o} -> ${c.name}`;
      },
    ],
    [
      'move a container',
      (d) => {
        if (d.hosts.length < 2) return null;
        const from = pick(d.hosts.filter((x) => x.containers.length > 0));
        if (!from) return null;
        const to = pick(d.hosts.filter((x) => x !== from));
        const c = from.containers.splice(Math.floor(r() * from.containers.length), 1)[0];
        to.containers.push({ name: c.name });
        return `${c.name}: ${from.name} -> ${to.name}`;
      },
    ],
    [
      'change an address',
      (d) => {
        const h = pick(d.hosts);
        const c = pick(h.containers);
        if (!c) return null;
        c.last = freeLast(h);
        return `${h.name}/${c.name} .${c.last}`;
      },
    ],
  ];
}

function editor(r: () => number) {
  let n = 0;
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const fresh = () => `c${++n}`;
  const freeLast = (h: Host) => {
    const used = new Set(h.containers.map((c) => c.last));
    let x: number;
    do x = 50 + Math.floor(r() * 150);
    while (used.has(x));
    return x;
  };
  const edits: Edit[] = [
    ...containerEdits(r, pick, fresh, freeLast),
    [
      'rename the network',
      (d) => {
        d.net = d.net === 'lan-a' ? 'lan-b' : 'lan-a';
        return d.net;
      },
    ],
    [
      'change the subnet',
      (d) => {
        d.sub = d.sub === 100 ? 101 : 100;
        return `10.${d.sub}.0.0/16`;
      },
    ],
    [
      'change the mode',
      (d) => {
        d.mode = pick(['bridge', 'private', 'vepa'].filter((m) => m !== d.mode));
        return d.mode;
      },
    ],
    [
      'add a host',
      (d) => {
        const free = ENGINES.filter((e) => !d.hosts.some((h) => h.engine === e));
        if (!free.length) return null;
        const e = pick(free);
        d.hosts.push({ name: `h${e}-${++n}`, engine: e, containers: [{ name: fresh() }] });
        return `engine n${e}`;
      },
    ],
    [
      'remove a host',
      (d) => {
        if (d.hosts.length < 2) return null;
        const h = d.hosts.splice(Math.floor(r() * d.hosts.length), 1)[0];
        return h.name;
      },
    ],
    [
      'rename a host',
      (d) => {
        const h = pick(d.hosts);
        const o = h.name;
        h.name = `h${h.engine}-${++n}`;
        return `${o} -> ${h.name}`;
      },
    ],
    [
      'switch routed <-> macvlan',
      (d) => {
        d.routed = !d.routed;
        return d.routed ? 'routed' : 'macvlan';
      },
    ],
    [
      'host access on/off',
      (d) => {
        if (d.routed) return null;
        d.hostAccess = !d.hostAccess;
        return d.hostAccess ? 'on' : 'off';
      },
    ],
    [
      'move a host to another engine',
      (d) => {
        const free = ENGINES.filter((e) => !d.hosts.some((h) => h.engine === e));
        if (!free.length) return null;
        const h = pick(d.hosts);
        const from = h.engine;
        h.engine = pick(free);
        for (const c of h.containers) delete c.last;
        return `${h.name}: n${from} -> n${h.engine}`;
      },
    ],
    [
      'reorder the hosts',
      (d) => {
        d.hosts.reverse();
        return d.hosts.map((h) => h.name).join(',');
      },
    ],
  ];
  return { edits, pick, fresh };
}

async function ourContainers(): Promise<string[]> {
  const out: string[] = [];
  for (const e of ENGINES) {
    const cs = await docker(LAB, `n${e}`).listContainers({
      all: true,
      filters: { label: [`mvnet.topology=${TOPO}`, 'mvnet.kind=container'] },
    });
    for (const c of cs) out.push(`n${e} ${c.Labels['mvnet.host']}/${c.Names[0].slice(1)}`);
  }
  return out.sort();
}

async function addresses(): Promise<string[]> {
  const out: string[] = [];
  for (const e of ENGINES) {
    for (const c of await docker(LAB, `n${e}`).listContainers({ all: true })) {
      for (const n of Object.values(c.NetworkSettings.Networks)) if (n.IPAddress) out.push(n.IPAddress);
    }
  }
  return out;
}

/**
 * Host plumbing is exactly the plan's, on every engine: routes of mvnet's protocol only where the network is routed
 * (to each other host's range), shims only where host access is on, and no helper container left by a killed run.
 */
async function auditPlumbing(d: Doc, fail: (m: string) => string): Promise<void> {
  for (const e of ENGINES) {
    const ns = hostNs(LAB, `n${e}`);
    const me = d.hosts.find((h) => h.engine === e);
    const routes = ipJson(ns, 'route', 'show', 'proto', '77')
      .map((r: any) => r.dst)
      .sort();
    const wantRoutes =
      me && d.routed
        ? d.hosts
            .filter((h) => h !== me)
            .map((h) => `10.${d.sub}.${h.engine}.0/24`)
            .sort()
        : [];
    assert.deepEqual(routes, wantRoutes, fail(`n${e}: routes of mvnet's protocol`));
    const shims = ipJson(ns, 'link', 'show').filter((l: any) => (l.ifalias ?? '').startsWith(`mvnet:${TOPO}/`));
    assert.equal(shims.length, me && d.hostAccess && !d.routed ? 1 : 0, fail(`n${e}: shims ${JSON.stringify(shims)}`));
    const helpers = await docker(LAB, `n${e}`).listContainers({
      all: true,
      filters: { label: [`mvnet.topology=${TOPO}`, 'mvnet.kind=helper'] },
    });
    assert.deepEqual(
      helpers.map((h) => h.Names[0]),
      [],
      fail(`n${e}: helper containers left`),
    );
  }
}

function interrupted(args: string[], afterMs: number, signal: NodeJS.Signals): Promise<number> {
  return new Promise((res) => {
    const p = spawn(join(ROOT, 'bin/mvnet'), args, { stdio: 'ignore' });
    const timer = setTimeout(() => p.kill(signal), afterMs);
    p.on('close', (code, sig) => {
      clearTimeout(timer);
      res(code ?? (sig ? -1 : 0));
    });
  });
}

test(`randomized edits and interrupts converge (seed ${SEED}, ${STEPS} steps)`, { timeout: 20 * 60_000 }, async (t) => {
  const lab = labTopology(t, 'seed.yaml', LAB, (d) => {
    d.hosts = Object.fromEntries(ENGINES.map((e) => [`n${e}`, { address: `192.168.140.${199 + e}`, containers: {} }]));
  });
  assert.equal(mv('lab', 'up', '-f', lab.file).status, 0);
  // routed networks need forwarding hosts (a machine's setting, made once as an admin would)
  for (const e of ENGINES)
    assert.equal(
      spawnSync('ip', ['netns', 'exec', hostNs(LAB, `n${e}`), 'sysctl', '-qw', 'net.ipv4.ip_forward=1']).status,
      0,
    );
  const file = join(lab.file, '..', 'edited.yaml');
  t.after(() => mv('destroy', '-f', file));
  const r = rng(SEED);
  const { edits, pick, fresh } = editor(r);
  // foreign neighbours: one per engine, never to be touched
  const foreign = new Map<number, string>();
  for (const e of ENGINES) {
    const c = await docker(LAB, `n${e}`).createContainer({
      name: `foreign-${e}`,
      Image: PROBE_IMAGE,
      Cmd: PROBE_CMD,
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    foreign.set(e, c.id);
  }
  const doc: Doc = {
    net: 'lan-a',
    sub: 100,
    mode: 'bridge',
    routed: false,
    hostAccess: false,
    hosts: [
      { name: 'h1-0', engine: 1, containers: [{ name: fresh() }, { name: fresh() }] },
      { name: 'h2-0', engine: 2, containers: [{ name: fresh() }] },
    ],
  };
  const log: string[] = [];
  const fail = (msg: string) =>
    `${msg}\n  seed ${SEED} (replay: MVNET_EDIT_SEED=${SEED}); steps:\n    ${log.join('\n    ')}`;
  for (let step = 0; step < STEPS; step++) {
    const [what, fn] = pick(edits);
    const said = fn(doc);
    if (said === null) {
      step--;
      continue;
    }
    writeFileSync(file, yamlOf(doc));
    const roll = r();
    let how = 'apply';
    if (roll < 0.35) {
      const sig: NodeJS.Signals = r() < 0.5 ? 'SIGINT' : 'SIGKILL';
      const cmd = r() < 0.75 ? 'apply' : 'destroy';
      const ms = 300 + Math.floor(r() * 1500);
      const code = await interrupted([cmd, '-f', file], ms, sig);
      how = `${cmd} + ${sig} after ${ms} ms (exit ${code}), then apply`;
    }
    log.push(`${step + 1}. ${what}: ${said}; ${how}`);
    const a = mv('apply', '-f', file);
    assert.equal(a.status, 0, fail(`apply failed: ${a.stderr}`));
    const again = mvJson('apply', '-f', file);
    assert.equal(again.json.changed, 0, fail(`second apply changed ${JSON.stringify(again.json.changes)}`));
    const ips = await addresses();
    assert.equal(new Set(ips).size, ips.length, fail(`duplicate address: ${ips.sort().join(' ')}`));
    const want = doc.hosts.flatMap((h) => h.containers.map((c) => `n${h.engine} ${h.name}/${c.name}`)).sort();
    assert.deepEqual(await ourContainers(), want, fail("the topology's containers are not exactly the planned ones"));
    for (const [e, id] of foreign) {
      const f = await docker(LAB, `n${e}`).getContainer(id).inspect();
      assert.equal(f.State.Running, true, fail(`foreign container on n${e} touched`));
    }
    await auditPlumbing(doc, fail);
  }
  t.diagnostic(`seed ${SEED}: ${log.length} steps\n${log.join('\n')}`);
  const d = mv('destroy', '-f', file);
  assert.equal(d.status, 0, fail(d.stderr));
  assert.deepEqual(await ourContainers(), []);
});
