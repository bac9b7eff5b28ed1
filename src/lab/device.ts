/** Probing from a LAN device of the lab: its namespace (devices have no Docker engine). */
import type { Topology } from '../topology/types.ts';
import { run } from './exec.ts';
import { labNs } from './lab.ts';
import { readState } from './state.ts';

/** Runs the probe program in a LAN device (only the lab can: devices have no Docker engine). */
export type DeviceRunner = (
  device: string,
  args: string[],
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** LAN devices exist only in the lab: probe from their namespace. */
export function labDeviceRunner(topo: Topology): DeviceRunner | undefined {
  // devices exist as namespaces only in a running lab; on a real LAN they are declared for the prediction
  if (topo.devices.length === 0 || !readState(topo.name)) return undefined;
  return async (device, args) =>
    run('nsenter', [`--net=/run/netns/${labNs(topo, device)}`, '--', ...args], { timeoutMs: 120_000 });
}
