/**
 * The lab: the topology's LAN on one machine. A bridge in its own namespace is the LAN; every host is a
 * namespace with one veth per parent interface (named as the file says) plugged into that bridge, its LAN
 * address, and a real dockerd. Everything created is recorded first in lab.json, so down removes exactly it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dockerode } from '../engine/dockerode.ts';
import { MvnetError, MultiHostError } from '../errors.ts';
import { formatIp, withPrefix } from '../net/ipv4.ts';
import type { Topology } from '../topology/types.ts';
import {
  clearStaleContainerd,
  daemonPid,
  dockerdArgv,
  isAlive,
  proc,
  processesUnder,
  sameProcess,
  startDetached,
  startDockerd,
  stopProcesses,
  waitReady,
  type Proc,
} from './dockerd.ts';
import { requireEngine } from './engines.ts';
import {
  checkMgmtFree,
  hasSshd,
  linkMgmt,
  makeHostCredentials,
  makeLabCredentials,
  remoteHost,
  sshdArgv,
  tlsDaemonArgs,
  unlinkMgmt,
  waitPort,
} from './remote.ts';
import { bridge, ip, run } from './exec.ts';
import { BRIDGE, bridgePort, deviceNs, hostDir, hostNs, labDir, labNsPrefix, lanNs, socketPath } from './paths.ts';
import { readState, writeState, type LabHostState, type LabState } from './state.ts';
import { raiseNeighbourLimits, restoreNeighbourLimits } from './sysctl.ts';
import { vlanSupport } from './kernel.ts';
import { formSwarm } from './swarm.ts';
import { mountsUnder } from './leftovers.ts';
import { loadProbeImage } from '../engine/image.ts';

export type Progress = (msg: string) => void;

/** Distinct parent interface names of a host, the LAN-address interface first. */
export function hostParents(topo: Topology, host: string): string[] {
  const h = topo.hosts.find((x) => x.name === host)!;
  const names = [
    h.interface,
    ...topo.networks.filter((n) => n.driver !== 'routed').map((n) => h.parents[n.name] ?? n.parent),
  ];
  return [...new Set(names)];
}

