/** The Plan: every address, range and object of the cluster, decided before anything is touched. */
import type { Cidr, Ip } from '../net/ipv4.ts';
import type { Cidr6, Ip6 } from '../net/ipv6.ts';
import type { DeviceSpec, LanSwitch, NetworkSpec, ServiceSpec } from '../topology/types.ts';

/** Where a decided value comes from. */
export type Source = 'file' | 'auto' | 'live';

export interface PlannedContainer {
  /** HOST/CONTAINER */
  id: string;
  host: string;
  name: string;
  network: string;
  ip: Ip;
  /** its IPv6 address on a dual-stack network (the mirror of `ip`) */
  ip6?: Ip6;
  mac: string;
  image?: string;
  command?: string[];
  ipFrom: Source;
  /** a Swarm task: its service, and the Docker id of its container */
  service?: string;
  dockerId?: string;
}

export interface HostNetworkPlan {
  network: string;
  /** the parent interface on this host */
  parent: string;
  /** what Docker's parent option gets: parent or parent.vlan */
  link: string;
  range: Cidr;
  /** dual stack: the mirror of `range` in the network's IPv6 subnet */
  range6?: Cidr6;
  rangeFrom: Source | 'containers';
  /** addresses kept out of Docker's IPAM on this host (Docker aux-addresses) */
  aux: { name: string; ip: Ip }[];
  /** the host's own macvlan shim (hostAccess): its interface name and address */
  shim?: Ip;
  /** dual stack: the shim's IPv6 address (the mirror of `shim`) */
  shim6?: Ip6;
  shimName?: string;
  /**
   * the containers' default gateway on this host: the network's gateway, or the host's shim (hostAccess without a
   * router there), or for a routed network the host's own address on its segment
   */
  gateway: Ip;
  /** routed network: the routes this host needs, each other host's range through that host's LAN address */
  routes?: { to: Cidr; via: Ip; host: string; to6?: Cidr6 }[];
  /** routed network with IPv6: the host's own IPv6 address on its segment (the mirror of `gateway`) */
  gateway6?: Ip6;
}

export interface HostPlan {
  name: string;
  address: Ip;
  interface: string;
  docker?: string;
  /** default route (a LAN address) */
  gateway?: Ip;
  /** forwards packets (ip_forward) */
  forward: boolean;
  networks: HostNetworkPlan[];
  containers: PlannedContainer[];
}

export interface Plan {
  name: string;
  file: string;
  lan: Cidr;
  hairpin: boolean;
  lanSwitch: LanSwitch;
  networks: NetworkSpec[];
  hosts: HostPlan[];
  devices: DeviceSpec[];
  /** all containers, host by host (with engine: swarm, also the live service tasks when read back) */
  containers: PlannedContainer[];
  engine: 'docker' | 'swarm';
  manager?: string;
  services: ServiceSpec[];
}

/** Live values that must not move (read back from the hosts' labels by apply). */
export interface Pins {
  /** "HOST/NETWORK" -> range */
  ranges?: Map<string, Cidr>;
  /** "HOST/CONTAINER" -> ip */
  ips?: Map<string, Ip>;
  /** addresses held by containers that are not the topology's: never handed out automatically */
  taken?: Set<Ip>;
}

export function containerId(host: string, name: string): string {
  return `${host}/${name}`;
}

/** Every endpoint of a plan, in matrix order: containers (HOST/NAME), then hosts, then LAN machines. */
export function endpointIds(plan: Pick<Plan, 'containers' | 'hosts' | 'devices'>): string[] {
  return [
    ...plan.containers.map((c) => c.id),
    ...plan.hosts.map((h) => h.name),
    ...plan.devices.filter((d) => d.kind === 'machine').map((d) => d.name),
  ];
}
