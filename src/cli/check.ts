/** `mvnet check`: can macvlan cross the real LAN between every pair of hosts? Exit 1 when it cannot. */
import { checkLan } from '../engine/check.ts';
import { plan as makePlan } from '../plan/allocate.ts';
import { checkText } from '../render/check.ts';
import { context } from './context.ts';
import { LOOK } from './look.ts';
import { EXIT, printJson } from './output.ts';
import { progress } from './progress.ts';
import { arm } from './signals.ts';

export async function checkCommand(o: { file: string; json?: boolean }): Promise<number> {
  const ctx = context(o.file, arm());
  const p = makePlan(ctx.topo);
  progress(o.json)(`probing the LAN between ${p.hosts.length} hosts (a macvlan probe on each, a few seconds)`);
  const c = await checkLan(p, ctx.hosts);
  const ok = c.pairs.every((x) => x.crosses) && c.failed.length === 0;
  if (o.json) printJson({ topology: p.name, crosses: ok, pairs: c.pairs, failed: c.failed });
  else
    process.stdout.write(
      checkText(
        c,
        p.hosts.map((h) => h.name),
        LOOK.width,
      ) + '\n',
    );
  if (c.failed.length && c.pairs.every((x) => x.crosses)) return EXIT.error;
  return ok ? EXIT.ok : EXIT.differs;
}
