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

/**
 * What a topology may have made on its hosts outside Docker: shims, and routes in its routed subnets. Recorded with
 * the members before any of it is made and narrowed only after what is no longer planned was removed, so that an
 * interrupted run that removed the network (and its labels) still leads the next run to its shims and routes.
 */
export interface Plumbing {
  shims: boolean;
  routed: string[];
  routed6: string[];
}

export const NO_PLUMBING: Plumbing = { shims: false, routed: [], routed6: [] };

export function plumbingUnion(a: Plumbing, b: Plumbing): Plumbing {
  const u = (x: string[], y: string[]) => [...new Set([...x, ...y])].sort();
  return { shims: a.shims || b.shims, routed: u(a.routed, b.routed), routed6: u(a.routed6, b.routed6) };
}

const samePlumbing = (a: Plumbing, b: Plumbing) => JSON.stringify(a) === JSON.stringify(plumbingUnion(b, NO_PLUMBING));

function parsePlumbing(text: string | undefined): Plumbing {
  try {
    const v = JSON.parse(text ?? '{}') as Partial<Plumbing>;
    const list = (x: unknown) => (Array.isArray(x) ? x.filter((y): y is string => typeof y === 'string') : []);
    return { shims: v.shims === true, routed: list(v.routed), routed6: list(v.routed6) };
  } catch {
    return NO_PLUMBING;
  }
}

export interface MemberRecord {
  ids: string[];
  /** the union of this host's records (normally one) */
  members: Members;
  plumbing: Plumbing;
  /** host name -> its engine's identity, as recorded (empty in records of older versions) */
  engines: Members;
}

/** Parses records from a container listing. Unreadable labels count as empty (and are rewritten). */
export function recordOf(containers: LiveContainer[], topology: string): MemberRecord {
  const mine = containers.filter((c) => c.labels[LABEL.topology] === topology && c.labels[LABEL.kind] === 'members');
  const members: Members = Object.create(null);
  const engines: Members = Object.create(null);
  let plumbing = NO_PLUMBING;
  for (const c of mine) {
    plumbing = plumbingUnion(plumbing, parsePlumbing(c.labels[LABEL.plumbing]));
    try {
      Object.assign(members, JSON.parse(c.labels[LABEL.members] ?? '{}') as Members);
      Object.assign(engines, JSON.parse(c.labels[LABEL.engines] ?? '{}') as Members);
    } catch {
      /* rewritten on the next apply */
    }
  }
  return { ids: mine.map((c) => c.id), members, plumbing, engines };
}

export async function readRecord(e: Engine, topology: string): Promise<MemberRecord> {
  return recordOf(await e.containers({ [LABEL.topology]: topology, [LABEL.kind]: 'members' }), topology);
}

/** Writes this host's record: the new one first, then the older ones go (a crash leaves one or both, never none). */
/** What a record says: the members, their engines' identities, the plumbing. */
export interface RecordBody {
  members: Members;
  engines: Members;
  plumbing: Plumbing;
}

const sortedObject = (m: Members) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1)));

export async function writeRecord(e: Engine, topology: string, body: RecordBody, old: string[]): Promise<string> {
  const name = `mvnet-members-${topology}-${randomBytes(4).toString('hex')}`;
  const id = await e.record(
    name,
    labels(topology, 'members', e.host, name, {
      [LABEL.members]: JSON.stringify(sortedObject(body.members)),
      [LABEL.engines]: JSON.stringify(sortedObject(body.engines)),
      [LABEL.plumbing]: JSON.stringify(plumbingUnion(body.plumbing, NO_PLUMBING)),
    }),
  );
  for (const o of old) await e.removeContainer(o);
  return id;
}

export function sameMembers(a: Members, b: Members): boolean {
  const ka = Object.keys(a).sort(),
    kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/** A host's record is up to date: one record, these members, this plumbing. */
export function sameRecord(rec: MemberRecord | undefined, body: RecordBody): boolean {
  return (
    !!rec &&
    rec.ids.length === 1 &&
    sameMembers(rec.members, body.members) &&
    sameMembers(rec.engines, body.engines) &&
    samePlumbing(rec.plumbing, body.plumbing)
  );
}
