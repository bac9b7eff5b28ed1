/** What mvnet asks of an engine in Swarm mode: its membership, swarm-scoped networks and services. */
import type { NetworkCreate } from './engine.ts';

export interface SwarmMembership {
  /** the engine is part of a Swarm */
  active: boolean;
  /** and one of its managers */
  manager: boolean;
}

/** A swarm-scoped macvlan network and the config-only network it was built from. */
export interface LiveSwarmNetwork {
  id: string;
  name: string;
  configFrom: string;
}

export interface LiveService {
  id: string;
  name: string;
  labels: Record<string, string>;
  /** the spec's version (an update names the version it changes) */
  version: number;
  replicas: number;
}

export interface ServiceCreate {
  name: string;
  labels: Record<string, string>;
  image: string;
  command?: string[];
  /** labels of the service's task containers */
  taskLabels: Record<string, string>;
  network: string;
  constraints: string[];
  replicas: number;
}

export interface SwarmApi {
  membership(): Promise<SwarmMembership>;
  /** the swarm-scoped macvlan networks (on a manager) */
  networks(): Promise<LiveSwarmNetwork[]>;
  /** a node's config-only network: its range and reserved addresses, no driver state */
  createConfigOnly(n: NetworkCreate): Promise<string>;
  /** an attachable swarm-scoped macvlan network built from the nodes' config-only networks of that name */
  createNetwork(name: string, configFrom: string): Promise<string>;
  services(filterLabels: Record<string, string>): Promise<LiveService[]>;
  createService(s: ServiceCreate): Promise<string>;
  /** sets a service's replicas, keeping the rest of its spec */
  scale(id: string, replicas: number): Promise<void>;
  removeService(id: string): Promise<void>;
  /** how many tasks of a service the manager still knows (0 once it is gone) */
  taskCount(service: string): Promise<number>;
}
