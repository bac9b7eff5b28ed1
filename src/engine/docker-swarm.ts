/** The SwarmApi over the Docker Engine API: one engine's view of the Swarm it belongs to. */
import type Docker from 'dockerode';
import type { NetworkCreate } from './engine.ts';
import { ipamOf } from './ipam.ts';
import type { LiveService, LiveSwarmNetwork, ServiceCreate, SwarmApi, SwarmMembership } from './swarm-api.ts';

/** Turns a failed request into mvnet's error for this host ("what" names the request). */
export type Wrap = (what: string) => (e: unknown) => never;

export class DockerSwarm implements SwarmApi {
  constructor(
    private readonly docker: Docker,
    private readonly wrap: Wrap,
  ) {}

  async membership(): Promise<SwarmMembership> {
    const info = await this.docker.info().catch(this.wrap('info'));
    return { active: info.Swarm?.LocalNodeState === 'active', manager: !!info.Swarm?.ControlAvailable };
  }

  async networks(): Promise<LiveSwarmNetwork[]> {
    const all = await this.docker.listNetworks({ filters: { driver: ['macvlan'] } }).catch(this.wrap('list networks'));
    return all
      .filter((n) => n.Scope === 'swarm')
      .map((n) => ({ id: n.Id, name: n.Name, configFrom: n.ConfigFrom?.Network ?? '' }));
  }

  async createConfigOnly(n: NetworkCreate): Promise<string> {
    const net = await this.docker
      .createNetwork({
        Name: n.name,
        ConfigOnly: true,
        Labels: n.labels,
        Options: { parent: n.parent, macvlan_mode: n.mode },
        IPAM: ipamOf(n, { ranges: true, v6: false }),
      })
      .catch(this.wrap(`create config-only network ${n.name}`));
    return net.id;
  }

  async createNetwork(name: string, configFrom: string): Promise<string> {
    const net = await this.docker
      .createNetwork({
        Name: name,
        Driver: 'macvlan',
        Scope: 'swarm',
        Attachable: true,
        ConfigFrom: { Network: configFrom },
      })
      .catch(this.wrap(`create swarm network ${name}`));
    return net.id;
  }

  async services(filterLabels: Record<string, string>): Promise<LiveService[]> {
    const label = Object.entries(filterLabels).map(([k, v]) => `${k}=${v}`);
    const list = await this.docker.listServices({ filters: { label } }).catch(this.wrap('list services'));
    return list.map((s) => ({
      id: s.ID ?? '',
      name: s.Spec?.Name ?? '',
      labels: s.Spec?.Labels ?? {},
      version: s.Version?.Index ?? 0,
      replicas: s.Spec?.Mode?.Replicated?.Replicas ?? 0,
    }));
  }

  async createService(s: ServiceCreate): Promise<string> {
    const created = await this.docker
      .createService({
        Name: s.name,
        Labels: s.labels,
        TaskTemplate: {
          ContainerSpec: { Image: s.image, Command: s.command, Labels: s.taskLabels },
          Networks: [{ Target: s.network }],
          Placement: s.constraints.length ? { Constraints: s.constraints } : {},
          RestartPolicy: { Condition: 'any' },
        },
        Mode: { Replicated: { Replicas: s.replicas } },
      })
      .catch(this.wrap(`create service ${s.name}`));
    return created.id;
  }

  async scale(id: string, replicas: number): Promise<void> {
    const service = this.docker.getService(id);
    const cur = await service.inspect().catch(this.wrap(`inspect service ${id}`));
    const spec = { ...cur.Spec, Mode: { Replicated: { Replicas: replicas } } };
    await service.update({ version: cur.Version.Index, ...spec }).catch(this.wrap(`scale service ${id}`));
  }

  async removeService(id: string): Promise<void> {
    await this.docker
      .getService(id)
      .remove()
      .catch(this.wrap(`remove service ${id}`));
  }

  async taskCount(service: string): Promise<number> {
    const tasks = await this.docker.listTasks({ filters: { service: [service] } }).catch(this.wrap('list tasks'));
    return tasks.length;
  }
}
