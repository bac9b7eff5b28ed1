/** `mvnet demo`: the seed on the lab, end to end, shown the way the seed shows it. */
import { apply } from '../engine/apply.ts';
import { labUp } from '../lab/lab.ts';
import { predict, verdictFor } from '../predict/predict.ts';
import { addresses, runProbes } from '../probe/probe.ts';
import { pingOnce } from '../probe/ping.ts';
import { pingTranscript } from '../render/ping.ts';
import { describeChange } from './apply.ts';
import { context, livePlan, withLock } from './context.ts';
import { printJson, self } from './output.ts';
import { progress } from './progress.ts';
import { arm } from './signals.ts';
import { commandLines, hang } from '../render/columns.ts';
import { LOOK } from './look.ts';
import { hostView, type HostView } from '../engine/host-view.ts';
import { renderHostView } from '../render/host-view.ts';

export async function demoCommand(o: { file: string; json?: boolean }): Promise<number> {
  const ctx = context(o.file, arm());
  const say = progress(o.json);
  const w = (s = '') => {
    if (!o.json) process.stdout.write(s + '\n');
  };
  say(`1/4 lab up: ${ctx.topo.hosts.length} hosts on ${ctx.topo.name}'s LAN, a real Docker engine each`);
  await labUp(ctx.topo, say);
  say('2/4 apply: networks and containers on every host at once');
  const { plan, r } = await withLock(ctx, 'mvnet demo', 60, say, async () => {
    const { plan, cluster } = await livePlan(ctx);
    return {
      plan,
      r: await apply(plan, cluster, (c, s) => {
        if (s === 'done') say(describeChange(c));
      }),
    };
  });
  await r.settle();
  if (r.changes.length === 0) say('already applied: nothing to change');
  say('3/4 reading the live hosts');
  const views: HostView[] = [];
  for (const h of plan.hosts) {
    const v = await hostView(plan, ctx.hosts.get(h.name)!);
    views.push(v);
    w(renderHostView(v, plan, LOOK.width));
    w();
  }
  say("4/4 the seed's three pings");
  const pred = predict(plan);
  const first = plan.hosts[0];
  const src = first.containers[0];
  const sameHost = first.containers[1];
  const other = plan.hosts[1]?.containers[0];
  const tries = [sameHost?.id, other?.id, first.name].filter((x): x is string => !!x);
  const probed = await runProbes(plan, ctx.hosts, [{ source: src.id, targets: tries }]);
  const pings: unknown[] = [];
  const addr = addresses(plan);
  for (const to of tries) {
    const v = verdictFor(pred, src.id, to)!;
    const pr = await pingOnce(plan, ctx.hosts, src.id, to);
    const seen = probed.sources.get(src.id)?.results.get(to)?.ok ? 'reachable' : 'unreachable';
    w(
      hang(
        '# ',
        `${src.id} -> ${to}: the seed ran docker exec -it ${src.name} ping ${addr.get(to)}; ` +
          'here is that ping, as it ran',
        LOOK.width,
      ),
    );
    if (pr) w(pingTranscript(pr, LOOK.width));
    w(
      hang(
        '  ',
        `predicted ${v.expected} (${v.reason}); observed ${seen}` +
          (seen === v.expected ? ' ✓ as predicted' : ' ✗ DIFFERS'),
        LOOK.width,
      ),
    );
    w();
    pings.push({ from: src.id, to, expected: v.expected, actual: seen, reason: v.reason });
  }
  w(
    hang(
      '',
      'Containers reach each other on the same host and across hosts, but not their own host (no device at the ' +
        'gateway), and nothing outside reaches them: exactly as the seed found, now predicted and verified.',
      LOOK.width,
    ),
  );
  w();
  w('Explore:');
  w('  # the plan and every predicted result, with reasons');
  w(commandLines(`${self()} plan -f ${o.file}`, LOOK.width));
  w(`  # probe all ${pred.pairCount} pairs (--html report.html for a picture)`);
  w(commandLines(`${self()} verify -f ${o.file}`, LOOK.width));
  w(`  # the plain docker CLI on ${first.name}, and a look inside it`);
  w(commandLines(`eval "$(${self()} lab env -f ${o.file} ${first.name})"; docker ps`, LOOK.width));
  w(commandLines(`${self()} lab exec -f ${o.file} ${first.name} -- ip addr`, LOOK.width));
  w('Tear down (removes the lab and everything in it):');
  w(commandLines(`${self()} lab down -f ${o.file}`, LOOK.width));
  if (o.json) printJson({ topology: plan.name, changes: r.changes.length, views, pings });
  return 0;
}
