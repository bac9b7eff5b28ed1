/**
 * Commands mvnet runs on a host or beside a container, in its probe image: a short-lived helper container on the
 * host's network, or in a container's network namespace. Each is labelled as the topology's helper (`what` says
 * what for), so that a run that dies leaves nothing another run cannot find.
 */
import type { Engine, ExecResult, HelperOptions, LiveContainer } from './engine.ts';
import { LABEL, LOCK_LABELS, labels } from './labels.ts';
import { processGone, thisProcess } from './holder.ts';
import { PROBE_IMAGE } from './probe-image.ts';

/** Extra powers for a helper: capabilities beyond NET_ADMIN and NET_RAW, the host's processes. */
export type HelperPowers = Pick<HelperOptions, 'capAdd' | 'pidHost'>;

/** `cmd` on the host's network namespace. */
export function onHost(e: Engine, topology: string, what: string, cmd: string[], powers: HelperPowers = {}) {
  return e.helper({
    image: PROBE_IMAGE,
    cmd,
    network: 'host',
    ...powers,
    labels: labels(topology, 'helper', e.host, what, thisProcess()),
  });
}

/** A running container to run a command beside. */
export interface Beside {
  id: string;
  name: string;
  image: string;
}

/**
 * `cmd` in a container's network namespace: `docker exec` when the container runs mvnet's probe image, else a
 * helper that shares its namespace (the container's own image may lack the tool). `how` says which, in words.
 */
export async function inNamespaceOf(
  e: Engine,
  topology: string,
  c: Beside,
  what: string,
  cmd: string[],
): Promise<{ r: ExecResult; how: string }> {
  const tool = cmd[0];
  if (c.image === PROBE_IMAGE)
    return {
      r: await e.exec(c.id, cmd),
      how: `docker exec ${c.name} (busybox ${tool} of mvnet's probe image) on ${e.host}`,
    };
  const r = await e.helper({
    image: PROBE_IMAGE,
    cmd,
    network: { container: c.id },
    labels: labels(topology, 'helper', e.host, what, thisProcess()),
  });
  const how =
    `busybox ${tool} in a helper container sharing ${c.name}'s network namespace on ${e.host} ` +
    `(its image ${c.image} may have no ${tool})`;
  return { r, how };
}

/**
 * Helpers a run left behind when it was killed (SIGKILL between a helper's start and its removal): this topology's
 * helpers that do not run and whose creator is known to be gone (or that predate creator labels). A helper of a
 * live run, here or on another machine, is never among them.
 */
export function deadHelpers(all: LiveContainer[], topology: string): LiveContainer[] {
  return all.filter(
    (c) =>
      c.labels[LABEL.topology] === topology &&
      c.labels[LABEL.kind] === 'helper' &&
      c.state !== 'running' &&
      (processGone(c.labels) || c.labels[LOCK_LABELS.pid] === undefined),
  );
}
