/** `mvnet apply` and `mvnet destroy`. */
import { destroy } from '../engine/apply.ts';
import { backendOf } from '../engine/backend.ts';
import { plan as makePlan } from '../plan/allocate.ts';
import type { Change } from '../engine/diff.ts';
import { InterruptedError, MultiHostError, MvnetError } from '../errors.ts';
import { context, livePlan, withLock } from './context.ts';
import { canAsk, confirm } from './confirm.ts';
import { EXIT, printJson } from './output.ts';
import { progress } from './progress.ts';
import { moved, readSavedPlan, savedTopology, type SavedPlan } from './saved-plan.ts';
import { arm } from './signals.ts';
import { lanGate } from '../engine/check.ts';
import type { Plan } from '../plan/types.ts';
import type { Engine } from '../engine/engine.ts';
import { checkText } from '../render/check.ts';
import { LOOK } from './look.ts';

export function describeChange(c: Change): string {
  return `${c.host}: ${c.action} ${c.kind} ${c.name} (${c.why}${c.drift ? ', drift' : ''})`;
}

/** Tells what an interrupted apply did and did not do, then lets the error through (exit 130/143). */
function interrupted(e: unknown, all: Change[], done: Change[]): never {
  if (e instanceof InterruptedError) {
    const left = all.filter((c) => !done.includes(c));
    const lines = [
      `${e.signal}: ${done.length} of ${all.length} change${all.length === 1 ? '' : 's'} done, ` +
        `${left.length} not done` +
        `${left.length ? ':' : ''}`,
      ...left.map((c) => `  not done: ${describeChange(c)}`),
      'the lock is released; run apply again to converge',
    ];
    process.stderr.write(lines.join('\n') + '\n');
  }
  throw e;
}

export async function applyCommand(
  o: { file: string; json?: boolean; wait?: string; check?: boolean },
  planFile?: string,
): Promise<number> {
  const saved = planFile ? readSavedPlan(planFile) : null;
  if (planFile && !saved) {
    throw new MvnetError(
      'usage',
      `${planFile} is not a saved plan`,
      undefined,
      `make one with mvnet plan -o ${planFile}, or give a topology file with -f`,
    );
  }
  const ctx = context(saved ? savedTopology(saved) : o.file, arm());
  const say = progress(o.json);
  let all: Change[] = [];
  const done: Change[] = [];
  const report = (c: Change, state: 'start' | 'done') => {
    if (state === 'done') {
      done.push(c);
      say(describeChange(c));
    }
  };
  const { plan, r } = await withLock(ctx, 'mvnet apply', Number(o.wait ?? 0), say, async () => {
    const { plan, cluster } = await livePlan(ctx);
    if (o.check !== false) await gate(plan, ctx.hosts, say);
    const backend = backendOf(plan);
    if (saved) refuseMoved(planFile!, saved, await backend.changes(plan, cluster));
    return {
      plan,
      r: await backend.apply(plan, cluster, report, (c) => {
        all = c;
      }),
    };
  }).catch((e) => interrupted(e, all, done));
  await r.settle();
  if (o.json)
    printJson({
      topology: ctx.topo.name,
      changed: r.changes.length,
      changes: r.changes.map(({ liveId: _, ...c }) => c),
      ms: r.ms,
    });
  else if (r.changes.length === 0)
    process.stdout.write(
      `nothing to change: ${plan.hosts.length} hosts, ${backendOf(plan).count(plan)} already as planned (${r.ms} ms)\n`,
    );
  else
    process.stdout.write(
      `applied ${r.changes.length} change${r.changes.length > 1 ? 's' : ''} ` +
        `on ${new Set(r.changes.map((c) => c.host)).size} host(s) in ${(r.ms / 1000).toFixed(1)} s\n`,
    );
  return 0;
}

