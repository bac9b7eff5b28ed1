/**
 * Membership that outlives the file: every host of a topology carries a record of all the hosts the topology
 * lives on (name and engine endpoint), as last applied. Any surviving host therefore tells where else the
 * topology is, so a host dropped or renamed in the file is still found, cleaned by apply and reached by destroy.
 * A record is a never-started container labelled with the members; writing one replaces the host's older ones.
 */
import { randomBytes } from 'node:crypto';
import type { Engine, LiveContainer } from './engine.ts';
import { LABEL, labels } from './labels.ts';

/** host name -> engine endpoint */
export type Members = Record<string, string>;

export interface MemberRecord {
  ids: string[];
  /** the union of this host's records (normally one) */
  members: Members;
}

/** Parses records from a container listing. Unreadable labels count as empty (and are rewritten). */
export function recordOf(containers: LiveContainer[], topology: string): MemberRecord {
  const mine = containers.filter((c) => c.labels[LABEL.topology] === topology && c.labels[LABEL.kind] === 'members');
  const members: Members = Object.create(null);
  for (const c of mine) {
    try {
      Object.assign(members, JSON.parse(c.labels[LABEL.members] ?? '{}') as Members);
    } catch {
      /* rewritten on the next apply */
    }
  }
  return { ids: mine.map((c) => c.id), members };
}

export async function readRecord(e: Engine, topology: string): Promise<MemberRecord> {
  return recordOf(await e.containers({ [LABEL.topology]: topology, [LABEL.kind]: 'members' }), topology);
}

/** Writes this host's record: the new one first, then the older ones go (a crash leaves one or both, never none). */
export async function writeRecord(e: Engine, topology: string, members: Members, old: string[]): Promise<string> {
  const name = `mvnet-members-${topology}-${randomBytes(4).toString('hex')}`;
  const sorted = Object.fromEntries(Object.entries(members).sort(([a], [b]) => (a < b ? -1 : 1)));
  const id = await e.record(
    name,
    labels(topology, 'members', e.host, name, { [LABEL.members]: JSON.stringify(sorted) }),
  );
  for (const o of old) await e.removeContainer(o);
  return id;
}

export function sameMembers(a: Members, b: Members): boolean {
  const ka = Object.keys(a).sort(),
    kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}
