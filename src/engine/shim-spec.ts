/** A host-access shim as planned, and the systemd unit that keeps it across reboots. Pure. */
import { contains, formatCidr, formatIp } from '../net/ipv4.ts';
import { formatCidr6, formatIp6 } from '../net/ipv6.ts';
import { shimAlias } from '../plan/shim-names.ts';
import type { HostPlan, Plan } from '../plan/types.ts';

export interface ShimSpec {
  name: string;
  link: string;
  ip: string;
  /**
   * the destination routed through the shim: the network's subnet, or on a network that holds the host's own LAN
   * address (a flat network) only the host's range, so that the host's LAN route stays as it is
   */
  subnet: string;
  alias: string;
  /** dual stack: the shim's IPv6 address and the network's IPv6 subnet, routed through it too */
  ip6?: string;
  subnet6?: string;
}
export function desiredShims(plan: Plan, h: HostPlan): ShimSpec[] {
  return h.networks
    .filter((n) => n.shimName)
    .map((n) => {
      const net = plan.networks.find((x) => x.name === n.network)!;
      return {
        name: n.shimName!,
        link: n.link,
        ip: formatIp(n.shim!),
        subnet: formatCidr(contains(net.subnet, h.address) ? n.range : net.subnet),
        alias: shimAlias(plan.name, n.network),
        ...(net.subnet6 && n.shim6 !== undefined ? { ip6: formatIp6(n.shim6), subnet6: formatCidr6(net.subnet6) } : {}),
      };
    });
}

/**
 * One argument of a systemd command line: quoted, with systemd's specifiers (%) and variables ($) escaped, so that
 * a parent or alias holding `;`, `%h` or `$HOME` reaches ip as written.
 */
function sdArg(v: string): string {
  if (/^[A-Za-z0-9_.:/@+-]+$/.test(v)) return v;
  return `"${v
    .replace(/[\\"]/g, (c) => `\\${c}`)
    .replace(/%/g, '%%')
    .replace(/\$/g, '$$$$')}"`;
}

/** A systemd unit that recreates the shim at boot (print it, install it on the host). */
export function shimUnit(topology: string, network: string, raw: ShimSpec): string {
  const s = Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === 'string' ? sdArg(v) : v]),
  ) as unknown as ShimSpec;
  const ip = (args: string) => `ExecStart=/sbin/ip ${args}`;
  const v6 = s.ip6
    ? [ip(`-6 addr add ${s.ip6}/128 dev ${s.name} nodad`), ip(`-6 route add ${s.subnet6} dev ${s.name}`)]
    : [];
  return [
    `# /etc/systemd/system/mvnet-shim-${s.name}.service — ` +
      `host access for macvlan network ${network} (topology ${topology})`,
    '# install: copy to /etc/systemd/system/, then: ' +
      `systemctl daemon-reload && systemctl enable --now mvnet-shim-${s.name}`,
    '[Unit]',
    `Description=mvnet macvlan shim ${s.name} for ${network} (${topology})`,
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStartPre=-/sbin/ip link del ${s.name}`,
    ip(`link add ${s.name} link ${s.link} type macvlan mode bridge`),
    ip(`link set dev ${s.name} alias ${s.alias}`),
    ip(`addr add ${s.ip}/32 dev ${s.name}`),
    ip(`link set ${s.name} up`),
    ip(`route add ${s.subnet} dev ${s.name}`),
    ...v6,
    `ExecStop=/sbin/ip link del ${s.name}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
