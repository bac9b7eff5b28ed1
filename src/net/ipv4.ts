/** IPv4 and CIDR arithmetic on unsigned 32-bit numbers. Pure. */

export type Ip = number;

export interface Cidr {
  base: Ip;
  prefix: number;
}

const QUAD = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** Parses a dotted quad; null when malformed. */
export function parseIp(s: string): Ip | null {
  const m = QUAD.exec(s.trim());
  if (!m) return null;
  const b = m.slice(1, 5).map(Number);
  if (b.some((x) => x > 255)) return null;
  return ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
}

export function formatIp(ip: Ip): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

export function ipBytes(ip: Ip): number[] {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255];
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; error: string };

/** Parses `a.b.c.d/n`. The address must be the network address of the prefix. */
export function parseCidr(s: string): CidrParse {
  const parts = String(s).trim().split('/');
  if (parts.length !== 2)
    return { ok: false, error: `"${s}" is not a CIDR (write it as a.b.c.d/n, e.g. 10.100.0.0/16)` };
  const ip = parseIp(parts[0]);
  if (ip === null) return { ok: false, error: `"${parts[0]}" is not an IPv4 address` };
  if (!/^\d{1,2}$/.test(parts[1]) || Number(parts[1]) > 32)
    return { ok: false, error: `"/${parts[1]}" is not a prefix length between 0 and 32` };
  const prefix = Number(parts[1]);
  const base = (ip & maskOf(prefix)) >>> 0;
  if (base !== ip) return { ok: false, error: `${s} has host bits set; the network is ${formatIp(base)}/${prefix}` };
  return { ok: true, cidr: { base, prefix } };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.prefix}`;
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

export function lastIp(c: Cidr): Ip {
  return (c.base + cidrSize(c) - 1) >>> 0;
}

/** The broadcast address of a subnet (its last address). */
export const broadcastOf = lastIp;

export function contains(c: Cidr, ip: Ip): boolean {
  return (ip & maskOf(c.prefix)) >>> 0 === c.base;
}

export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && contains(outer, inner.base);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** The i-th block of size /prefix inside `outer`. */
export function subBlock(outer: Cidr, prefix: number, index: number): Cidr {
  return { base: (outer.base + index * 2 ** (32 - prefix)) >>> 0, prefix };
}

/** The index of the /prefix block of `outer` that holds `ip`. */
export function blockIndexOf(outer: Cidr, prefix: number, ip: Ip): number {
  return Math.floor((ip - outer.base) / 2 ** (32 - prefix));
}

/** `address/prefix` as the kernel prints it (e.g. 10.100.1.1/16). */
export function withPrefix(ip: Ip, prefix: number): string {
  return `${formatIp(ip)}/${prefix}`;
}

/** Address blocks no container network may overlap: the engine or the kernel refuses them, or they are not a LAN's. */
const SPECIAL4: [string, string][] = [
  ['0.0.0.0/8', '"this network" (0.0.0.0/8)'],
  ['127.0.0.0/8', 'loopback (127.0.0.0/8)'],
  ['224.0.0.0/4', 'multicast (224.0.0.0/4)'],
  ['240.0.0.0/4', 'reserved (240.0.0.0/4, broadcast included)'],
];

/** The special block a subnet overlaps, in words, or null. */
export function specialBlockOf(c: Cidr): string | null {
  for (const [block, words] of SPECIAL4) {
    const b = parseCidr(block);
    if (b.ok && overlaps(b.cidr, c)) return words;
  }
  return null;
}
