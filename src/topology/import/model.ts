/** What `mvnet import` collects from scripts and compose files before it becomes a topology. Pure types. */

/** A place in the user's own files. */
export interface Where {
  file: string;
  line: number;
}

/**
 * A note on something not carried over as written. rank 0: it changes the network (a line skipped, a value
 * assumed); 1: it changes a container; 2: a flag that is not part of the network (summarised in one line).
 */
export interface Note {
  where: Where;
  text: string;
  problem: string;
  rank: 0 | 1 | 2;
  flag?: string;
}

export interface NetDef {
  name: string;
  subnet?: string;
  gateway?: string;
  subnet6?: string;
  gateway6?: string;
  parent?: string;
  mode?: string;
  vlan?: number;
  reserved: string[];
  where: Where;
  /** read from a commented-out line (the script's active lines need it) */
  commented?: boolean;
  /** compose `external: true`: defined elsewhere */
  external?: boolean;
}

export interface ContIn {
  name: string;
  network?: string;
  ip?: string;
  ip6?: string;
  mac?: string;
  image?: string;
  command?: string[];
  where: Where;
}

export interface HostIn {
  name: string;
  address?: string;
  /** networks created on this host, with the --ip-range the author gave it there */
  nets: Map<string, { range?: string; where: Where }>;
  containers: Map<string, ContIn>;
}

export interface Collect {
  networks: Map<string, NetDef>;
  hosts: HostIn[];
  notes: Note[];
  /** what cannot be imported as written: the import fails, naming file and line */
  errors: Note[];
  /** Swarm services (docker service create), with config-only networks giving each node's part */
  services: { name: string; network: string; replicas: number; image?: string; command?: string[]; where: Where }[];
  /** Swarm: config-only network -> the network made --config-from it (resolved once every file is read) */
  configFrom: Map<string, { network: string; where: Where; text: string }>;
}

export function emptyCollect(): Collect {
  return { networks: new Map(), hosts: [], notes: [], errors: [], services: [], configFrom: new Map() };
}

/** Each config-only network becomes the Swarm network made from it, on every host. */
export function resolveConfigFrom(c: Collect): void {
  for (const [conf, to] of c.configFrom) {
    const def = c.networks.get(conf);
    if (!def) {
      c.errors.push({
        where: to.where,
        text: to.text,
        rank: 0,
        problem: `--config-from ${conf}: no config-only network of that name`,
      });
      continue;
    }
    c.networks.delete(conf);
    c.networks.set(to.network, { ...def, name: to.network });
    for (const h of c.hosts) {
      const own = h.nets.get(conf);
      if (own) {
        h.nets.delete(conf);
        h.nets.set(to.network, own);
      }
    }
  }
}

export function hostIn(c: Collect, name: string, address?: string): HostIn {
  let h = c.hosts.find((x) => x.name === name);
  if (!h) {
    h = { name, nets: new Map(), containers: new Map() };
    c.hosts.push(h);
  }
  if (address) h.address = address;
  return h;
}