/** A saved plan is applied only while the hosts call for exactly its changes. */
function refuseMoved(file: string, saved: SavedPlan, now: Change[]): void {
  const diff = moved(saved, now);
  if (diff.length === 0) return;
  throw new MvnetError(
    'conflict',
    `the live hosts changed since ${file} was saved (${saved.made}); nothing was applied:\n` +
      diff
        .slice(0, 20)
        .map((d) => `    ${d}`)
        .join('\n') +
      (diff.length > 20 ? `\n    ... and ${diff.length - 20} more` : ''),
    undefined,
    `plan again: mvnet plan -f ${saved.file} -o ${file}`,
  );
}

export async function destroyCommand(o: {
  file: string;
  json?: boolean;
  wait?: string;
  yes?: boolean;
}): Promise<number> {
  const ctx = context(o.file, arm());
  // a person at a terminal confirms; scripts (no terminal) and --yes go on
  if (!o.yes && canAsk()) {
    const hosts = ctx.topo.hosts.map((h) => h.name).join(', ');
    if (
      !(await confirm(`destroy everything topology ${ctx.topo.name} owns on ${hosts} (and hosts it was on before)?`))
    ) {
      process.stderr.write('nothing destroyed\n');
      return EXIT.error;
    }
  }
  const say = progress(o.json);
  const removedSoFar: string[] = [];
  const log = (m: string) => {
    removedSoFar.push(m);
    say(m);
  };
  const r = await withLock(ctx, 'mvnet destroy', Number(o.wait ?? 0), say, async () => {
    const swarm = await backendOf(ctx.topo).destroyFirst(makePlan(ctx.topo), ctx.hosts, log);
    const rest = await destroy(ctx.topo.name, new Map([...ctx.hosts, ...ctx.former]), log);
    return { removed: [...swarm, ...rest.removed], kept: rest.kept };
  }).catch((e) => {
    if (e instanceof InterruptedError) {
      process.stderr.write(
        `${e.signal}: ${removedSoFar.length} object(s) removed before stopping; run destroy again to finish\n`,
      );
    }
    throw e;
  });
  const former = [...ctx.former.keys()];
  if (o.json)
    printJson({
      topology: ctx.topo.name,
      removed: r.removed,
      formerHosts: former,
      kept: r.kept.map((k) => ({ host: k.where, message: k.message })),
    });
  else {
    const where = former.length ? ` (including former host${former.length > 1 ? 's' : ''} ${former.join(', ')})` : '';
    process.stdout.write(
      r.removed.length
        ? `removed ${r.removed.length} object(s) that topology ${ctx.topo.name} owns${where}\n`
        : `nothing of topology ${ctx.topo.name} on its hosts\n`,
    );
  }
  if (r.kept.length)
    throw new MultiHostError(
      'conflict',
      r.kept,
      `destroy left ${r.kept.length} network(s) that something else still uses`,
    );
  return 0;
}

/** Refuses (changing nothing) when the LAN between the macvlan hosts drops frames from foreign MACs. */
async function gate(plan: Plan, hosts: Map<string, Engine>, say: (m: string) => void): Promise<void> {
  const g = await lanGate(plan, hosts, (n) =>
    say(
      `checking that the LAN carries macvlan frames between ${n} hosts ` +
        '(once per host pair, then remembered; about 3 s)',
    ),
  );
  if (!g.blocked) return;
  const names = plan.hosts
    .map((h) => h.name)
    .filter((h) => g.blocked!.pairs.some((p) => p.from === h) || g.blocked!.failed.some((f) => f.host === h));
  const filter = g.blocked.pairs.some((p) => !p.crosses && (p.why ?? 'dropped') === 'dropped');
  throw new MvnetError(
    'preflight',
    (filter
      ? 'the LAN does not carry frames from foreign MACs between the hosts'
      : 'some hosts do not reach each other over the LAN at all') +
      `, so macvlan containers could not reach across them; nothing was applied\n\n` +
      checkText(g.blocked, names, LOOK.width),
    undefined,
    'fix the LAN as above (or use driver: routed networks), or deploy anyway with mvnet apply --no-check ' +
      '(then cross-host pairs fail; verify says which)',
  );
}
