/** Export: one docker-compose file per host, with the planned network, addresses and MACs. Pure. */
import { stringify } from 'yaml';
import { desiredFor } from '../engine/desired.ts';
import type { Plan } from '../plan/types.ts';

export function composeFiles(
  plan: Plan,
  opts: { external?: boolean } = {},
): { host: string; file: string; text: string }[] {
  return plan.hosts.map((h) => {
    const want = desiredFor(plan, h);
    const networks: Record<string, unknown> = {};
    for (const n of want.networks) {
      // a routed network's segment: a bridge on the host's range; its routes are printed in the header
      networks[n.name] = opts.external
        ? { external: true, name: n.name }
        : n.driver === 'bridge'
          ? {
              name: n.name,
              driver: 'bridge',
              driver_opts: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
              ipam: {
                config: [
                  {
                    subnet: n.subnet,
                    gateway: n.gateway,
                    ...(Object.keys(n.aux).length ? { aux_addresses: n.aux } : {}),
                  },
                ],
              },
            }
          : {
              name: n.name,
              driver: 'macvlan',
              driver_opts: { parent: n.parent, macvlan_mode: n.mode },
              ipam: {
                config: [
                  {
                    subnet: n.subnet,
                    gateway: n.gateway,
                    ip_range: n.ipRange,
                    ...(Object.keys(n.aux).length ? { aux_addresses: n.aux } : {}),
                  },
                ],
              },
            };
    }
    const services: Record<string, unknown> = {};
    for (const c of want.containers) {
      services[c.name] = {
        image: c.image,
        container_name: c.name,
        hostname: c.name,
        // compose interpolates $VAR: a literal $ is written $$
        ...(c.command ? { command: c.command.map((a) => a.replace(/\$/g, '$$$$')) } : {}),
        mac_address: c.mac,
        restart: 'unless-stopped',
        networks: { [c.network]: { ipv4_address: c.ip } },
      };
    }
    const text =
      `# docker-compose file for host ${h.name} of topology ${plan.name}, exported by mvnet.\n` +
      `# Run it on ${h.name}: docker-compose -p ${plan.name} -f ${plan.name}-${h.name}.compose.yaml up -d\n` +
      want.routes
        .map(
          (r) =>
            `# routed network: also on ${h.name}: ip route replace ${r.to} via ${r.via} dev ${r.dev} ` +
            '(and sysctl -w net.ipv4.ip_forward=1)\n',
        )
        .join('') +
      stringify({ version: '2.4', services, networks }, { aliasDuplicateObjects: false });
    return { host: h.name, file: `${plan.name}-${h.name}.compose.yaml`, text };
  });
}