export async function namespaces(): Promise<string[]> {
  const r = await run('ip', ['netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
}

export type UpResult = { already: boolean; hosts: string[]; ms: number };

/** What makes a lab: a file with another layout is another lab and is refused, never silently rebuilt. */
/** Every endpoint a full mesh in this lab can probe: containers, service replicas, hosts, LAN devices. */
function endpointsOf(topo: Topology): number {
  const containers = topo.hosts.reduce((n, h) => n + h.containers.length, 0);
  return containers + topo.services.reduce((n, s) => n + s.replicas, 0) + topo.hosts.length + topo.devices.length;
}

export function labLayout(topo: Topology): string {
  return JSON.stringify({
    lan: [topo.lan.base, topo.lan.prefix],
    engine: topo.engine,
    manager: topo.manager ?? null,
    ...(topo.lanSwitch === 'learning' ? {} : { switch: topo.lanSwitch }),
    hosts: topo.hosts.map((h) => [
      h.name,
      h.address,
      h.interface,
      hostParents(topo, h.name),
      h.gateway ?? null,
      h.forward,
      h.engine ?? '20.10',
    ]),
    devices: topo.devices.map((d) => [
      d.name,
      d.kind,
      d.address,
      d.addresses.map((a) => [a.ip, a.prefix]),
      d.gateway ?? null,
    ]),
  });
}

/** What a step of `lab up` works with. */
interface UpCtx {
  topo: Topology;
  state: LabState;
  progress: Progress;
  opts: { replace?: boolean; remote?: boolean };
}

/**
 * `lab up` as ordered steps, kind-style: each one adds to what lab.json records, and when a step fails the lab
 * is undone from that record (`labDown`), whatever step it reached (MVNET_LAB_KEEP=1 keeps it for a look).
 */
const UP_STEPS: { name: string; run: (c: UpCtx) => Promise<void> }[] = [
  { name: 'the LAN bridge', run: lanBridge },
  { name: 'the hosts', run: hostNamespaces },
  { name: 'the LAN devices', run: deviceNamespaces },
  {
    name: 'the switch',
    run: async (c) => {
      if (c.topo.lanSwitch === 'port-security') await lockPorts(c.topo, c.state, c.progress);
    },
  },
  { name: 'routes and forwarding', run: hostRouting },
  {
    name: 'the management network',
    run: async (c) => {
      if (c.opts.remote) await linkRemote(c.topo, c.state, c.progress);
    },
  },
  { name: 'the Docker engines', run: engines },
  {
    name: 'sshd',
    run: async (c) => {
      if (c.opts.remote) await startSshds(c.state, c.progress);
    },
  },
  {
    name: 'the Swarm',
    run: async (c) => {
      if (c.topo.engine === 'swarm') await formSwarm(c.topo, c.state, c.progress);
    },
  },
];

export async function labUp(
  topo: Topology,
  progress: Progress = () => {},
  opts: { replace?: boolean; remote?: boolean } = {},
): Promise<UpResult> {
  const t0 = Date.now();
  const already = await earlierLab(topo, progress, opts);
  if (already) return { already: true, hosts: already, ms: Date.now() - t0 };
  for (const h of topo.hosts) if (h.engine) requireEngine(h.engine, `hosts.${h.name}.engine`);
  const state = newState(topo);
  writeState(state);
  raiseNeighbourLimits(endpointsOf(topo));
  try {
    for (const step of UP_STEPS) await step.run({ topo, state, progress, opts });
    state.ready = true;
    writeState(state);
  } catch (e) {
    if (!process.env.MVNET_LAB_KEEP) await labDown(topo, () => {}).catch(() => {});
    throw e;
  }
  return { already: false, hosts: topo.hosts.map((h) => h.name), ms: Date.now() - t0 };
}

/**
 * Before anything is made: the kernel can do what the file asks, and an earlier lab of this name is either the
 * same and up (its hosts are returned: nothing to do), removed as lab.json records it, or refused.
 */
async function earlierLab(
  topo: Topology,
  progress: Progress,
  opts: { replace?: boolean; remote?: boolean },
): Promise<string[] | null> {
  const name = topo.name;
  if (topo.networks.some((n) => n.vlan) && !(await vlanSupport())) {
    const n = topo.networks.find((x) => x.vlan)!;
    throw new MvnetError(
      'lab',
      `network ${n.name} uses vlan ${n.vlan}, but this kernel has no 802.1q support ("operation not supported")`,
      `networks.${n.name}.vlan`,
      'run the lab on a kernel with the 8021q module (modprobe 8021q), or remove vlan: for the lab',
    );
  }
  const prev = readState(name);
  const layout = labLayout(topo);
  if (!prev) {
    const stray = (await namespaces()).filter((n) => n.startsWith(labNsPrefix(name)));
    if (stray.length) {
      throw new MvnetError(
        'lab',
        `namespaces ${stray.join(', ')} exist but no lab.json in ${labDir(name)} records them`,
        name,
        `if they are yours, remove them (ip netns del NAME); mvnet removes only what it recorded`,
      );
    }
    return null;
  }
  const other = prev.layout !== layout || (opts.remote && !prev.remote);
  if (other && !opts.replace) {
    throw new MvnetError(
      'lab',
      `lab ${name} is up with another layout (hosts ${Object.keys(prev.hosts).join(', ')}, ` +
        `from ${prev.file}) than ${topo.file} describes; mvnet does not remove it on its own`,
      name,
      `mvnet lab down -f ${topo.file} (removes what lab.json records), or mvnet lab up --replace -f ${topo.file}`,
    );
  }
  const st = await labStatus(topo);
  if (!other && prev.ready && st.every((h) => h.daemon === 'up')) {
    raiseNeighbourLimits(endpointsOf(topo)); // the file may have grown
    progress(`lab ${name} is already up`);
    return Object.keys(prev.hosts);
  }
  progress(
    `lab ${name}: removing ${prev.ready ? 'the earlier lab' : 'leftovers of an unfinished lab up'} ` +
      '(as lab.json records it)',
  );
  await labDown(topo, () => {});
  return null;
}

/** What lab.json records before anything is made: every namespace and each host's engine. */
function newState(topo: Topology): LabState {
  const name = topo.name;
  const state: LabState = {
    name,
    file: topo.file,
    lanNs: lanNs(name),
    namespaces: [
      lanNs(name),
      ...topo.hosts.map((h) => hostNs(name, h.name)),
      ...topo.devices.map((d) => deviceNs(name, d.name)),
    ],
    hosts: {},
    ready: false,
    createdAt: new Date().toISOString(),
    layout: labLayout(topo),
  };
  topo.hosts.forEach((h, i) => {
    const dir = hostDir(name, h.name);
    state.hosts[h.name] = {
      ns: hostNs(name, h.name),
      dir,
      socket: socketPath(name, h.name),
      ports: hostParents(topo, h.name).map((_, j) => bridgePort(i, j)),
      argv: dockerdArgv(hostNs(name, h.name), dir, h.engine),
    };
  });
  return state;
}

async function lanBridge({ topo, state, progress }: UpCtx): Promise<void> {
  progress(`LAN ${withPrefix(topo.lan.base, topo.lan.prefix)}: bridge ${BRIDGE} in namespace ${state.lanNs}`);
  await ip(null, 'netns', 'add', state.lanNs);
  await ip(state.lanNs, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
  await ip(state.lanNs, 'link', 'set', BRIDGE, 'up');
  await ip(state.lanNs, 'link', 'set', 'lo', 'up');
}

/** Each host: its namespace, one veth per parent into the LAN bridge, its LAN address. */
async function hostNamespaces({ topo, state, progress }: UpCtx): Promise<void> {
  for (const [i, h] of topo.hosts.entries()) {
    const ns = hostNs(topo.name, h.name);
    await ip(null, 'netns', 'add', ns);
    await ip(ns, 'link', 'set', 'lo', 'up');
    for (const [j, parent] of hostParents(topo, h.name).entries()) {
      const port = bridgePort(i, j);
      await ip(ns, 'link', 'add', 'name', parent, 'type', 'veth', 'peer', 'name', port, 'netns', state.lanNs);
      await ip(state.lanNs, 'link', 'set', port, 'master', BRIDGE, 'up');
      await ip(ns, 'link', 'set', 'dev', parent, 'up');
    }
    await ip(ns, 'addr', 'add', withPrefix(h.address, topo.lan.prefix), 'brd', '+', 'dev', h.interface);
    progress(`host ${h.name}: namespace ${ns}, ${h.interface} ${formatIp(h.address)}`);
  }
}

/** LAN devices: routers forward, machines just have an address. */
async function deviceNamespaces({ topo, state, progress }: UpCtx): Promise<void> {
  for (const [i, d] of topo.devices.entries()) {
    const ns = deviceNs(topo.name, d.name);
    await ip(null, 'netns', 'add', ns);
    await ip(ns, 'link', 'set', 'lo', 'up');
    await ip(ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', devicePort(i), 'netns', state.lanNs);
    await ip(state.lanNs, 'link', 'set', devicePort(i), 'master', BRIDGE, 'up');
    await ip(ns, 'addr', 'add', withPrefix(d.address, topo.lan.prefix), 'brd', '+', 'dev', 'eth0');
    for (const a of d.addresses) await ip(ns, 'addr', 'add', withPrefix(a.ip, a.prefix), 'dev', 'eth0');
    await ip(ns, 'link', 'set', 'eth0', 'up');
    if (d.gateway !== undefined) await ip(ns, 'route', 'add', 'default', 'via', formatIp(d.gateway));
    if (d.kind === 'router') {
      await nsSysctl(ns, 'net.ipv4.ip_forward', '1');
      await nsSysctl(ns, 'net.ipv4.conf.all.send_redirects', '0');
      await nsSysctl(ns, 'net.ipv4.conf.eth0.send_redirects', '0');
    }
    const addrs = [d.address, ...d.addresses.map((a) => a.ip)].map(formatIp).join(', ');
    progress(`${d.kind} ${d.name}: namespace ${ns}, eth0 ${addrs}${d.kind === 'router' ? ', forwarding' : ''}`);
  }
}

/** Hosts' default routes, and forwarding where the file says a host forwards (IPv6 too with dual stack). */
async function hostRouting({ topo }: UpCtx): Promise<void> {
  for (const h of topo.hosts)
    if (h.gateway !== undefined)
      await ip(hostNs(topo.name, h.name), 'route', 'add', 'default', 'via', formatIp(h.gateway));
  const six = topo.networks.some((n) => n.subnet6);
  for (const h of topo.hosts)
    if (h.forward) {
      await nsSysctl(hostNs(topo.name, h.name), 'net.ipv4.ip_forward', '1');
      await nsSysctl(hostNs(topo.name, h.name), 'net.ipv4.conf.all.send_redirects', '0');
      if (six) await nsSysctl(hostNs(topo.name, h.name), 'net.ipv6.conf.all.forwarding', '1');
    }
}

/** The engines, at once (MVNET_LAB_SERIAL=1: one after the other, the naive way, for the benchmark). */
async function engines({ topo, state, progress }: UpCtx): Promise<void> {
  const serial = process.env.MVNET_LAB_SERIAL === '1';
  progress(`starting ${topo.hosts.length} Docker engines${serial ? ' one at a time' : ''}`);
  const errors: MvnetError[] = [];
  const bringUp = async (h: (typeof topo.hosts)[number]) => {
    const hs = state.hosts[h.name];
    try {
      mkdirSync(hs.dir, { recursive: true });
      await startEngine(state, hs);
      await loadProbeImage(new (dockerode())({ socketPath: hs.socket }));
      progress(`host ${h.name}: Docker engine ready (pid ${hs.pid}), probe image loaded`);
    } catch (e) {
      errors.push(new MvnetError('lab', (e as Error).message, h.name));
    }
  };
  if (serial) for (const h of topo.hosts) await bringUp(h);
  else await Promise.all(topo.hosts.map(bringUp));
  if (errors.length)
    throw new MultiHostError('lab', errors, `lab ${topo.name}: ${errors.length} engine(s) failed to start`);
}

/** Removes everything the lab made: daemons (by recorded pid), their leftovers, mounts, namespaces, folder. */
export async function labDown(topo: Topology, progress: Progress = () => {}): Promise<{ removed: string[] }> {
  const name = topo.name;
  const state = readState(name);
  const dir = labDir(name);
  const removed: string[] = [];
  if (!state) {
    progress(`lab ${name} is not up: no lab.json of it in ${dir}; nothing removed`);
    return { removed };
  }
  await Promise.all(
    Object.values(state.hosts).map(async (h) => {
      const procs = recordedProcs(h);
      if (procs.some(sameProcess)) removed.push(`dockerd ${h.pid ?? procs[0].pid}`);
      await stopProcesses(h.sshd ? [...procs, h.sshd] : procs);
      // containerd and shims of that dockerd: Docker's executables whose command line names our folder
      await stopProcesses(processesUnder(h.dir), 3000);
    }),
  );
  removed.push(...(await unlinkMgmt(state)));
  await unmountUnder(dir);
  const nsList = await namespaces();
  for (const ns of state.namespaces) {
    if (nsList.includes(ns)) {
      await run('ip', ['netns', 'del', ns]);
      removed.push(`namespace ${ns}`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  removed.push(`folder ${dir}`);
  restoreNeighbourLimits();
  progress(removed.length ? `lab ${name} removed: ${removed.join(', ')}` : `lab ${name} was not up; nothing to remove`);
  return { removed };
}

/** The processes lab.json recorded for a host; a dockerd that wrote its pid file but died before being recorded too. */
function recordedProcs(h: LabHostState): Proc[] {
  const procs = [...(h.procs ?? [])];
  const fromFile = proc(daemonPid(h.dir));
  if (
    fromFile &&
    !procs.some((p) => p.pid === fromFile.pid) &&
    processesUnder(h.dir).some((p) => p.pid === fromFile.pid)
  ) {
    procs.push(fromFile);
  }
  return procs;
}

/** Starts a host's dockerd, recording each process before waiting on it. */
async function startEngine(state: LabState, hs: LabHostState): Promise<void> {
  const wrapper = startDockerd(hs.argv, hs.dir);
  hs.pid = wrapper;
  hs.procs = [proc(wrapper) ?? { pid: wrapper, start: '?' }];
  writeState(state);
  await waitReady(hs.socket, wrapper, hs.dir);
  const daemon = proc(daemonPid(hs.dir));
  if (daemon) {
    hs.pid = daemon.pid;
    hs.procs.push(daemon);
  }
  writeState(state);
}

/** Unmounts everything mounted below `dir`, deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) return;
    for (const m of mounts) await run('umount', ['-l', m]);
  }
}

export interface HostStatus {
  host: string;
  /** a Docker host, or a LAN device (router, machine) of the file */
  kind: 'host' | 'router' | 'machine';
  namespace: boolean;
  /** a device has no engine: 'none' */
  daemon: 'up' | 'down' | 'not answering' | 'none';
  pid: number | null;
  socket: string;
  addresses: string[];
  link: 'up' | 'down' | 'absent';
}

export async function labStatus(topo: Topology): Promise<HostStatus[]> {
  const state = readState(topo.name);
  const nsList = await namespaces();
  const addressesIn = async (ns: string) => {
    if (!nsList.includes(ns)) return [];
    const r = await run('ip', ['-n', ns, '-j', '-4', 'addr', 'show']);
    if (r.code !== 0) return [];
    return (JSON.parse(r.stdout) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[])
      .filter((i) => i.ifname !== 'lo')
      .flatMap((i) => i.addr_info.map((a) => `${i.ifname} ${a.local}/${a.prefixlen}`));
  };
  const linkOf = async (port: string | undefined): Promise<HostStatus['link']> => {
    if (!state || !port || !nsList.includes(state.lanNs)) return 'absent';
    const r = await run('ip', ['-n', state.lanNs, '-j', 'link', 'show', port]);
    if (r.code !== 0) return 'absent';
    return (JSON.parse(r.stdout)[0]?.flags as string[]).includes('UP') ? 'up' : 'down';
  };
  const hosts = topo.hosts.map(async (h): Promise<HostStatus> => {
    const ns = hostNs(topo.name, h.name);
    const hs = state?.hosts[h.name];
    let daemon: HostStatus['daemon'] = 'down';
    if (hs?.pid && isAlive(hs.pid)) {
      try {
        await new (dockerode())({ socketPath: hs.socket }).ping();
        daemon = 'up';
      } catch {
        daemon = 'not answering';
      }
    }
    // a stopped engine has no pid (the recorded one is history)
    return {
      host: h.name,
      kind: 'host',
      namespace: nsList.includes(ns),
      daemon,
      pid: daemon === 'down' ? null : (hs?.pid ?? null),
      socket: socketPath(topo.name, h.name),
      addresses: await addressesIn(ns),
      link: await linkOf(hs?.ports[0]),
    };
  });
  const devices = topo.devices.map(async (d, i): Promise<HostStatus> => {
    const ns = deviceNs(topo.name, d.name);
    return {
      host: d.name,
      kind: d.kind,
      namespace: nsList.includes(ns),
      daemon: 'none',
      pid: null,
      socket: '',
      addresses: await addressesIn(ns),
      link: await linkOf(state ? devicePort(i) : undefined),
    };
  });
  return Promise.all([...hosts, ...devices]);
}

/**
 * `switch: port-security`: every bridge port is locked to the MAC of what is plugged into it (a host's parent, a
 * device's eth0), as port security or VMware's forged-transmits reject do: frames from any other source MAC (a
 * macvlan container's, a shim's) are dropped where they enter the switch.
 */
async function lockPorts(topo: Topology, state: LabState, progress: Progress): Promise<void> {
  const macOf = async (ns: string, dev: string) =>
    (JSON.parse(await ip(ns, '-j', 'link', 'show', 'dev', dev)) as { address: string }[])[0].address;
  const lock = async (port: string, mac: string) => {
    await ip(state.lanNs, 'link', 'set', 'dev', port, 'type', 'bridge_slave', 'learning', 'off', 'locked', 'on');
    await bridge(state.lanNs, 'fdb', 'replace', mac, 'dev', port, 'master', 'static');
  };
  for (const [i, h] of topo.hosts.entries()) {
    for (const [j, parent] of hostParents(topo, h.name).entries())
      await lock(bridgePort(i, j), await macOf(hostNs(topo.name, h.name), parent));
  }
  for (const [i, d] of topo.devices.entries())
    await lock(devicePort(i), await macOf(deviceNs(topo.name, d.name), 'eth0'));
  progress("LAN switch: port security (each port forwards only its own machine's MAC)");
}

/** The LAN bridge's port of the i-th device. */
const devicePort = (i: number) => `d${i}`;

function requireHost(topo: Topology, host: string): LabState {
  if (!topo.hosts.some((h) => h.name === host)) {
    throw new MvnetError(
      'usage',
      `no host "${host}" in ${topo.file}`,
      host,
      `hosts are: ${topo.hosts.map((h) => h.name).join(', ')}`,
    );
  }
  const state = readState(topo.name);
  if (!state) throw new MvnetError('lab', `lab ${topo.name} is not up`, topo.name, `run: mvnet lab up -f ${topo.file}`);
  return state;
}

/** Cuts a host off the LAN (or plugs it back): its bridge ports go down or up. */
export async function labLink(topo: Topology, host: string, up: boolean): Promise<void> {
  const d = topo.devices.findIndex((x) => x.name === host);
  if (d >= 0) {
    const state = readState(topo.name);
    if (!state)
      throw new MvnetError('lab', `lab ${topo.name} is not up`, topo.name, `run: mvnet lab up -f ${topo.file}`);
    await ip(state.lanNs, 'link', 'set', devicePort(d), up ? 'up' : 'down');
    return;
  }
  const state = requireHost(topo, host);
  for (const port of state.hosts[host].ports) await ip(state.lanNs, 'link', 'set', port, up ? 'up' : 'down');
}

/** Stops or starts a host's Docker engine. */
export async function labEngine(
  topo: Topology,
  host: string,
  start: boolean,
  progress: Progress = () => {},
): Promise<void> {
  const state = requireHost(topo, host);
  const hs = state.hosts[host];
  if (start) {
    if (recordedProcs(hs).some(sameProcess)) {
      progress(`host ${host}: Docker engine already running (pid ${hs.pid})`);
      return;
    }
    await stopProcesses(processesUnder(hs.dir), 3000);
    clearStaleContainerd(hs.dir);
    progress(`host ${host}: starting its Docker engine`);
    await startEngine(state, hs);
  } else {
    const running = recordedProcs(hs).filter(sameProcess);
    if (running.length === 0) {
      progress(`host ${host}: Docker engine already stopped`);
      return;
    }
    // the engine stops its containers first (its shutdown-timeout), as a host's engine going down does
    progress(`host ${host}: stopping its Docker engine (pid ${hs.pid}) and with it its containers`);
    await stopProcesses(recordedProcs(hs));
  }
}

/** The namespace of a host or of a LAN device. */
export function labNs(topo: Topology, host: string): string {
  const d = topo.devices.find((x) => x.name === host);
  if (d) {
    if (!readState(topo.name))
      throw new MvnetError('lab', `lab ${topo.name} is not up`, topo.name, `run: mvnet lab up -f ${topo.file}`);
    return deviceNs(topo.name, d.name);
  }
  requireHost(topo, host);
  return hostNs(topo.name, host);
}

/** A sysctl inside a namespace (the namespace's own /proc/sys/net). */
async function nsSysctl(ns: string, key: string, value: string): Promise<void> {
  const r = await run('nsenter', [`--net=/run/netns/${ns}`, '--', 'sysctl', '-q', '-w', `${key}=${value}`]);
  if (r.code !== 0) throw new MvnetError('lab', `cannot set ${key} in ${ns}: ${r.stderr.trim()}`);
}

/** The management network and each host's credentials; the engines then also listen with TLS on it. */
async function linkRemote(topo: Topology, state: LabState, progress: Progress): Promise<void> {
  if (!hasSshd())
    throw new MvnetError(
      'lab',
      'lab up --remote needs sshd, which is not installed',
      undefined,
      'apt-get install openssh-server (see mvnet doctor)',
    );
  await checkMgmtFree(topo.name);
  state.remote = {};
  await makeLabCredentials(topo.name);
  for (const [i, h] of topo.hosts.entries()) {
    const r = remoteHost(topo.name, h.name, i);
    const hs = state.hosts[h.name];
    state.remote[h.name] = r;
    writeState(state);
    await linkMgmt(hs.ns, r);
    await makeHostCredentials(topo.name, hs.dir, r);
    hs.argv = [...hs.argv, ...tlsDaemonArgs(hs.dir, r)];
    progress(`host ${h.name}: management ${r.hostIp} (ssh :22, TLS :2376) via ${r.rootIf}`);
  }
  writeState(state);
}

/** A real sshd in every host's namespace, recorded like the engines. */
async function startSshds(state: LabState, progress: Progress): Promise<void> {
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  await Promise.all(
    Object.entries(state.remote ?? {}).map(async ([host, r]) => {
      const hs = state.hosts[host];
      const pid = startDetached(sshdArgv(hs.ns, hs.dir), join(hs.dir, 'sshd.log'));
      hs.sshd = proc(pid);
      writeState(state);
      await waitPort(r.hostIp, 22);
      await waitPort(r.hostIp, 2376);
    }),
  );
  progress(`sshd and TLS engines answer on the management network (mvnet lab env -f FILE HOST --ssh | --tls)`);
}
