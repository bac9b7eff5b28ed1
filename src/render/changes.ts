/**
 * The changes apply will make, as terraform shows a plan: per host, `+` to add, `~` to change (a container or
 * network is recreated with the field-level difference, a stopped container started), `-` to destroy, and one
 * summary line. Pure.
 */
import type { Change } from '../engine/diff.ts';
import { fit } from './columns.ts';

const MARK: Record<Change['action'], string> = { create: '+', recreate: '~', start: '~', scale: '~', remove: '-' };

export interface ChangeCount {
  add: number;
  change: number;
  destroy: number;
}

export function countChanges(changes: Change[]): ChangeCount {
  return {
    add: changes.filter((c) => c.action === 'create').length,
    change: changes.filter((c) => c.action === 'recreate' || c.action === 'start' || c.action === 'scale').length,
    destroy: changes.filter((c) => c.action === 'remove').length,
  };
}

/** `Plan: 4 to add, 1 to change, 0 to destroy.` */
export function summaryLine(changes: Change[]): string {
  const n = countChanges(changes);
  return `Plan: ${n.add} to add, ${n.change} to change, ${n.destroy} to destroy.`;
}

const VERB: Record<Change['action'], string> = {
  create: 'created',
  recreate: 'recreated',
  start: 'started',
  scale: 'scaled',
  remove: 'removed',
};

/** One block per host, each line at most `width` columns; `former`: hosts no longer in the file. */
export function changesText(changes: Change[], width: number, former: Set<string> = new Set()): string {
  const out: string[] = [];
  const hosts = [...new Set(changes.map((c) => c.host))];
  const nameWidth = Math.min(32, Math.max(...changes.map((c) => c.kind.length + 1 + c.name.length)));
  for (const host of hosts) {
    const n = changes.filter((x) => x.host === host).length;
    out.push(
      fit(
        former.has(host)
          ? `  host ${host} (no longer in the file): apply removes ${n} object${n === 1 ? '' : 's'} from it`
          : `  ${host}`,
        width,
      ),
    );
    for (const c of changes.filter((x) => x.host === host)) {
      const what = `${c.kind} ${c.name}`.padEnd(nameWidth);
      const verb = c.action === 'create' || c.action === 'remove' ? '' : `${VERB[c.action]}: `;
      const why = `${verb}${c.why}${c.drift ? ' (changed by hand)' : ''}`;
      out.push(fit(`    ${MARK[c.action]} ${what}  ${why}`, width));
      for (const f of c.fields ?? []) out.push(fit(`        ${f.field}: ${f.from} → ${f.to}`, width));
    }
  }
  return out.join('\n');
}
