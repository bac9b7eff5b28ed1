/**
 * The topology's lock lives where the hosts are: on every member host's engine, a container named
 * `mvnet-lock-TOPOLOGY` that runs `cat` on the holder's attached standard input (after printing the host's facts).
 * Docker refuses a second container of that name (409), so taking it is atomic for every machine that talks to
 * that engine.
 * Liveness needs no clock: the container runs exactly as long as its holder's connection is open. When the
 * holder ends in any way (exit, SIGKILL, lost network) standard input closes, `cat` exits, and the next run
 * sees an exited lock and takes it over. All member engines are locked at once, all or none, so two runs whose
 * files share any host (in any order, old or new members) exclude each other, and neither waits holding a part.
 */
import type { Duplex } from 'node:stream';
import { LockError, MvnetError, type LockHolder } from '../errors.ts';
import { demux } from './docker.ts';
import type { Engine } from './engine.ts';
import { FACTS, parseFacts, provideFacts, type HostFacts } from './preflight.ts';
import { PROBE_IMAGE } from './image.ts';
import { LABEL, LOCK_LABELS, labels } from './labels.ts';
import { NEVER, type Stop } from './stop.ts';
import { processGone, thisProcess } from './holder.ts';

const FACTS_END = 'mvnet-facts-end';

/** A lock that was created but never started is given this long (engine clock) before it counts as dead. */
const UNSTARTED_GRACE_MS = 30_000;

export interface Lock {
  release(): Promise<void>;
  /** why the lock was lost while held (an engine connection closed), or null */
  lost(): string | null;
}

export function lockName(topology: string): string {
  return `mvnet-lock-${topology}`;
}

/** Who this process is, as a lock records its holder (label values or an etcd value). */
export function thisHolder(command: string): Record<string, string> {
  return {
    ...thisProcess(),
    [LOCK_LABELS.since]: new Date().toISOString(),
    [LOCK_LABELS.command]: command,
  };
}

export function holderOf(l: Record<string, string>, where: string, expires: string): LockHolder {
  return {
    command: l[LOCK_LABELS.command] ?? 'mvnet',
    pid: l[LOCK_LABELS.pid] ?? '?',
    machine: l[LOCK_LABELS.machine] ?? '?',
    since: l[LOCK_LABELS.since] ?? '?',
    where,
    expires,
  };
}

export type LockState =
  | { state: 'free' }
  | { state: 'live'; holder: LockHolder; id: string }
  | { state: 'dead'; holder: LockHolder; id: string; why: string };

/** What the lock on one engine looks like now. */
export async function lockState(e: Engine, topology: string): Promise<LockState> {
  const c = await e.containerNamed(lockName(topology)).catch((err: MvnetError) => {
    throw new MvnetError('lock', `cannot read the lock on ${e.host}: ${err.message}`, e.host, err.hint);
  });
  if (!c) return { state: 'free' };
  const l = c.labels;
  if (l[LABEL.topology] !== topology || l[LABEL.kind] !== 'lock') {
    throw new MvnetError(
      'conflict',
      `a container named ${lockName(topology)} exists on ${e.host} and is not mvnet's lock`,
      e.host,
      'remove or rename it',
    );
  }
  const holder = holderOf(l, e.host, `when that process ends (its connection to ${e.host}'s engine closes)`);
  // a holder of this machine, boot and PID namespace whose process is gone is dead at once (its engine may not
  // have seen the close yet); a holder anywhere else is judged by its connection only
  if (processGone(l)) {
    return { state: 'dead', holder, id: c.id, why: 'its process is gone' };
  }
  if (c.running) return { state: 'live', holder, id: c.id };
  if (c.status === 'created') {
    const age = (await e.clock()) - c.created;
    if (!(age > UNSTARTED_GRACE_MS)) return { state: 'live', holder, id: c.id };
    return { state: 'dead', holder, id: c.id, why: 'it was never started: its process died while taking it' };
  }
  return { state: 'dead', holder, id: c.id, why: 'its process is gone (its connection closed)' };
}

/**
 * The lock's program: first the host's facts for preflight (interfaces, forwarding: one container start serves
 * both), then `cat` on the holder's standard input for as long as the holder lives.
 */
const LOCK_PROGRAM = `${FACTS}; echo ${FACTS_END}; exec cat`;

/** The facts the lock's container prints on its (multiplexed) output, up to the end marker. */
function factsFrom(stream: Duplex): Promise<HostFacts> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const { stdout } = demux(buf);
      if (!stdout.includes(FACTS_END)) return;
      stream.off('data', onData);
      stream.resume();
      resolve(parseFacts(stdout));
    };
    stream.on('data', onData);
    stream.once('close', () => reject(new Error("the lock container closed before it told the host's facts")));
  });
}

