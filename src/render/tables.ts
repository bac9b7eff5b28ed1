/** The seed's own box tables: `ip addr` of a host or container, and `docker network inspect`. Pure. */
import Table from 'cli-table3';

const STYLE = { head: [] as string[], border: [] as string[], 'padding-left': 2, 'padding-right': 2 };

export interface AddrRow {
  interface: string;
  ipv4: string;
  brd: string;
  mac: string;
  scope: string;
  master: string;
  /** marks a difference from the plan */
  drift?: string;
}

/** `ip addr` as the seed draws it. */
export function ipAddrTable(rows: AddrRow[]): string {
  const t = new Table({ head: ['interface', 'ipv4', 'brd', 'mac', 'scope', 'master'], style: STYLE, chars: { mid: '-', 'left-mid': '+', 'mid-mid': '+', 'right-mid': '+' } });
  for (const r of rows) t.push([r.interface, r.ipv4, r.brd, r.mac, r.scope, r.master + (r.drift ? ` ! ${r.drift}` : '')]);
  return asciiBox(t.toString());
}

export interface InspectRow {
  container: string;
  ipv4: string;
  mac: string;
  drift?: string;
}

/** `docker network inspect` as the seed draws it, with the Network/Subnet/Gateway cells merged. */
export function networkInspectTable(network: string, subnet: string, gateway: string, rows: InspectRow[]): string {
  const t = new Table({ head: ['Network', 'Subnet', 'Gateway', 'container', 'IPv4Address', 'MacAddress'], style: STYLE });
  if (rows.length === 0) {
    t.push([network, subnet, gateway, '(none)', '', '']);
  } else {
    rows.forEach((r, i) => {
      const tail = [r.container, r.ipv4, r.mac + (r.drift ? ` ! ${r.drift}` : '')];
      if (i === 0) {
        const span = rows.length;
        t.push([
          { content: network, rowSpan: span, vAlign: 'center' },
          { content: subnet, rowSpan: span, vAlign: 'center' },
          { content: gateway, rowSpan: span, vAlign: 'center' },
          ...tail,
        ]);
      } else t.push(tail);
    });
  }
  return asciiBox(t.toString());
}

/** A generic table with the same look. */
export function table(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: STYLE });
  for (const r of rows) t.push(r);
  return asciiBox(t.toString());
}

/** cli-table3 draws with box characters; the seed uses plain + - |. */
function asciiBox(s: string): string {
  return s.replace(/[┌┬┐├┼┤└┴┘╔╗╚╝╟╢╤╧]/g, '+').replace(/[─═]/g, '-').replace(/[│║]/g, '|');
}
