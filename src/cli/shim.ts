/** `mvnet shim-unit`: the systemd unit that keeps a host's shim across reboots. */
import { desiredShims } from '../engine/shim.ts';
import { shimUnit } from '../engine/shim.ts';
import { MvnetError } from '../errors.ts';
import { plan } from '../plan/allocate.ts';
import { loadTopology } from './topology-file.ts';
import { printJson } from './output.ts';

export async function shimUnitCommand(o: { file: string; json?: boolean }, host: string): Promise<number> {
  const topo = loadTopology(o.file);
  const p = plan(topo);
  const h = p.hosts.find((x) => x.name === host);
  if (!h)
    throw new MvnetError(
      'usage',
      `no host "${host}" in ${o.file}`,
      host,
      `hosts are: ${p.hosts.map((x) => x.name).join(', ')}`,
    );
  const shims = desiredShims(p, h);
  if (shims.length === 0)
    throw new MvnetError(
      'usage',
      `no network of ${o.file} has hostAccess: true`,
      host,
      'set hostAccess: true on a network',
    );
  const units = shims.map((s) => ({
    name: `mvnet-shim-${s.name}.service`,
    text: shimUnit(topo.name, h.networks.find((n) => n.shimName === s.name)!.network, s),
  }));
  if (o.json) printJson({ host, units });
  else process.stdout.write(units.map((u) => u.text).join('\n'));
  return 0;
}
