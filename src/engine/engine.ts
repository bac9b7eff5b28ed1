/** One Engine per host: the handful of operations mvnet needs from a Docker engine. */
import type { Duplex } from 'node:stream';
import type { SwarmApi } from './swarm-api.ts';

export interface EngineInfo {
  version: string;
  apiVersion: string;
  /** engines before 27 allow one macvlan network per parent */
  onePerParent: boolean;
}

export interface LiveNetwork {
  id: string;
  name: string;
  driver: string;
  labels: Record<string, string>;
  parent?: string;
  subnet?: string;
  ipRange?: string;
}

export interface LiveContainer {
  id: string;
  name: string;
  state: string;
  image: string;
  labels: Record<string, string>;
  /** network name -> address and MAC */
  networks: Record<string, { ip: string; mac: string; prefix: number; ip6?: string }>;
}

export interface NetworkCreate {
  name: string;
  /** macvlan, or bridge for a routed network's per-host segment */
  driver: 'macvlan' | 'bridge';
  parent: string;
  mode: string;
  subnet: string;
  gateway: string;
  ipRange: string;
  aux: Record<string, string>;
  /** dual stack: the IPv6 side (subnet, gateway, this host's range, addresses kept out) */
  subnet6?: string;
  gateway6?: string;
  ipRange6?: string;
  aux6?: Record<string, string>;
  labels: Record<string, string>;
}

export interface ContainerCreate {
  name: string;
  image: string;
  command?: string[];
  network: string;
  ip: string;
  ip6?: string;
  mac: string;
  labels: Record<string, string>;
}

/** A container found by its name. */
export interface NamedContainer {
  id: string;
  labels: Record<string, string>;
  running: boolean;
  /** Docker's status: created, running, exited, ... */
  status: string;
  /** when it was created, by the engine's clock (ms since the epoch) */
  created: number;
}

/** A host-network container whose standard input is the creating process's connection (see `holdOpen`). */
export interface HeldCreate {
  name: string;
  image: string;
  cmd: string[];
  labels: Record<string, string>;
}

export interface HeldContainer {
  id: string;
  /** its standard input (write to it, end it) and its multiplexed output */
  stream: Duplex;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Engine {
  readonly host: string;
  readonly endpoint: string;
  info(): Promise<EngineInfo>;
  /** how many CPUs the engine's machine has (its own count, from the engine) */
  cpus(): Promise<number>;
  /** the engine's own identity (Docker's ID): one engine reached two ways (ssh, TLS) is one engine */
  engineId(): Promise<string>;
  networks(filterLabels?: Record<string, string>): Promise<LiveNetwork[]>;
  containers(filterLabels?: Record<string, string>): Promise<LiveContainer[]>;
  createNetwork(n: NetworkCreate): Promise<string>;
  removeNetwork(id: string): Promise<void>;
  /** creates and starts */
  runContainer(c: ContainerCreate): Promise<string>;
  startContainer(id: string): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** a created, never-started container that only carries labels (mvnet's records on a host) */
  record(name: string, labels: Record<string, string>): Promise<string>;
  /** subnet, gateway and attached containers (name, IPv4Address, MacAddress) as `docker network inspect` shows */
  inspectNetwork(
    id: string,
  ): Promise<{ subnet: string; gateway: string; rows: { container: string; ipv4: string; mac: string }[] }>;
  hasImage(ref: string): Promise<boolean>;
  /** a container's status, how often it was restarted, its last exit code and its process id on the host */
  containerState(id: string): Promise<{ status: string; restarts: number; exitCode: number; pid: number }>;
  /** the last lines a container wrote (stdout and stderr) */
  logTail(id: string, lines: number): Promise<string>;
  pullImage(ref: string): Promise<void>;
  exec(id: string, cmd: string[], timeoutMs?: number): Promise<ExecResult>;
  /**
   * A short-lived helper container (host network or another container's network), removed afterwards; with
   * `pidHost` it sees the host's processes (entering their network namespaces needs SYS_ADMIN and SYS_PTRACE).
   */
  helper(opts: HelperOptions): Promise<ExecResult>;
  /** makes sure the image mvnet's helpers and probes run is there (imported from this machine's busybox if missing) */
  ensureHelperImage(): Promise<void>;
  /** a container by name, or null when the engine has none of that name */
  containerNamed(name: string): Promise<NamedContainer | null>;
  /** the engine's clock (ms since the epoch) */
  clock(): Promise<number>;
  /**
   * Creates a container attached to this connection and starts it once `attached` has the stream: it lives as
   * long as the connection does. Null when the name is taken (Docker refuses a second container of a name).
   */
  holdOpen(c: HeldCreate, attached: (stream: Duplex) => void): Promise<HeldContainer | null>;
  /** the engine's part in a Swarm (services and swarm-scoped networks; used when the topology says swarm) */
  swarm(): SwarmApi;
}

export interface HelperOptions {
  image: string;
  cmd: string[];
  network: 'host' | { container: string };
  privileged?: boolean;
  /** capabilities beyond NET_ADMIN and NET_RAW (which every helper has) */
  capAdd?: string[];
  pidHost?: boolean;
  labels: Record<string, string>;
}
