/** Apply and destroy: converge every host to the plan at once, touching only what the labels say mvnet owns. */
import { HostError } from '../errors.ts';
import type { Plan } from '../plan/types.ts';
import { onAll, readLive } from './cluster.ts';
import { desiredFor, type Desired } from './desired.ts';
import { diffHost, type Change, type Live } from './diff.ts';
import type { Engine } from './engine.ts';
import { L } from './labels.ts';
import { preflight } from './preflight.ts';
import { ensureShim, liveShims, removeShim } from './shim.ts';
import { ensureHelperImage } from './image.ts';

export type Report = (c: Change, state: 'start' | 'done') => void;

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const errors: unknown[] = [];
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) {
      const t = items[i++];
      try { await fn(t); } catch (e) { errors.push(e); }
    }
  }));
  if (errors.length) throw errors[0];
}

export function desiredAll(plan: Plan): Map<string, Desired> {
  return new Map(plan.hosts.map((h) => [h.name, desiredFor(plan, h)]));
}

export function changesFor(plan: Plan, live: Map<string, Live>): Change[] {
  const wants = desiredAll(plan);
  return plan.hosts.flatMap((h) => diffHost(wants.get(h.name)!, live.get(h.name)!));
}

/** Executes the changes of one host in a safe order. */
async function applyHost(e: Engine, topology: string, want: Desired, changes: Change[], report: Report): Promise<void> {
  const step = async (c: Change, fn: () => Promise<unknown>) => {
    report(c, 'start');
    try { await fn(); } catch (err) {
      throw err instanceof HostError ? err : new HostError(e.host, `${c.action} ${c.kind} ${c.name}: ${(err as Error).message}`);
    }
    report(c, 'done');
  };
  const cont = changes.filter((c) => c.kind === 'container');
  const nets = changes.filter((c) => c.kind === 'network');
  const shims = changes.filter((c) => c.kind === 'shim');
  // 1. containers that go away or are remade
  await pool(cont.filter((c) => c.action === 'remove' || c.action === 'recreate'), 8, (c) => e.removeContainer(c.liveId!));
  for (const c of cont.filter((x) => x.action === 'remove')) report(c, 'done');
  // 2. networks that go away or are remade
  for (const n of nets.filter((c) => c.action === 'remove' || c.action === 'recreate')) await e.removeNetwork(n.liveId!);
  for (const c of nets.filter((x) => x.action === 'remove')) report(c, 'done');
  for (const s of shims.filter((c) => c.action === 'remove')) await step(s, () => removeShim(e, topology, s.name));
  // 3. networks, shims, 4. containers, 5. restarts
  for (const n of nets.filter((c) => c.action === 'create' || c.action === 'recreate')) {
    await step(n, () => e.createNetwork(want.networks.find((x) => x.name === n.name)!));
  }
  for (const s of shims.filter((c) => c.action === 'create' || c.action === 'recreate')) {
    await step(s, () => ensureShim(e, topology, want.shims.find((x) => x.name === s.name)!));
  }
  await pool(cont.filter((c) => c.action === 'create' || c.action === 'recreate'), 8, (c) => step(c, () => e.runContainer(want.containers.find((x) => x.name === c.name)!)));
  await pool(cont.filter((c) => c.action === 'start'), 8, (c) => step(c, () => e.startContainer(c.liveId!)));
}

export interface ApplyResult { changes: Change[]; ms: number }

export async function apply(plan: Plan, hosts: Map<string, Engine>, live: Map<string, Live>, report: Report = () => {}): Promise<ApplyResult> {
  const t0 = Date.now();
  const wants = desiredAll(plan);
  const changes = changesFor(plan, live);
  if (changes.length === 0) return { changes, ms: Date.now() - t0 };
  await preflight(hosts, plan.name, wants, Object.fromEntries(plan.networks.map((n) => [n.name, n.mode])), new Set(plan.hosts.filter((h) => h.forward).map((h) => h.name)));
  await onAll(hosts, (e) => applyHost(e, plan.name, wants.get(e.host)!, changes.filter((c) => c.host === e.host), report), 'apply');
  return { changes, ms: Date.now() - t0 };
}

/** Removes exactly what this topology's labels own, on every host. */
export async function destroy(topology: string, hosts: Map<string, Engine>, report: (msg: string) => void = () => {}): Promise<{ removed: string[] }> {
  const removed: string[] = [];
  await onAll(hosts, async (e) => {
    const live = await readLive(e, topology);
    const helpers = await e.containers({ [L.topology]: topology, [L.kind]: 'helper' });
    await pool([...live.containers, ...helpers], 8, async (c) => {
      await e.removeContainer(c.id);
      removed.push(`${e.host}/${c.name}`);
      report(`${e.host}: removed container ${c.name}`);
    });
    for (const n of live.networks) {
      await e.removeNetwork(n.id);
      removed.push(`${e.host}: network ${n.name}`);
      report(`${e.host}: removed network ${n.name}`);
    }
    await ensureHelperImage(e);
    for (const s of await liveShims(e, topology)) {
      await removeShim(e, topology, s.name);
      removed.push(`${e.host}: shim ${s.name}`);
      report(`${e.host}: removed shim ${s.name}`);
    }
  }, 'destroy');
  return { removed };
}
