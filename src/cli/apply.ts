/** `mvnet apply` and `mvnet destroy`. */
import { apply, destroy } from '../engine/apply.ts';
import { applySwarm, destroySwarm } from '../engine/swarm.ts';
import { plan as makePlan } from '../plan/allocate.ts';
import type { Change } from '../engine/diff.ts';
import { context, livePlan, withLock } from './context.ts';
import { printJson } from './output.ts';
import { progress } from './progress.ts';

export function describeChange(c: Change): string {
  return `${c.host}: ${c.action} ${c.kind} ${c.name} (${c.reason}${c.drift ? ', drift' : ''})`;
}

export async function applyCommand(o: { file: string; json?: boolean; wait?: string }): Promise<number> {
  const ctx = context(o.file);
  const say = progress(o.json);
  const report = (c: Change, state: 'start' | 'done') => { if (state === 'done') say(describeChange(c)); };
  const { plan, r } = await withLock(ctx, 'mvnet apply', Number(o.wait ?? 0), async () => {
    const { plan, live } = await livePlan(ctx);
    if (plan.engine === 'swarm') {
      const t0 = Date.now();
      const changes = await applySwarm(plan, ctx.hosts, report);
      return { plan, r: { changes, ms: Date.now() - t0 } };
    }
    return { plan, r: await apply(plan, ctx.hosts, live, report) };
  });
  if (o.json) printJson({ topology: ctx.topo.name, changed: r.changes.length, changes: r.changes.map(({ liveId: _, ...c }) => c), ms: r.ms });
  else if (r.changes.length === 0) process.stdout.write(`nothing to change: ${plan.hosts.length} hosts, ${plan.engine === 'swarm' ? `${plan.services.length} services` : `${plan.containers.length} containers`} already as planned (${r.ms} ms)\n`);
  else process.stdout.write(`applied ${r.changes.length} change${r.changes.length > 1 ? 's' : ''} on ${new Set(r.changes.map((c) => c.host)).size} host(s) in ${(r.ms / 1000).toFixed(1)} s\n`);
  return 0;
}

export async function destroyCommand(o: { file: string; json?: boolean; wait?: string }): Promise<number> {
  const ctx = context(o.file);
  const say = progress(o.json);
  const r = await withLock(ctx, 'mvnet destroy', Number(o.wait ?? 0), async () => {
    const swarm = ctx.topo.engine === 'swarm' ? await destroySwarm(makePlan(ctx.topo), ctx.hosts, say) : [];
    const rest = await destroy(ctx.topo.name, ctx.hosts, say);
    return { removed: [...swarm, ...rest.removed] };
  });
  if (o.json) printJson({ topology: ctx.topo.name, removed: r.removed });
  else process.stdout.write(r.removed.length ? `removed ${r.removed.length} object(s) that topology ${ctx.topo.name} owns\n` : `nothing of topology ${ctx.topo.name} on its hosts\n`);
  return 0;
}
