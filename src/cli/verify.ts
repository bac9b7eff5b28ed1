/** `mvnet verify`: probe the live network and compare with the prediction. */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { HostError, MultiHostError, MvnetError } from '../errors.ts';
import { predict, verdictFor } from '../predict/predict.ts';
import { compare } from '../probe/compare.ts';
import { addresses, runProbes } from '../probe/probe.ts';
import { probePlan } from '../probe/jobs.ts';
import { pingOnce } from '../probe/ping.ts';
import { htmlReport } from '../render/html.ts';
import { pingTranscript } from '../render/ping.ts';
import { verifyJson, verifyText } from '../render/verify.ts';
import { hang } from '../render/columns.ts';
import { LOOK } from './look.ts';
import { context, runningPlan } from './context.ts';
import { plan as makePlan } from '../plan/allocate.ts';
import { endpointIds, type Plan } from '../plan/types.ts';
import { EXIT, printJson } from './output.ts';
import { progress } from './progress.ts';
import { arm } from './signals.ts';
import { labDeviceRunner } from '../lab/device.ts';

interface VerifyOptions {
  file: string;
  json?: boolean;
  html?: string;
  pair?: string[];
  tries?: string;
  sample?: string;
  seed?: string;
  wide?: boolean;
}

/** --sample K / --seed N: whole numbers (K from 1 to 1000). */
function wholeOf(flag: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n < 1 || n > max) {
    throw new MvnetError(
      'usage',
      `${flag} takes a whole number from 1 to ${max}, not "${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`,
      undefined,
      flag === '--sample' ? 'e.g. --sample 3 (three pairs for every pair of groups)' : 'e.g. --seed 42',
    );
  }
  return n;
}

/** --tries: a whole number from 1 to 10 (each try waits for replies; more only lengthens a failing run). */
export function triesOf(v: string | undefined): number {
  if (v === undefined) return 3;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1 || n > 10) {
    throw new MvnetError(
      'usage',
      `--tries takes a whole number from 1 to 10, not "${v.length > 20 ? `${v.slice(0, 20)}…` : v}"`,
      undefined,
      'e.g. --tries 3 (the default)',
    );
  }
  return n;
}

/** --html: the folder must exist and the file be writable before any probing starts. */
function checkOutput(path: string | undefined): void {
  if (path === undefined) return;
  const dir = dirname(resolve(path));
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new MvnetError(
      'usage',
      `--html ${path}: the folder ${dir} does not exist or is not writable`,
      undefined,
      'name a file in an existing folder',
    );
  }
}

export async function verifyCommand(o: VerifyOptions): Promise<number> {
  const tries = triesOf(o.tries);
  const sample = wholeOf('--sample', o.sample, 1000);
  const seed = wholeOf('--seed', o.seed, 2 ** 31) ?? 1 + Math.floor(Math.random() * 2 ** 31);
  checkOutput(o.html);
  // a signal lets probes and helpers in flight finish (helpers are removed), then exits 130/143
  const ctx = context(o.file, arm());
  const say = progress(o.json);
  const t0 = Date.now();
  const p = await runningPlan(ctx).catch((e: MvnetError) => {
    if (e.kind === 'interrupted') throw e;
    // probed anyway (an engine that answers is still worth probing), and said: the addresses are the file's
    say(`not every host was read (${e.message.split('\n')[0]}): probing the plan of the file alone`);
    return makePlan(ctx.topo);
  });
  const pred = predict(p);
  if (o.pair) return pairCommand(o, ctx, p, pred);
  const device = labDeviceRunner(ctx.topo);
  // without the lab, nothing can probe from a LAN device: those pairs are left out, and said so
  const { chosen, jobs: jobList, only, skipped, expected } = probePlan(p, pred, { sample, seed, devices: !!device });
  if (skipped) say(`${skipped} pairs from LAN devices are not probed (devices are probed only in the lab)`);
  const sampled = sample === undefined ? undefined : { perGroupPair: sample, seed, of: pred.pairCount };
  if (sampled)
    say(`sample: ${chosen.length} of ${pred.pairCount} pairs (${sample} per pair of groups, --seed ${seed})`);
  say(`probing ${only.size} pairs from ${jobList.length} sources`);
  const probed = await runProbes(p, ctx.hosts, jobList, { tries, device, expected });
  if (probed.down.size === ctx.hosts.size) {
    // nothing answered: that is an error, not a verified difference
    throw new MultiHostError(
      'engine',
      [...probed.down].map(([h, why]) => new HostError(h, why)),
      'no Docker engine of the topology answers; nothing was probed',
    );
  }
  const cmp = compare(p, pred, probed, skipped || sampled ? only : undefined);
  const ms = Date.now() - t0;
  const ids = endpointIds(p);
  if (o.html) {
    writeFileSync(o.html, htmlReport(p, cmp, { title: `mvnet verify: ${p.name}`, ms }));
    say(`HTML report written to ${o.html}`);
  }
  if (o.json)
    printJson(verifyJson(cmp, { topology: p.name, ms, notProbed: skipped, ...(sampled ? { sample: sampled } : {}) }));
  else process.stdout.write(verifyText(cmp, ids, { ...LOOK, wide: o.wide === true }, ms, sampled) + '\n');
  return cmp.mismatches === 0 ? EXIT.ok : EXIT.differs;
}

async function pairCommand(
  o: VerifyOptions,
  ctx: ReturnType<typeof context>,
  plan: Plan,
  pred: ReturnType<typeof predict>,
): Promise<number> {
  if (o.pair!.length !== 2) {
    throw new MvnetError(
      'usage',
      `--pair takes two ids, FROM and TO (got ${o.pair!.length})`,
      undefined,
      'e.g. --pair host1/centos1 host2/centos1',
    );
  }
  const [from, to] = o.pair!;
  const v = verdictFor(pred, from, to);
  if (!v)
    throw new MvnetError(
      'usage',
      `${from} -> ${to} is not a pair mvnet predicts`,
      undefined,
      'use HOST/CONTAINER or HOST ids from mvnet plan (host -> host is not probed)',
    );
  const device = labDeviceRunner(ctx.topo);
  if (plan.devices.some((d) => d.name === from) && !device) {
    throw new MvnetError(
      'usage',
      `${from} is a LAN device: mvnet can ping from it only in the lab (its namespace)`,
      undefined,
      'run it from that machine',
    );
  }
  const probed = await runProbes(plan, ctx.hosts, [{ source: from, targets: [to] }], { device });
  const cmp = compare(plan, pred, probed, new Set([`${from}>${to}`]));
  const r = cmp.pairs[0];
  const ping = await pingOnce(plan, ctx.hosts, from, to, device);
  if (o.json) printJson({ ...verifyJson(cmp), transcript: ping ? pingTranscript(ping) : null });
  else {
    const fromAddr = addresses(plan).get(from);
    process.stdout.write(`${from}${fromAddr ? ` (${fromAddr})` : ''} -> ${to}\n\n`);
    if (ping) process.stdout.write(pingTranscript(ping, LOOK.width) + '\n\n');
    const lines = [
      hang('expected ', `${r.expected} (${v.reason}: ${v.why})`, LOOK.width),
      hang('actual   ', `${r.actual}${r.match ? '' : ` — ${r.reason}: ${r.why}`}`, LOOK.width),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  return r.match ? EXIT.ok : EXIT.differs;
}
