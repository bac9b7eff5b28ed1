/**
 * `mvnet plan`: what apply would change on the live hosts first (terraform-style), then the address plan and the
 * predicted reachability. `-o FILE` saves the plan for `mvnet apply FILE`; `--detailed-exitcode` tells a pipeline
 * whether changes are pending.
 */
import { writeFileSync } from 'node:fs';
import { backendOf } from '../engine/backend.ts';
import type { Change } from '../engine/diff.ts';
import { MvnetError } from '../errors.ts';
import { plan as makePlan } from '../plan/allocate.ts';
import type { Plan } from '../plan/types.ts';
import { predict } from '../predict/predict.ts';
import { changesText, countChanges, summaryLine } from '../render/changes.ts';
import { wrap } from '../render/columns.ts';
import { planJson, planText } from '../render/plan.ts';
import { context, livePlan } from './context.ts';
import { LOOK } from './look.ts';
import { printJson } from './output.ts';
import { savedPlan } from './saved-plan.ts';
import { readState } from '../lab/state.ts';

export interface PlanOptions {
  file: string;
  json?: boolean;
  offline?: boolean;
  wide?: boolean;
  detailedExitcode?: boolean;
  out?: string;
}

/** `--detailed-exitcode`, as terraform has it: 0 nothing to do, 2 changes pending (errors: 1, see main). */
export const DETAILED = { none: 0, pending: 2 } as const;

export async function planCommand(o: PlanOptions): Promise<number> {
  const ctx = context(o.file);
  let p: Plan = makePlan(ctx.topo);
  let changes: Change[] | null = null;
  let liveNote = 'hosts not read (--offline): the plan is from the file alone';
  // a lab topology whose lab does not exist on this machine has no live hosts to read (none that could be down):
  // said, and the plan is the file's; a lab that exists but does not answer is an error like any host
  const noLab = !o.offline && ctx.topo.hosts.every((h) => !h.docker) && readState(ctx.topo.name) === null;
  if (noLab)
    liveNote =
      `lab ${ctx.topo.name} is not up on this machine, so there are no live hosts: the plan is from the file ` +
      `alone (mvnet lab up -f ${o.file} makes them)`;
  if (!o.offline && !noLab) {
    // a host that cannot be read is an error, never "nothing to do" (--offline plans from the file alone)
    const r = await withTimeout(livePlan(ctx), LIVE_READ_MS);
    p = r.plan;
    const backend = backendOf(p);
    changes = await withTimeout(backend.changes(p, r.cluster), LIVE_READ_MS);
    p = await backend.running(p, ctx.hosts);
    liveNote = '';
  }
  if (o.out) {
    if (!changes)
      throw new MvnetError(
        'usage',
        `plan -o needs the live hosts (${liveNote})`,
        undefined,
        "start the hosts' engines (mvnet lab up for the lab) and plan again",
      );
    writeFileSync(o.out, JSON.stringify(savedPlan(ctx.topo, changes), null, 2) + '\n');
  }
  const pred = predict(p);
  const pending = changes !== null && changes.length > 0;
  // without live hosts, "nothing to do" cannot be told: --detailed-exitcode says so instead of passing a gate
  if (o.detailedExitcode && noLab)
    throw new MvnetError(
      'usage',
      `lab ${ctx.topo.name} is not up on this machine: whether changes are pending cannot be told`,
      undefined,
      `mvnet lab up -f ${o.file}, or plan --offline for the file alone`,
    );
  const code = o.detailedExitcode && pending ? DETAILED.pending : DETAILED.none;
  if (o.json) {
    printJson({
      ...(planJson(p, pred) as object),
      live: changes ? { changes: changes.map(({ liveId: _, ...c }) => c), ...countChanges(changes) } : null,
      ...(changes ? {} : { liveNote }),
    });
    return code;
  }
  const width = o.wide ? Infinity : LOOK.width;
  const out: string[] = [];
  if (changes === null) out.push(wrap(liveNote, width, 2));
  else if (changes.length === 0) out.push('No changes. The live hosts match the plan: apply has nothing to do.');
  else {
    const former = new Set(changes.map((c) => c.host).filter((h) => !p.hosts.some((x) => x.name === h)));
    out.push(
      `mvnet apply would make these changes (+ add, ~ change, - destroy):`,
      '',
      changesText(changes, width, former),
      '',
    );
    out.push(summaryLine(changes));
    if (o.out)
      out.push(
        wrap(
          `Saved to ${o.out}: mvnet apply ${o.out} makes exactly these changes, ` +
            'and refuses if the hosts changed since.',
          width,
          2,
        ),
      );
  }
  out.push('', planText(p, pred, { width: LOOK.width, wide: o.wide === true }));
  process.stdout.write(out.join('\n') + '\n');
  return code;
}

/** How long plan waits for the live hosts before it gives up (an error, not a plan from the file alone). */
const LIVE_READ_MS = 30_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  const late = () =>
    new MvnetError(
      'engine',
      `the live hosts did not answer within ${ms / 1000} s`,
      undefined,
      'check that their engines run (mvnet lab up for the lab), or plan --offline to plan from the file alone',
    );
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(late()), ms).unref())]);
}
