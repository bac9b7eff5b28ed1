/** `mvnet plan`: the plan, the predicted matrix, and the diff against the live hosts when they answer. */
import { changesFor } from '../engine/apply.ts';
import { readSwarm, swarmChanges, withTasks } from '../engine/swarm.ts';
import type { Change } from '../engine/diff.ts';
import { plan as makePlan } from '../plan/allocate.ts';
import type { Plan } from '../plan/types.ts';
import { predict } from '../predict/predict.ts';
import { planJson, planText } from '../render/plan.ts';
import { table } from '../render/tables.ts';
import { context, livePlan } from './context.ts';
import { printJson } from './output.ts';

export interface PlanOptions { file: string; json?: boolean; offline?: boolean }

export async function planCommand(o: PlanOptions): Promise<number> {
  const ctx = context(o.file);
  let p: Plan = makePlan(ctx.topo);
  let changes: Change[] | null = null;
  let liveNote = 'hosts not reached: the plan is from the file alone';
  if (!o.offline) {
    try {
      const r = await withTimeout(livePlan(ctx), 5000);
      p = r.plan;
      changes = p.engine === 'swarm' ? swarmChanges(p, await withTimeout(readSwarm(p, ctx.hosts), 5000)) : changesFor(p, r.cluster);
      if (p.engine === 'swarm') p = await withTasks(p, ctx.hosts);
      liveNote = changes.length === 0 ? 'live hosts match the plan: apply has nothing to do' : `${changes.length} change(s) against the live hosts`;
    } catch (e) {
      liveNote = `hosts not reached (${(e as Error).message.split('\n')[0]}): the plan is from the file alone`;
    }
  }
  const pred = predict(p);
  if (o.json) {
    printJson({ ...(planJson(p, pred) as object), live: changes ? { changes: changes.map(({ liveId: _, ...c }) => c) } : null });
    return 0;
  }
  process.stdout.write(planText(p, pred) + '\n\n');
  if (changes && changes.length > 0) {
    process.stdout.write('Changes against the live hosts (what apply will do):\n');
    process.stdout.write(table(['host', 'action', 'object', 'why', 'drift'], changes.map((c) => [c.host, c.action, `${c.kind} ${c.name}`, c.reason, c.drift ? 'yes' : ''])) + '\n');
  }
  for (const h of formerHostsOf(changes ?? [], p)) {
    const n = (changes ?? []).filter((c) => c.host === h).length;
    process.stdout.write(`host ${h} (no longer in the file): apply removes ${n} object${n === 1 ? '' : 's'} from it\n`);
  }
  process.stdout.write(liveNote + '\n');
  return 0;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`no answer within ${ms / 1000} s`)), ms).unref())]);
}

function formerHostsOf(changes: Change[], p: Plan): string[] {
  return [...new Set(changes.map((c) => c.host))].filter((h) => !p.hosts.some((x) => x.name === h));
}
