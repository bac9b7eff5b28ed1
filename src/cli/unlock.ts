/** `mvnet unlock`: shows who holds the topology's lock and removes it (after confirmation, or with --yes). */
import { breakEtcdLock, etcdHolder } from '../engine/etcd-lock.ts';
import { breakLock, holderOf, lockState } from '../engine/lock.ts';
import { MvnetError, type LockHolder } from '../errors.ts';
import { canAsk, confirm } from './confirm.ts';
import { context, discover } from './context.ts';
import { printJson } from './output.ts';

async function ask(question: string): Promise<boolean> {
  if (!canAsk()) {
    throw new MvnetError(
      'usage',
      'unlock needs a confirmation and standard input is not a terminal',
      undefined,
      'add --yes',
    );
  }
  return confirm(question);
}

function describe(h: LockHolder, state: string): string {
  return `${h.where}: held by ${h.command} (pid ${h.pid} on ${h.machine}) since ${h.since}; ${state}`;
}

export async function unlockCommand(o: { file: string; json?: boolean; yes?: boolean }): Promise<number> {
  const ctx = context(o.file);
  const etcd = ctx.topo.lock.startsWith('etcd://');
  const found: { holder: LockHolder; state: string }[] = [];
  if (etcd) {
    const h = await etcdHolder(ctx.topo.lock, ctx.topo.name);
    if (h) found.push({ holder: holderOf(h, ctx.topo.lock, 'lease-bound'), state: 'bound to its lease' });
  } else {
    await discover(ctx);
    for (const e of ctx.raw.values()) {
      const s = await lockState(e, ctx.topo.name);
      if (s.state !== 'free')
        found.push({ holder: s.holder, state: s.state === 'live' ? 'its holder is connected' : `dead: ${s.why}` });
    }
  }
  const lines = found.map((f) => describe(f.holder, f.state));
  if (found.length === 0) {
    if (o.json) printJson({ topology: ctx.topo.name, removed: [] });
    else process.stdout.write(`topology ${ctx.topo.name} is not locked\n`);
    return 0;
  }
  if (!o.json) process.stdout.write(`lock of topology ${ctx.topo.name}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
  if (!o.yes && !(await ask('remove it? a run that still holds it would no longer be protected'))) {
    process.stdout.write('left as it is\n');
    return 0;
  }
  const removed = etcd
    ? (await breakEtcdLock(ctx.topo.lock, ctx.topo.name))
      ? [ctx.topo.lock]
      : []
    : await breakLock([...ctx.raw.values()], ctx.topo.name);
  if (o.json) printJson({ topology: ctx.topo.name, removed, holders: found.map((f) => f.holder) });
  else process.stdout.write(`removed the lock on ${removed.join(', ')}\n`);
  return 0;
}
