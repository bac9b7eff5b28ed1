/** What mvnet owns on an engine, counted per topology: containers (running or not) and networks with its labels. */
import { DockerEngine } from './docker.ts';
import type { Engine } from './engine.ts';
import { LABEL } from './labels.ts';

export interface Owned {
  topology: string;
  host: string;
  endpoint: string;
  containers: number;
  running: number;
  networks: number;
}

/** `p`, or a rejection after `ms` (an engine that does not answer is not waited for). */
export function within<T>(p: Promise<T>, ms: number): Promise<T> {
  const late = new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no answer')), ms).unref());
  return Promise.race([p, late]);
}

/** Does the engine at `endpoint` answer within 2 s? */
export async function answers(endpoint: string): Promise<boolean> {
  try {
    await within(new DockerEngine('-', endpoint).info(), 2000);
    return true;
  } catch {
    return false;
  }
}

/** mvnet's objects on one engine, per topology (rejects when the engine does not answer within 5 s). */
export async function census(e: Engine): Promise<Owned[]> {
  const [cs, ns] = await within(Promise.all([e.containers(), e.networks()]), 5000);
  const byTopo = new Map<string, Owned>();
  const blank = (topology: string): Owned => ({ topology, host: e.host, endpoint: e.endpoint, ...ZERO });
  const entry = (t: string) => byTopo.get(t) ?? byTopo.set(t, blank(t)).get(t)!;
  for (const c of cs) {
    if (c.labels[LABEL.kind] !== 'container' || !c.labels[LABEL.topology]) continue;
    const f = entry(c.labels[LABEL.topology]);
    f.containers++;
    if (c.state === 'running') f.running++;
  }
  for (const n of ns)
    if (n.labels[LABEL.kind] === 'network' && n.labels[LABEL.topology]) entry(n.labels[LABEL.topology]).networks++;
  return [...byTopo.values()];
}

const ZERO = { containers: 0, running: 0, networks: 0 };
