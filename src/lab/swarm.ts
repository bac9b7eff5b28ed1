/** Forms a real Swarm of the lab's engines: init on the manager, join the others, label each node with its host. */
import { dockerode } from '../engine/dockerode.ts';
import { MvnetError } from '../errors.ts';
import { formatIp } from '../net/ipv4.ts';
import type { Topology } from '../topology/types.ts';
import type { LabState } from './state.ts';

import { NODE_LABEL } from '../engine/labels.ts';

export async function formSwarm(topo: Topology, state: LabState, progress: (m: string) => void): Promise<void> {
  const engines = new Map(
    topo.hosts.map((h) => [h.name, new (dockerode())({ socketPath: state.hosts[h.name].socket })]),
  );
  const mgrHost = topo.hosts.find((h) => h.name === topo.manager)!;
  const mgr = engines.get(mgrHost.name)!;
  const addr = (h: { address: number }) => `${formatIp(h.address)}:2377`;
  const info = await mgr.info();
  if (info.Swarm?.LocalNodeState !== 'active') {
    await mgr.swarmInit({ ListenAddr: '0.0.0.0:2377', AdvertiseAddr: addr(mgrHost) });
  }
  const token = (await mgr.swarmInspect()).JoinTokens.Worker as string;
  await Promise.all(
    topo.hosts
      .filter((h) => h !== mgrHost)
      .map(async (h) => {
        const d = engines.get(h.name)!;
        if ((await d.info()).Swarm?.LocalNodeState === 'active') return;
        await d.swarmJoin({
          ListenAddr: '0.0.0.0:2377',
          AdvertiseAddr: addr(h),
          RemoteAddrs: [addr(mgrHost)],
          JoinToken: token,
        });
      }),
  );
  // every node carries its host name (all lab engines share the machine's hostname)
  for (const h of topo.hosts) {
    const id = (await engines.get(h.name)!.info()).Swarm.NodeID as string;
    const node = mgr.getNode(id);
    const n = await node.inspect();
    if (n.Spec?.Labels?.[NODE_LABEL] === h.name) continue;
    await node.update({
      version: n.Version.Index,
      ...n.Spec,
      Labels: { ...(n.Spec?.Labels ?? {}), [NODE_LABEL]: h.name },
    });
  }
  const until = Date.now() + 60_000;
  for (;;) {
    const nodes = await mgr.listNodes();
    if (nodes.length === topo.hosts.length && nodes.every((n) => n.Status?.State === 'ready')) break;
    if (Date.now() > until)
      throw new MvnetError(
        'lab',
        'the swarm did not become ready: ' +
          nodes.map((n) => `${n.Spec?.Labels?.[NODE_LABEL] ?? n.ID} ${n.Status?.State}`).join(', '),
        topo.manager,
      );
    await new Promise((r) => setTimeout(r, 300));
  }
  progress(`swarm: ${topo.hosts.length} nodes, manager ${mgrHost.name}`);
}
