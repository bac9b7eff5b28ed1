/** One seed-style ping (three packets) from an endpoint, for `verify --pair` and the demo. */
import { formatIp } from '../net/ipv4.ts';
import type { Engine } from '../engine/engine.ts';
import { PROBE_IMAGE } from '../engine/image.ts';
import { L, labels } from '../engine/labels.ts';
import type { Plan } from '../plan/types.ts';
import type { PingResult } from '../render/ping.ts';
import { addresses, type Probed } from './probe.ts';

export async function pingOnce(plan: Plan, hosts: Map<string, Engine>, from: string, to: string, probed?: Probed, count = 3): Promise<PingResult | null> {
  const addr = addresses(plan);
  const target = addr.get(to)!;
  const [host, name] = from.split('/');
  const e = hosts.get(host)!;
  const cmd = ['ping', '-c', String(count), '-W', '1', target];
  let out: { stdout: string };
  try {
    if (name) {
      const c = (await e.containers({ [L.topology]: plan.name, [L.name]: name, [L.kind]: 'container' }))[0];
      if (!c || c.state !== 'running') return null;
      out = c.image === PROBE_IMAGE ? await e.exec(c.id, cmd) : await e.helper({ image: PROBE_IMAGE, cmd, network: { container: c.id }, labels: labels(plan.name, 'helper', host, 'ping') });
    } else {
      out = await e.helper({ image: PROBE_IMAGE, cmd, network: 'host', labels: labels(plan.name, 'helper', host, 'ping') });
    }
  } catch {
    return null;
  }
  const rtts = [...out.stdout.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]));
  const line = probed?.sources.get(from)?.results.get(to);
  return { target, source: addr.get(from) ?? formatIp(0), rtts, sent: count, hostUnreachable: rtts.length === 0 && (line?.kind === 'nogw' || line?.kind === 'noarp') };
}
