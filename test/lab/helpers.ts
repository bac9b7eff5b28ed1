/** Helpers for tests on the real lab: topology copies with their own names, the CLI, guaranteed teardown. */
import { spawn, spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import Docker from 'dockerode';
import { test as nodeTest, type TestContext } from 'node:test';
import { labEndpoint, labNsPrefix, labRoot, socketPath } from '../../src/lab/paths.ts';
import { mountsUnder, processesNaming } from '../../src/lab/leftovers.ts';

export const ROOT = process.cwd();
export const LAB_ROOT = labRoot();

export interface Cli {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * The LAN-check memo of this test process (every mvnet it starts inherits it): its own folder, removed when the
 * process ends, so that tests never write to the user's ~/.cache.
 */
const TEST_CACHE = mkdtempSync(join(tmpdir(), 'mvnet-test-cache-'));
process.env.XDG_CACHE_HOME = TEST_CACHE;
process.on('exit', () => rmSync(TEST_CACHE, { recursive: true, force: true }));

export function mv(...args: string[]): Cli {
  const r = spawnSync(join(ROOT, 'bin/mvnet'), args, { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function mvJson<T = any>(...args: string[]): { status: number; json: T; stderr: string } {
  const r = mv(...args, '--json');
  let json: T;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.status}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 500)}`);
  }
  return { status: r.status, json, stderr: r.stderr };
}

/** A copy of an example under a fresh name, torn down (destroy + lab down) when the test ends. */
export function labTopology(
  t: TestContext,
  example: string,
  name: string,
  mutate?: (d: any) => void,
): { file: string; name: string; doc: any; write: (d: any) => void } {
  const dir = mkdtempSync(join(tmpdir(), `mvnet-${name}-`));
  const doc = parse(readFileSync(join(ROOT, 'examples', example), 'utf8'));
  doc.name = name;
  mutate?.(doc);
  const file = join(dir, 'topology.yaml');
  const write = (d: any) => writeFileSync(file, stringify(d));
  write(doc);
  t.after(() => {
    mv('lab', 'down', '-f', file);
    rmSync(dir, { recursive: true, force: true });
  });
  return { file, name, doc, write };
}

export function docker(lab: string, host: string): Docker {
  return new Docker({ socketPath: socketPath(lab, host) });
}

export function namespaces(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
}

export function ipJson(ns: string, ...args: string[]): any[] {
  const r = spawnSync('ip', ['-n', ns, '-j', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/** Nothing of a lab is left: namespaces, processes, mounts, folder. */
export function assertNothingLeft(name: string): string[] {
  const left: string[] = [];
  const dir = join(LAB_ROOT, name);
  for (const ns of namespaces()) if (ns.startsWith(labNsPrefix(name))) left.push(`namespace ${ns}`);
  for (const p of processesNaming(dir)) left.push(`process ${p}`);
  for (const m of mountsUnder(dir)) left.push(`mount ${m}`);
  if (existsSync(dir)) left.push(`folder ${dir}`);
  return left;
}

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { stdio: 'ignore' });
    p.on('close', (c) => res(c ?? 1));
  });
}

/** Plain `docker exec ping` (or ping in the host namespace), with two retries against ARP warm-up. */
export async function oracle(
  file: string,
  lab: string,
  plan: any,
  from: string,
  to: string,
  family?: number,
): Promise<string> {
  const c = plan.containers.find((x: any) => x.id === to);
  // an IPv6 pair pings the container's IPv6 address (from the plan), never mvnet's probe
  const addr = family === 6 ? c.ip6 : (c?.ip ?? plan.hosts.find((h: any) => h.name === to).address);
  const [host, name] = from.split('/');
  const argv: [string, string[]] = name
    ? ['docker', ['-H', labEndpoint(lab, host), 'exec', name, 'ping', '-c', '1', '-W', '1', addr]]
    : [join(ROOT, 'bin/mvnet'), ['lab', 'exec', '-f', file, host, '--', 'ping', '-c', '1', '-W', '1', addr]];
  for (let i = 0; i < 3; i++) if ((await run(...argv)) === 0) return 'reachable';
  return 'unreachable';
}

export async function agreeWithOracle(file: string, lab: string, pairs: any[]) {
  const plan = mvJson('plan', '-f', file, '--offline').json;
  const wrong: string[] = [];
  for (let i = 0; i < pairs.length; i += 12) {
    await Promise.all(
      pairs.slice(i, i + 12).map(async (p) => {
        const truth = await oracle(file, lab, plan, p.from, p.to, p.family);
        if (truth !== p.actual)
          wrong.push(`${p.from}->${p.to}${p.family ? ' (IPv6)' : ''} truth=${truth} actual=${p.actual}`);
      }),
    );
  }
  assert.deepEqual(wrong, []);
}

/**
 * Why the lab tests cannot run here, or false: the lab makes network namespaces (root) and runs dockerd. A lab
 * test is skipped with this reason rather than failing on a machine without them.
 */
export const LAB_SKIP: string | false = (() => {
  if (process.getuid?.() !== 0)
    return 'the lab needs root (network namespaces, dockerd): run as root, or scripts/setup.sh';
  const d = spawnSync('dockerd', ['--version'], { encoding: 'utf8' });
  if (d.status !== 0) return 'the lab needs dockerd: apt-get install docker.io (scripts/setup.sh does)';
  return false;
})();

type TestFn = (t: TestContext) => void | Promise<void>;
/** node:test's `test`, skipped with LAB_SKIP's reason where the lab cannot run. */
export function test(name: string, a: TestFn | { skip?: string | boolean; timeout?: number }, b?: TestFn): void {
  const [opts, fn] = typeof a === 'function' ? [{}, a] : [a, b!];
  nodeTest(name, { ...opts, skip: LAB_SKIP || opts.skip }, fn);
}
