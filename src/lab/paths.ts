/** Where a lab lives: its folder, namespaces, sockets and link names. All derived from the topology's names. */
import { join } from 'node:path';

/** The root of all labs (override with MVNET_LAB_DIR). */
export function labRoot(): string {
  return process.env.MVNET_LAB_DIR ?? '/var/lib/mvnet/lab';
}

export function labDir(lab: string): string {
  return join(labRoot(), lab);
}

export function hostDir(lab: string, host: string): string {
  return join(labDir(lab), host);
}

/** Network namespace of an emulated host. */
export function hostNs(lab: string, host: string): string {
  return `mv-${lab}-${host}`;
}

/** Network namespace of a LAN device (router or machine). */
export function deviceNs(lab: string, device: string): string {
  return `mv-${lab}-d-${device}`;
}

/** Network namespace that holds the LAN bridge. */
export function lanNs(lab: string): string {
  return `mv-${lab}-lan`;
}

export function socketPath(lab: string, host: string): string {
  return join(hostDir(lab, host), 'docker.sock');
}

export function labEndpoint(lab: string, host: string): string {
  return `unix://${socketPath(lab, host)}`;
}

/** The bridge-side name of host i's j-th parent veth (kept under 15 characters). */
export function bridgePort(hostIndex: number, parentIndex: number): string {
  return `h${hostIndex}p${parentIndex}`;
}

export const BRIDGE = 'lan0';
