/** The resolved topology: the file's content after validation, with addresses as numbers. */
import type { Cidr, Ip } from '../net/ipv4.ts';
import type { Cidr6, Ip6 } from '../net/ipv6.ts';

export type MacvlanMode = 'bridge' | 'private' | 'vepa' | 'passthru';
export const MODES: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru'];

/**
 * How a network's containers reach the LAN: `macvlan` (an own MAC on the host's parent, Docker's macvlan
 * driver) or `routed` (a segment of each host's own, the host forwards and every host routes each host's
 * range through that host: the LAN sees only the hosts' MACs, so it works behind switches that drop foreign MACs).
 */
export type NetworkDriver = 'macvlan' | 'routed';

export interface NetworkSpec {
  name: string;
  driver: NetworkDriver;
  subnet: Cidr;
  gateway: Ip;
  /** the parent interface name on each host (a host may override it) */
  parent: string;
  mode: MacvlanMode;
  vlan?: number;
  /** size of each host's automatic range (default chosen from the subnet) */
  hostPrefix?: number;
  /** addresses that are never handed out (become Docker aux-addresses) */
  reserved: Ip[];
  /** create a macvlan shim on every host so host <-> containers work */
  hostAccess: boolean;
  /**
   * IPv6 beside IPv4 (dual stack): every IPv6 address mirrors an IPv4 one, the subnet's base plus the same offset
   * (10.100.1.5 in 10.100.0.0/16 is fd00:100::105 in fd00:100::/64), so it is planned and pinned with it
   */
  subnet6?: Cidr6;
  /** the IPv6 gateway: the mirror of the IPv4 gateway unless the file gives one */
  gateway6?: Ip6;
}

export interface ContainerSpec {
  name: string;
  network: string;
  ip?: Ip;
  mac?: string;
  image?: string;
  command?: string[];
}

export interface HostSpec {
  name: string;
  address: Ip;
  /** Docker endpoint: unix://, tcp://, ssh://; absent = the lab of the topology's name */
  docker?: string;
  /** the interface that carries the host's LAN address */
  interface: string;
  /** per-network parent override */
  parents: Record<string, string>;
  /** explicit per-network ip-ranges */
  ranges: Record<string, Cidr>;
  /** default route of the host (a LAN address, e.g. a router) */
  gateway?: Ip;
  /** the host forwards packets (ip_forward): with host access it routes between the LAN and its containers */
  forward: boolean;
  /** the lab's Docker engine for this host: Debian's docker.io of bookworm (20.10), trixie (26) or sid (28) */
  engine?: LabEngine;
  containers: ContainerSpec[];
}

/** A device on the LAN that is not a Docker host: a router (forwards) or a plain machine. */
export interface DeviceSpec {
  name: string;
  kind: 'router' | 'machine';
  /** LAN address */
  address: Ip;
  /** further addresses on the same wire, e.g. a router's leg at a network's gateway */
  addresses: { ip: Ip; prefix: number }[];
  /** default route (a LAN address) */
  gateway?: Ip;
}

/** A Swarm service: replicas scheduled by Swarm on the macvlan network. */
export interface ServiceSpec {
  name: string;
  network: string;
  replicas: number;
  image?: string;
  command?: string[];
  /** hosts the tasks may run on (all when absent) */
  placement?: string[];
}

export type LanSwitch = 'learning' | 'port-security';

export interface Topology {
  file: string;
  name: string;
  lan: Cidr;
  /** the LAN switch reflects frames back out of the port they came in on (VEPA needs it) */
  hairpin: boolean;
  /**
   * What the LAN's switch does with frames whose source MAC is not the host's own on that port: `learning`
   * forwards them (a plain switch), `port-security` drops them (port security, VMware's forged-transmits reject,
   * cloud networks): macvlan containers then cannot cross the LAN.
   */
  lanSwitch: LanSwitch;
  networks: NetworkSpec[];
  hosts: HostSpec[];
  devices: DeviceSpec[];
  /** docker: containers per host; swarm: the hosts form a Swarm and services are scheduled on it */
  engine: 'docker' | 'swarm';
  /** where apply's lock lives: the first host's engine (default) or an etcd endpoint (etcd://host:port) */
  lock: string;
  /** the Swarm manager (engine: swarm) */
  manager?: string;
  services: ServiceSpec[];
}

export function parentOf(host: HostSpec, net: NetworkSpec): string {
  return host.parents[net.name] ?? net.parent;
}

/** The link Docker hangs the macvlan on: `parent` or `parent.vlan`. */
export function linkOf(host: HostSpec, net: NetworkSpec): string {
  const p = parentOf(host, net);
  return net.vlan ? `${p}.${net.vlan}` : p;
}

export type LabEngine = '20.10' | '26' | '28';