interface Held {
  e: Engine;
  id: string;
  stream: Duplex;
  /** why the lock was lost (its connection closed while held); set while not releasing */
  watch: { lost: string | null; releasing: boolean };
}

async function create(e: Engine, topology: string, mine: Record<string, string>): Promise<Held | null> {
  const watch: Held['watch'] = { lost: null, releasing: false };
  const attached = (stream: Duplex) => {
    const lose = () => {
      if (!watch.releasing) watch.lost ??= `the connection to ${e.host}'s engine closed`;
    };
    stream.on('close', lose).on('end', lose).on('error', lose);
    provideFacts(e.endpoint, factsFrom(stream));
  };
  const lock = { name: lockName(topology), image: PROBE_IMAGE, cmd: ['sh', '-c', LOCK_PROGRAM], labels: mine };
  const c = await e.holdOpen(lock, attached).catch((err: MvnetError) => {
    throw new MvnetError('lock', `cannot take the lock on ${e.host}: ${err.message}`, e.host, err.hint);
  });
  return c && { e, id: c.id, stream: c.stream, watch };
}

async function releaseOne(h: Held): Promise<void> {
  h.watch.releasing = true;
  h.stream.end();
  h.stream.destroy();
  await h.e.removeContainer(h.id).catch(() => {});
}

/** Tries to take the lock on one engine: the held lock, or the live holder that has it. */
async function takeOne(
  e: Engine,
  topology: string,
  mine: Record<string, string>,
  say: (m: string) => void,
): Promise<Held | LockHolder> {
  for (;;) {
    const held = await create(e, topology, mine);
    if (held) return held;
    const s = await lockState(e, topology);
    if (s.state === 'live') return s.holder;
    if (s.state === 'dead') {
      say(
        `${e.host}: taking over the lock left by ${s.holder.command} (pid ${s.holder.pid} on ${s.holder.machine}, ` +
          `since ${s.holder.since}): ${s.why}`,
      );
      await e.removeContainer(s.id).catch(() => {});
    }
  }
}

export interface LockRequest {
  topology: string;
  file: string;
  command: string;
  waitMs: number;
  stop?: Stop;
  say?: (m: string) => void;
}

/** Takes the lock on every engine, all at once, or on none. */
export async function acquireLock(engines: Engine[], r: LockRequest): Promise<Lock> {
  const stop = r.stop ?? NEVER;
  const say = r.say ?? (() => {});
  // one lock per engine, in a stable order (a host renamed in the file may keep its engine)
  const byEndpoint = new Map<string, Engine>();
  for (const e of [...engines].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))) {
    if (!byEndpoint.has(e.endpoint)) byEndpoint.set(e.endpoint, e);
  }
  const sorted = [...byEndpoint.values()];
  const mine = labels(r.topology, 'lock', '', lockName(r.topology), thisHolder(r.command));
  const until = Date.now() + r.waitMs;
  for (;;) {
    // all engines at once (a remote engine's connection takes a while), all or none: a run never holds some
    // locks while it waits for others, so two runs cannot wait on each other
    stop.check();
    const got = await Promise.allSettled(
      sorted.map(async (e) => {
        await e.info(); // an engine that does not answer is named as such
        await e.ensureHelperImage();
        return takeOne(e, r.topology, { ...mine, [LABEL.host]: e.host }, say);
      }),
    );
    const taken = got.flatMap((g) => (g.status === 'fulfilled' && 'stream' in g.value ? [g.value] : []));
    const failed = got.find((g): g is PromiseRejectedResult => g.status === 'rejected');
    const blocker = got.flatMap((g) => (g.status === 'fulfilled' && !('stream' in g.value) ? [g.value] : []))[0];
    if (!failed && !blocker) return combined(taken);
    await Promise.all(taken.map(releaseOne));
    if (failed) throw failed.reason;
    if (Date.now() >= until) throw new LockError(blocker!, r.topology, r.file);
    await stop.sleep(200 + Math.random() * 300);
  }
}

function combined(taken: Held[]): Lock {
  return {
    release: async () => {
      await Promise.all(taken.map(releaseOne));
    },
    lost: () => taken.find((h) => h.watch.lost)?.watch.lost ?? null,
  };
}

/** Removes the lock on every engine where it is (for `mvnet unlock`). */
export async function breakLock(engines: Engine[], topology: string): Promise<string[]> {
  const removed: string[] = [];
  for (const e of engines) {
    const s = await lockState(e, topology);
    if (s.state === 'free') continue;
    await e.removeContainer(s.id);
    removed.push(e.host);
  }
  return removed;
}
