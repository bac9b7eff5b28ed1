/** ping-style transcripts, as the seed shows them. Pure. */

export interface PingResult {
  target: string;
  /** the sender's own address (for "From X ... Destination Host Unreachable") */
  source: string;
  /** round-trip times of the replies, ms; empty = no reply */
  rtts: number[];
  /** packets sent */
  sent: number;
  /** the kernel reported the destination unreachable (no ARP answer for the next hop) */
  hostUnreachable?: boolean;
}

export function pingTranscript(r: PingResult): string {
  const lines = [`PING ${r.target} (${r.target}) 56(84) bytes of data.`];
  if (r.rtts.length > 0) {
    r.rtts.forEach((t, i) => lines.push(`64 bytes from ${r.target}: icmp_seq=${i + 1} ttl=64 time=${t.toFixed(3)} ms`));
  } else if (r.hostUnreachable) {
    for (let i = 1; i <= r.sent; i++) lines.push(`From ${r.source} icmp_seq=${i} Destination Host Unreachable`);
  }
  const loss = Math.round(100 * (1 - r.rtts.length / Math.max(1, r.sent)));
  const errors = r.rtts.length === 0 && r.hostUnreachable ? `, +${r.sent} errors` : '';
  lines.push(`${r.sent} packets transmitted, ${r.rtts.length} received${errors}, ${loss}% packet loss`);
  return lines.join('\n');
}
