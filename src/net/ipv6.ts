/** IPv6 addresses and prefixes on 128-bit bigints. Pure. */

export type Ip6 = bigint;

export interface Cidr6 {
  base: Ip6;
  prefix: number;
}

const ALL = (1n << 128n) - 1n;

/** Parses an IPv6 address (with `::`, without a zone or an embedded IPv4 part); null when malformed. */
export function parseIp6(s: string): Ip6 | null {
  const t = s.trim().toLowerCase();
  if (!/^[0-9a-f:]+$/.test(t) || t.includes(':::')) return null;
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const part = (h: string) => (h === '' ? [] : h.split(':'));
  const head = part(halves[0]);
  const tail = halves.length === 2 ? part(halves[1]) : [];
  const groups = halves.length === 2 ? [...head, ...Array(8 - head.length - tail.length).fill('0'), ...tail] : head;
  if (groups.length !== 8 || (halves.length === 2 && head.length + tail.length > 7)) return null;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** The RFC 5952 form: lower case, leading zeros dropped, the longest run of zero groups (2 or more) as `::`. */
export function formatIp6(ip: Ip6): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((ip >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1,
    len = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > len && j - i >= 2) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + len).join(':')}`;
}

export function mask6(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

export type Cidr6Parse = { ok: true; cidr: Cidr6 } | { ok: false; error: string };

/** Parses `addr/n`; the address must be the prefix's network address. */
export function parseCidr6(s: string): Cidr6Parse {
  const parts = String(s).trim().split('/');
  if (parts.length !== 2)
    return { ok: false, error: `"${s}" is not an IPv6 prefix (write it as addr/n, e.g. fd00:100::/64)` };
  const ip = parseIp6(parts[0]);
  if (ip === null) return { ok: false, error: `"${parts[0]}" is not an IPv6 address` };
  if (!/^\d{1,3}$/.test(parts[1]) || Number(parts[1]) > 128)
    return { ok: false, error: `"/${parts[1]}" is not a prefix length (0-128)` };
  const prefix = Number(parts[1]);
  if ((ip & ~mask6(prefix) & ALL) !== 0n) {
    return {
      ok: false,
      error: `${s} has host bits set (the prefix starts at ${formatIp6(ip & mask6(prefix))}/${prefix})`,
    };
  }
  return { ok: true, cidr: { base: ip, prefix } };
}

export function formatCidr6(c: Cidr6): string {
  return `${formatIp6(c.base)}/${c.prefix}`;
}

export function contains6(c: Cidr6, ip: Ip6): boolean {
  return (ip & mask6(c.prefix)) === c.base;
}

export function overlaps6(a: Cidr6, b: Cidr6): boolean {
  return contains6(a, b.base) || contains6(b, a.base);
}

const SPECIAL6: [string, string][] = [
  ['::/127', 'the unspecified and loopback addresses (::/127)'],
  ['fe80::/10', 'link-local (fe80::/10)'],
  ['ff00::/8', 'multicast (ff00::/8)'],
];

/** The special IPv6 block a subnet overlaps, in words, or null. */
export function specialBlockOf6(c: Cidr6): string | null {
  for (const [block, words] of SPECIAL6) {
    const b = parseCidr6(block);
    if (b.ok && overlaps6(b.cidr, c)) return words;
  }
  return null;
}
