/** How a host-access shim is named: its interface name (kernel-sized) and its alias (its owner, in full). Pure. */
import { createHash } from 'node:crypto';

/**
 * The shim's interface name: `mv` + 13 hex digits (52 bits) of the topology and network, the kernel's 15
 * characters. Its owner is written in full on the interface itself (its alias, see shimAlias); nothing is
 * removed or replaced unless that alias matches, so even a hash collision cannot touch another topology's shim.
 */
export function shimName(topology: string, network: string): string {
  return `mv${createHash('sha256').update(`${topology}\0${network}`).digest('hex').slice(0, 13)}`;
}

/** The alias (ifalias) a shim carries: its owner, in full. */
export function shimAlias(topology: string, network: string): string {
  return `mvnet:${topology}/${network}`;
}
