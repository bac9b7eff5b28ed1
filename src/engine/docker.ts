/** The Engine over the Docker Engine API (dockerode): unix://, tcp:// (TLS) and ssh:// endpoints. */
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { dockerode } from './dockerode.ts';
import { HostError } from '../errors.ts';
import { PROBE_IMAGE } from './probe-image.ts';
import { sshAgent, sshHint } from './ssh.ts';
import { SshError } from '../errors.ts';
import { loadProbeImage } from './image.ts';
import { ipamOf } from './ipam.ts';
import { DockerSwarm } from './docker-swarm.ts';
import type { SwarmApi } from './swarm-api.ts';
import type {
  ContainerCreate,
  Engine,
  EngineInfo,
  ExecResult,
  HeldContainer,
  HeldCreate,
  HelperOptions,
  LiveContainer,
  NamedContainer,
  LiveNetwork,
  NetworkCreate,
} from './engine.ts';

/**
 * Where TLS material comes from, as the docker CLI reads it: DOCKER_CERT_PATH, else ~/.docker. DOCKER_TLS_VERIFY
 * with any value (even "0") means verify, as for the docker CLI; plain HTTP only when the port 2375 is named.
 */
function certFolder(): string {
  return process.env.DOCKER_CERT_PATH || join(homedir(), '.docker');
}

function tlsOptions(u: URL, endpoint: string, host: string, timeout: number): Docker.DockerOptions {
  const certPath = certFolder();
  const pem = (f: string) => {
    try {
      return readFileSync(join(certPath, f));
    } catch {
      throw new HostError(
        host,
        `${endpoint} needs TLS certificates: ${certPath} has no readable ${f}` +
          (process.env.DOCKER_CERT_PATH ? '' : ' (DOCKER_CERT_PATH is not set)'),
        'set DOCKER_CERT_PATH to a folder with ca.pem, cert.pem and key.pem, as for the docker CLI ' +
          '(or name the port 2375 for a plain, unauthenticated engine)',
      );
    }
  };
  return {
    host: u.hostname,
    port: Number(u.port || 2376),
    protocol: 'https',
    timeout,
    ca: pem('ca.pem'),
    cert: pem('cert.pem'),
    key: pem('key.pem'),
    // no TLS session resumption: Go's TLS servers (dockerd) never resume, and some TLS front ends fail on it
    agent: new HttpsAgent({ maxCachedSessions: 0 }),
  } as Docker.DockerOptions;
}

/** dockerode options for an endpoint. TLS for tcp:// is always verified unless the port is 2375. */
export function dockerOptions(endpoint: string, host: string): Docker.DockerOptions {
  const u = new URL(endpoint);
  const timeout = 60_000;
  switch (u.protocol) {
    case 'unix:':
      return { socketPath: u.pathname, timeout };
    case 'tcp:':
      if (u.port === '2375') return { host: u.hostname, port: 2375, protocol: 'http', timeout };
      return tlsOptions(u, endpoint, host, timeout);
    case 'ssh:':
      // the system's ssh, as the docker CLI does (agent, ~/.ssh/config, known hosts): see ssh.ts
      return {
        protocol: 'http',
        host: u.hostname,
        port: Number(u.port || 22),
        agent: sshAgent(endpoint),
        timeout,
      } as Docker.DockerOptions;
    default:
      throw new HostError(host, `unknown Docker endpoint scheme in ${endpoint}`, 'use unix://, tcp:// or ssh://');
  }
}

/** Is the engine's API version at least major.minor? */
export function apiAtLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function status(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}

/** A record keyed by user-given names, without a prototype (`toString` is only a name). */
function byName<T>(entries: [string, T][]): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, Object.fromEntries(entries));
}

