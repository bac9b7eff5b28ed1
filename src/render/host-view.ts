/** The seed's views of a live host as text: its tables, then the drift against the plan. Pure. */
import type { HostView } from '../engine/host-view.ts';
import type { Plan } from '../plan/types.ts';
import { hang } from './columns.ts';
import { ipAddrTable, networkInspectTable } from './tables.ts';

export function renderHostView(v: HostView, plan: Plan, width: number): string {
  // tables of live values in the seed's layout, not transcripts: the headings say so (no `$` prompt)
  const out: string[] = [
    `==== ${v.host} (${v.address}) ====`,
    `ip addr of ${v.host} (read live, as a table)`,
    ipAddrTable(v.ipAddr, width),
  ];
  for (const [name, rows] of Object.entries(v.containers)) {
    out.push(
      hang('', `ip addr in ${name} (read live, as the seed's docker exec -it ${name} ip addr showed it)`, width),
    );
    out.push(rows ? ipAddrTable(rows, width) : '(not running)');
  }
  for (const [name, nr] of Object.entries(v.networks)) {
    out.push(hang('', `docker network inspect ${name} (read live through the Docker API, as a table)`, width));
    out.push(nr ? networkInspectTable(name, nr.subnet, nr.gateway, nr.rows, width) : '(missing: run mvnet apply)');
  }
  if (v.drift.length) out.push(`drift against the plan of ${plan.name}:`, ...v.drift.map((d) => `  ! ${d}`));
  return out.join('\n');
}
