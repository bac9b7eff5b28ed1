/** Where a lab lives: its folder, namespaces, sockets and link names. All derived from the topology's names. */
import { isAbsolute, join, normalize } from 'node:path';
import { MvnetError } from '../errors.ts';

/** The root of all labs (override with MVNET_LAB_DIR). */
export function labRoot(): string {
  const dir = process.env.MVNET_LAB_DIR;
  if (dir === undefined) return '/var/lib/mvnet/lab';
  if (!isAbsolute(dir) || normalize(dir) === '/') {
    throw new MvnetError(
      'usage',
      `MVNET_LAB_DIR must be an absolute path other than / (it is "${dir}")`,
      'MVNET_LAB_DIR',
      'unset it (default /var/lib/mvnet/lab) or set it to an absolute folder such as /var/lib/mvnet/lab',
    );
  }
  return normalize(dir);
}

export function labDir(lab: string): string {
  return join(labRoot(), lab);
}

export function hostDir(lab: string, host: string): string {
  return join(labDir(lab), host);
}

/*
 * Namespace names: `mv_LAB_h_HOST`, `mv_LAB_d_DEVICE`, `mv_LAB_lan`. Lab, host and device names never contain
 * '_' (they are [a-z0-9-]), so the first '_' after `mv_` ends the lab's name and the next token says the kind:
 * no two labs, and no two objects of one lab, can ever share a namespace, whatever their valid names.
 */

/** Network namespace of an emulated host. */
export function hostNs(lab: string, host: string): string {
  return `mv_${lab}_h_${host}`;
}

/** Network namespace of a LAN device (router or machine). */
export function deviceNs(lab: string, device: string): string {
  return `mv_${lab}_d_${device}`;
}

/** Network namespace that holds the LAN bridge. */
export function lanNs(lab: string): string {
  return `mv_${lab}_lan`;
}

/** Every namespace of a lab starts with this. */
export function labNsPrefix(lab: string): string {
  return `mv_${lab}_`;
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
