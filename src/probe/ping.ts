/**
 * One seed-style ping (three packets) from an endpoint, for `verify --pair` and the demo: the real command's
 * real output, verbatim, and where it ran. From a container with mvnet's probe image it is `docker exec` of
 * busybox's ping; from another image or a host, busybox's ping in a helper container in that network namespace;
 * from a LAN device of the lab, the machine's own ping in the device's namespace.
 */
import type { Engine } from '../engine/engine.ts';
import { inNamespaceOf, onHost } from '../engine/helpers.ts';
import { LABEL } from '../engine/labels.ts';
import type { Plan } from '../plan/types.ts';
import { addresses, type DeviceRunner } from './probe.ts';

/** A ping as it ran: where it ran, the command, then its output verbatim. */
export interface PingRun {
  /** the command line as it ran */
  command: string[];
  /** where and how it ran, in words */
  via: string;
  /** its standard output and error, as they came */
  output: string;
  code: number;
}

export async function pingOnce(
  plan: Plan,
  hosts: Map<string, Engine>,
  from: string,
  to: string,
  device?: DeviceRunner,
  count = 3,
): Promise<PingRun | null> {
  const target = addresses(plan).get(to);
  if (!target) return null;
  const cmd = ['ping', '-c', String(count), '-W', '1', target];
  const [host, name] = from.split('/');
  const e = hosts.get(host);
  const done = (via: string, r: { code: number; stdout: string; stderr: string }): PingRun => ({
    command: cmd,
    via,
    output: `${r.stdout}${r.stderr}`.replace(/\s+$/, ''),
    code: r.code,
  });
  try {
    if (!e) {
      if (!device || !plan.devices.some((d) => d.name === from)) return null;
      return done(`the machine's own ping in the lab namespace of LAN device ${from}`, await device(from, cmd));
    }
    if (!name) {
      const r = await onHost(e, plan.name, 'ping', cmd);
      return done(`busybox ping in a helper container on ${host}'s host network`, r);
    }
    const c = (
      await e.containers({
        [LABEL.topology]: plan.name,
        [LABEL.name]: name,
        [LABEL.kind]: 'container',
        [LABEL.host]: host,
      })
    )[0];
    if (!c || c.state !== 'running') return null;
    const { r, how } = await inNamespaceOf(e, plan.name, c, 'ping', cmd);
    return done(how, r);
  } catch {
    return null;
  }
}
