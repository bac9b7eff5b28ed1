/**
 * The apply lock lives where the hosts are: a created-but-never-started container named
 * `mvnet-lock-TOPOLOGY` on the first host's engine. Docker refuses a second container of that name
 * (409), which makes taking it atomic for every machine that talks to that engine. Its labels name the
 * holder; a holder whose process is gone (same machine) or that is older than the stale limit is taken over.
 */
import { hostname } from 'node:os';
import { MvnetError } from '../errors.ts';
import type { DockerEngine } from './docker.ts';
import { ensureHelperImage, PROBE_IMAGE } from './image.ts';
import { L, labels } from './labels.ts';

export const STALE_MS = 15 * 60_000;

export class LockError extends MvnetError {
  constructor(readonly holder: Record<string, string>, topology: string, host: string) {
    super('lock', `topology ${topology} is locked by ${holder['mvnet.lock.command'] ?? 'mvnet'} (pid ${holder['mvnet.lock.pid']} on ${holder['mvnet.lock.machine']}, since ${holder['mvnet.lock.since']})`, host,
      'wait for it to finish, or use --wait SECONDS; a lock whose holder died is taken over automatically');
    this.name = 'LockError';
  }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export interface Lock { release(): Promise<void> }

export async function acquireLock(e: DockerEngine, topology: string, command: string, waitMs = 0): Promise<Lock> {
  await e.info(); // an engine that does not answer is named as such
  await ensureHelperImage(e);
  const name = `mvnet-lock-${topology}`;
  const mine = labels(topology, 'lock', e.host, name, {
    'mvnet.lock.machine': hostname(), 'mvnet.lock.pid': String(process.pid), 'mvnet.lock.since': new Date().toISOString(), 'mvnet.lock.command': command,
  });
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      const c = await e.docker.createContainer({ name, Image: PROBE_IMAGE, Cmd: ['true'], Labels: mine, HostConfig: { NetworkMode: 'none' } });
      return { release: async () => { await c.remove({ force: true }).catch(() => {}); } };
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 409) throw new MvnetError('lock', `cannot take the lock on ${e.host}: ${(err as Error).message}`, e.host);
    }
    let held: Record<string, string> = {};
    try {
      held = (await e.docker.getContainer(name).inspect()).Config.Labels ?? {};
    } catch { continue; /* released meanwhile */ }
    if (held[L.topology] !== topology || held[L.kind] !== 'lock') {
      throw new MvnetError('conflict', `a container named ${name} exists and is not mvnet's lock`, e.host, 'remove or rename it');
    }
    const since = Date.parse(held['mvnet.lock.since'] ?? '');
    const sameMachine = held['mvnet.lock.machine'] === hostname();
    const stale = (sameMachine && !alive(Number(held['mvnet.lock.pid']))) || !(Date.now() - since < STALE_MS);
    if (stale) {
      await e.docker.getContainer(name).remove({ force: true }).catch(() => {});
      continue;
    }
    if (Date.now() >= until) throw new LockError(held, topology, e.host);
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
  }
}
