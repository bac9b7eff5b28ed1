/** `mvnet inspect`: the live hosts as the seed reads them. */
import { MvnetError } from '../errors.ts';
import { context, runningPlan } from './context.ts';
import { printJson } from './output.ts';
import { arm } from './signals.ts';
import { LOOK } from './look.ts';
import { hostView } from '../engine/host-view.ts';
import { renderHostView } from '../render/host-view.ts';

export async function inspectCommand(o: { file: string; json?: boolean }, host?: string): Promise<number> {
  // a signal lets probes and helpers in flight finish (helpers are removed), then exits 130/143
  const ctx = context(o.file, arm());
  if (host && !ctx.hosts.has(host))
    throw new MvnetError(
      'usage',
      `no host "${host}" in ${o.file}`,
      host,
      `hosts are: ${[...ctx.hosts.keys()].join(', ')}`,
    );
  const plan = await runningPlan(ctx);
  const engines = [...ctx.hosts.values()].filter((e) => !host || e.host === host);
  const views = await Promise.all(engines.map((e) => hostView(plan, e)));
  if (o.json) printJson({ topology: plan.name, hosts: views });
  else process.stdout.write(views.map((v) => renderHostView(v, plan, LOOK.width)).join('\n\n') + '\n');
  return views.some((v) => v.drift.length > 0) ? 1 : 0;
}
