/** MAC addresses. Pure. */
import { ipBytes, type Ip } from './ipv4.ts';

/** Docker 20.10's derivation: 02:42 followed by the four IPv4 bytes (10.100.1.1 -> 02:42:0a:64:01:01). */
export function macFromIp(ip: Ip): string {
  return ['02', '42', ...ipBytes(ip).map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** Normalises a MAC to lower case; null when malformed. */
export function parseMac(s: string): string | null {
  const m = String(s).trim().toLowerCase();
  return MAC.test(m) ? m : null;
}

/** A unicast, locally administered MAC suits a container. */
export function macProblem(mac: string): string | null {
  if (/^(00:){5}00$/.test(mac)) return `${mac} is the all-zero MAC, which no interface may have`;
  const first = parseInt(mac.slice(0, 2), 16);
  if (first & 1) return `${mac} is a multicast address; a container needs a unicast MAC (first byte even, e.g. 02:...)`;
  return null;
}