/** Splits Docker's multiplexed stdout/stderr stream. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  let out = '',
    err = '',
    i = 0;
  while (i + 8 <= buf.length) {
    const kind = buf[i],
      size = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + size).toString();
    if (kind === 2) err += chunk;
    else out += chunk;
    i += 8 + size;
  }
  return { stdout: out, stderr: err };
}

export class DockerEngine implements Engine {
  private client?: Docker;
  private patientClient?: Docker;
  private readonly options: Docker.DockerOptions;
  private cachedInfo?: EngineInfo;

  constructor(
    readonly host: string,
    readonly endpoint: string,
  ) {
    this.options = dockerOptions(endpoint, host);
  }

  /** The API client, made on first use (a command that never reaches the engine never loads dockerode). */
  get docker(): Docker {
    this.client ??= new (dockerode())(this.options);
    return this.client;
  }

  /**
   * A client without the 60 s request timeout, for waiting on a helper that works longer (a probe of a large
   * mesh): the timeout destroys a quiet request without an error, and the run would end with nothing said.
   */
  private get patient(): Docker {
    this.patientClient ??= new (dockerode())({ ...this.options, timeout: undefined });
    return this.patientClient;
  }

  private wrap(what: string) {
    return (e: unknown): never => {
      const err = e as Error & { code?: string; json?: { message?: string } };
      const msg = err.json?.message ?? err.message;
      if (err instanceof SshError) throw new HostError(this.host, err.message, sshHint(err.detail));
      if (/certificate|SSL|TLS|handshake/i.test(msg) || /^ERR_TLS|CERT|_SSL_/.test(err.code ?? '')) {
        throw new HostError(
          this.host,
          `TLS with ${this.endpoint} failed: ${msg}`,
          "DOCKER_CERT_PATH must hold the CA that signed the engine's certificate (ca.pem) " +
            'and a client certificate it trusts',
        );
      }
      if (
        err.code === 'ENOENT' ||
        err.code === 'ECONNREFUSED' ||
        err.code === 'EHOSTUNREACH' ||
        err.code === 'ETIMEDOUT'
      ) {
        throw new HostError(
          this.host,
          `the Docker engine at ${this.endpoint} does not answer (${err.code})`,
          `is the engine running? for the lab: mvnet lab up / mvnet lab start`,
        );
      }
      if (status(e) === 409)
        throw new HostError(
          this.host,
          `${what}: ${msg}`,
          'something else made an object of that name meanwhile (another mvnet run, of another topology on this ' +
            'engine?); run the command again: preflight then names its owner',
          409,
        );
      throw new HostError(this.host, `${what}: ${msg}`, undefined, status(e));
    };
  }

  swarm(): SwarmApi {
    return new DockerSwarm(this.docker, (what) => this.wrap(what));
  }

  async info(): Promise<EngineInfo> {
    if (this.cachedInfo) return this.cachedInfo;
    const v = await this.docker.version().catch(this.wrap('version'));
    const major = Number(String(v.Version).split('.')[0]);
    this.cachedInfo = { version: v.Version, apiVersion: v.ApiVersion, onePerParent: !(major >= 27) };
    return this.cachedInfo;
  }

  private cachedSystem?: Promise<{ NCPU?: number; ID?: string }>;

  private system(): Promise<{ NCPU?: number; ID?: string }> {
    this.cachedSystem ??= this.docker.info().catch(this.wrap('info'));
    return this.cachedSystem;
  }

  async cpus(): Promise<number> {
    return (await this.system()).NCPU ?? 1;
  }

  async engineId(): Promise<string> {
    return (await this.system()).ID ?? '';
  }

  async networks(filterLabels: Record<string, string> = {}): Promise<LiveNetwork[]> {
    const label = Object.entries(filterLabels).map(([k, v]) => `${k}=${v}`);
    const list = await this.docker
      .listNetworks(label.length ? { filters: { label } } : {})
      .catch(this.wrap('list networks'));
    return list.map((n) => ({
      id: n.Id,
      name: n.Name,
      driver: n.Driver,
      labels: n.Labels ?? {},
      parent: n.Options?.parent,
      subnet: n.IPAM?.Config?.[0]?.Subnet,
      ipRange: n.IPAM?.Config?.[0]?.IPRange,
    }));
  }

  async containers(filterLabels: Record<string, string> = {}): Promise<LiveContainer[]> {
    const label = Object.entries(filterLabels).map(([k, v]) => `${k}=${v}`);
    const list = await this.docker
      .listContainers({ all: true, ...(label.length ? { filters: { label } } : {}) })
      .catch(this.wrap('list containers'));
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State,
      image: c.Image,
      labels: c.Labels ?? {},
      // keyed by network name: no prototype, so a network named toString or constructor is only itself
      networks: byName(
        Object.entries(c.NetworkSettings?.Networks ?? {}).map(([k, v]) => [
          k,
          {
            ip: v.IPAddress,
            mac: v.MacAddress,
            prefix: v.IPPrefixLen,
            ...(v.GlobalIPv6Address ? { ip6: v.GlobalIPv6Address } : {}),
          },
        ]),
      ),
    }));
  }

  async createNetwork(n: NetworkCreate): Promise<string> {
    if (n.driver === 'bridge') return this.createSegment(n);
    const net = await this.docker
      .createNetwork({
        Name: n.name,
        Driver: 'macvlan',
        CheckDuplicate: true,
        Labels: n.labels,
        Options: { parent: n.parent, macvlan_mode: n.mode },
        ...(n.subnet6 ? { EnableIPv6: true } : {}),
        IPAM: ipamOf(n, { ranges: true, v6: true }),
      })
      .catch(this.wrap(`create network ${n.name}`));
    return net.id;
  }

  /**
   * A routed network's segment: a bridge network on the host's range, without masquerading (the containers keep
   * their addresses on the LAN); from Docker 27, gateway mode "routed" also lets the LAN reach them directly.
   */
  private async createSegment(n: NetworkCreate): Promise<string> {
    const major = Number((await this.info()).version.split('.')[0]);
    const options: Record<string, string> = { 'com.docker.network.bridge.enable_ip_masquerade': 'false' };
    if (major >= 27) options['com.docker.network.bridge.gateway_mode_ipv4'] = 'routed';
    if (major >= 27 && n.subnet6) options['com.docker.network.bridge.gateway_mode_ipv6'] = 'routed';
    const net = await this.docker
      .createNetwork({
        Name: n.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: n.labels,
        Options: options,
        ...(n.subnet6 ? { EnableIPv6: true } : {}),
        IPAM: ipamOf(n, { ranges: false, v6: true }),
      })
      .catch(this.wrap(`create network ${n.name}`));
    return net.id;
  }

  async removeNetwork(id: string): Promise<void> {
    await this.docker
      .getNetwork(id)
      .remove()
      .catch((e) => {
        if (status(e) !== 404) this.wrap(`remove network ${id}`)(e);
      });
  }

  async runContainer(c: ContainerCreate): Promise<string> {
    let created: Docker.Container;
    // API 1.44 (Docker 25) moved the MAC to the endpoint; the container-wide field is deprecated there
    // (and an error from API 1.52): older engines get both, newer ones only the endpoint's
    const endpointOnly = apiAtLeast((await this.info()).apiVersion, 1, 44);
    try {
      created = await this.docker.createContainer({
        name: c.name,
        Image: c.image,
        Cmd: c.command,
        Hostname: c.name,
        Labels: c.labels,
        ...(endpointOnly ? {} : { MacAddress: c.mac }),
        HostConfig: { NetworkMode: c.network, RestartPolicy: { Name: 'unless-stopped' } },
        NetworkingConfig: {
          EndpointsConfig: {
            [c.network]: {
              IPAMConfig: { IPv4Address: c.ip, ...(c.ip6 ? { IPv6Address: c.ip6 } : {}) },
              MacAddress: c.mac,
            },
          },
        },
      });
    } catch (e) {
      return this.wrap(`create container ${c.name}`)(e);
    }
    try {
      await created.start();
    } catch (e) {
      // a container that failed to start is not left behind
      await created.remove({ force: true }).catch(() => {});
      return this.wrap(`start container ${c.name}`)(e);
    }
    return created.id;
  }

  async startContainer(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .start()
      .catch((e) => {
        if (status(e) !== 304) this.wrap(`start container ${id}`)(e);
      });
  }

  async removeContainer(id: string): Promise<void> {
    await this.docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch((e) => {
        // not there, or its removal already under way: either way it goes
        if (status(e) === 404 || (status(e) === 409 && /already in progress/.test(String((e as Error).message))))
          return;
        this.wrap(`remove container ${id}`)(e);
      });
  }

  async record(name: string, labels: Record<string, string>): Promise<string> {
    const c = await this.docker
      .createContainer({
        name,
        Image: PROBE_IMAGE,
        Cmd: ['true'],
        Labels: labels,
        HostConfig: { NetworkMode: 'none' },
      })
      .catch(this.wrap(`create record ${name}`));
    return c.id;
  }

  async inspectNetwork(
    id: string,
  ): Promise<{ subnet: string; gateway: string; rows: { container: string; ipv4: string; mac: string }[] }> {
    const n = await this.docker
      .getNetwork(id)
      .inspect()
      .catch(this.wrap(`inspect network ${id}`));
    const cfg = n.IPAM?.Config?.[0] ?? {};
    const rows = Object.values(
      (n.Containers ?? {}) as Record<string, { Name: string; IPv4Address: string; MacAddress: string }>,
    )
      .map((c) => ({ container: c.Name, ipv4: c.IPv4Address, mac: c.MacAddress }))
      .sort((a, b) => a.container.localeCompare(b.container));
    return { subnet: cfg.Subnet ?? '', gateway: cfg.Gateway ?? '', rows };
  }

  async containerState(id: string): Promise<{ status: string; restarts: number; exitCode: number; pid: number }> {
    const c = await this.docker
      .getContainer(id)
      .inspect()
      .catch(this.wrap(`inspect container ${id.slice(0, 12)}`));
    return {
      status: c.State.Status,
      restarts: c.RestartCount ?? 0,
      exitCode: c.State.ExitCode ?? 0,
      pid: c.State.Pid ?? 0,
    };
  }

  async logTail(id: string, lines: number): Promise<string> {
    const buf = (await this.docker
      .getContainer(id)
      .logs({ stdout: true, stderr: true, follow: false, tail: lines })
      .catch(this.wrap(`logs of ${id.slice(0, 12)}`))) as unknown as Buffer;
    const { stdout, stderr } = demux(Buffer.from(buf));
    return `${stdout}${stderr}`.trim();
  }

  async hasImage(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (e) {
      if (status(e) === 404) return false;
      return this.wrap(`inspect image ${ref}`)(e);
    }
  }

  async pullImage(ref: string): Promise<void> {
    const stream = await this.docker.pull(ref).catch(this.wrap(`pull ${ref}`));
    await new Promise<void>((res, rej) =>
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res())),
    ).catch(this.wrap(`pull ${ref}`));
  }

  async exec(id: string, cmd: string[], timeoutMs = 30_000): Promise<ExecResult> {
    const ex = await this.docker
      .getContainer(id)
      .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true })
      .catch(this.wrap(`exec in ${id.slice(0, 12)}`));
    const stream = await ex.start({ hijack: true, stdin: false }).catch(this.wrap(`exec in ${id.slice(0, 12)}`));
    const out = new PassThrough(),
      err = new PassThrough();
    let stdout = '',
      stderr = '';
    out.on('data', (d) => {
      stdout += d;
    });
    err.on('data', (d) => {
      stderr += d;
    });
    this.docker.modem.demuxStream(stream, out, err);
    await new Promise<void>((res) => {
      const t = setTimeout(() => {
        stream.destroy();
        res();
      }, timeoutMs);
      stream.on('end', () => {
        clearTimeout(t);
        res();
      });
      stream.on('close', () => {
        clearTimeout(t);
        res();
      });
      stream.on('error', () => {
        clearTimeout(t);
        res();
      });
    });
    const info = await ex.inspect().catch(this.wrap('exec inspect'));
    return { code: info.ExitCode ?? (info.Running ? 124 : 1), stdout, stderr };
  }

  async containerNamed(name: string): Promise<NamedContainer | null> {
    try {
      const c = await this.docker.getContainer(name).inspect();
      const l = c.Config.Labels ?? {};
      return { id: c.Id, labels: l, running: c.State.Running, status: c.State.Status, created: Date.parse(c.Created) };
    } catch (e) {
      if (status(e) === 404) return null;
      return this.wrap(`inspect container ${name}`)(e);
    }
  }

  async clock(): Promise<number> {
    const info = await this.docker.info().catch(this.wrap('info'));
    return Date.parse(info.SystemTime);
  }

  async holdOpen(h: HeldCreate, attached: (stream: Duplex) => void): Promise<HeldContainer | null> {
    let c: Docker.Container;
    try {
      c = await this.docker.createContainer({
        name: h.name,
        Image: h.image,
        Cmd: h.cmd,
        Labels: h.labels,
        OpenStdin: true,
        StdinOnce: true,
        AttachStdin: true,
        AttachStdout: true,
        HostConfig: { NetworkMode: 'host' },
      });
    } catch (e) {
      if (status(e) === 409) return null;
      return this.wrap(`create container ${h.name}`)(e);
    }
    let stream: Duplex | undefined;
    try {
      // a hijacked attach is the connection itself: readable (output) and writable (standard input)
      const opts = { stream: true, stdin: true, stdout: true, stderr: true, hijack: true };
      stream = (await c.attach(opts)) as Duplex;
      attached(stream);
      await c.start();
      return { id: c.id, stream };
    } catch (e) {
      // the attached connection would keep the process alive for ever: closed before anything else
      stream?.destroy();
      await c.remove({ force: true }).catch(() => {});
      return this.wrap(`start container ${h.name}`)(e);
    }
  }

  async ensureHelperImage(): Promise<void> {
    await loadProbeImage(this.docker);
  }

  async helper(opts: HelperOptions): Promise<ExecResult> {
    const c = await this.docker
      .createContainer({
        Image: opts.image,
        Cmd: opts.cmd,
        Labels: opts.labels,
        HostConfig: {
          NetworkMode: opts.network === 'host' ? 'host' : `container:${opts.network.container}`,
          Privileged: opts.privileged ?? false,
          PidMode: opts.pidHost ? 'host' : undefined,
          CapAdd: opts.privileged ? undefined : ['NET_ADMIN', 'NET_RAW', ...(opts.capAdd ?? [])],
        },
      })
      .catch(this.wrap('create helper container'));
    try {
      await c.start().catch(this.wrap('start helper container'));
      const r = await this.patient.getContainer(c.id).wait().catch(this.wrap('wait for helper container'));
      const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      return { code: r.StatusCode, ...demux(logs) };
    } finally {
      await c.remove({ force: true }).catch(() => {});
    }
  }
}
