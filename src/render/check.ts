/** `mvnet check`'s report: a matrix of host pairs and, when macvlan cannot cross, the fix per platform. Pure. */
import type { LanCheck } from '../engine/check.ts';
import { columns, hang } from './columns.ts';

export const CHECK_FIX = [
  "VMware: on the port group (or vSwitch) of the hosts' LAN interface, allow Promiscuous mode and Forged " +
    'transmits (and MAC address changes).',
  "Hyper-V: enable MAC address spoofing on each host VM's network adapter.",
  'Clouds (AWS, Azure, GCP) and Wi-Fi parents drop foreign MACs by design: there macvlan cannot cross hosts; ' +
    "use driver: routed for the network (each host's range routed through that host; the same addresses).",
  "A switch with port security: allow more than one MAC per port on the hosts' ports.",
];

export function checkText(c: LanCheck, hosts: string[], width: number): string {
  const cell = (a: string, b: string) => {
    if (a === b) return '·';
    const p = c.pairs.find((x) => x.from === a && x.to === b);
    return p ? (p.crosses ? '✓' : p.why === 'dropped' || !p.why ? '✗' : '-') : '?';
  };
  const out = [
    'Frames from a foreign MAC (a macvlan probe) across the LAN (rows send, columns answer; ✓ crosses, ' +
      '✗ dropped, - the hosts do not reach each other at all, ? not tested):',
  ].map((l) => hang('', l, width));
  out.push(
    columns(
      ['FROM', ...hosts],
      hosts.map((a) => [a, ...hosts.map((b) => cell(a, b))]),
      width,
      false,
    ),
  );
  for (const f of c.failed) out.push(hang('', `${f.host}: no probe (${f.why})`, width));
  const blocked = c.pairs.filter((p) => !p.crosses && (p.why ?? 'dropped') === 'dropped');
  const cut = c.pairs.filter((p) => p.why === 'link-down' || p.why === 'unreachable');
  out.push('');
  for (const p of cut)
    out.push(
      hang(
        '',
        p.why === 'link-down'
          ? `${p.from} -> ${p.to}: a LAN interface has no carrier: a host is cut off the LAN (a cable, a switch ` +
              'port, a link set down), not a MAC filter'
          : `${p.from} -> ${p.to}: the hosts do not reach each other's own addresses either (a host down, a ` +
              'firewall, or not on one LAN), so this says nothing of MAC filters',
        width,
      ),
    );
  if (c.pairs.every((p) => p.crosses) && c.failed.length === 0) {
    out.push(
      hang('', 'The LAN carries frames from foreign MACs between every pair of hosts: macvlan can cross it.', width),
    );
  } else if (blocked.length > 0) {
    out.push(
      hang(
        '',
        `${blocked.length} of ${c.pairs.length} host pairs drop frames from foreign MACs: macvlan ` +
          'containers on those hosts cannot reach each other (nor other hosts, nor the LAN). ' +
          'The fix depends on the platform:',
        width,
      ),
    );
    for (const f of CHECK_FIX) out.push(hang('  - ', f, width));
  }
  return out.join('\n');
}
