/**
 * The seed's own box tables: `ip addr` of a host or container, and `docker network inspect`. Pure. They keep the
 * seed's look where the terminal is wide enough and give way where it is not: never wider than `width`.
 */
import type { AddrRow, InspectRow } from '../engine/inspect.ts';
import Table from 'cli-table3';

const STYLE = { head: [] as string[], border: [] as string[], 'padding-left': 1, 'padding-right': 1 };
const widest = (s: string) => Math.max(...s.split('\n').map((l) => l.length));

const ADDR_COLUMNS = ['interface', 'ipv4', 'brd', 'mac', 'scope', 'master'] as const;
/** the columns given up first when the table is too wide, in order (an empty one goes before all) */
const ADDR_OPTIONAL = ['master', 'scope', 'brd'] as const;

/** `ip addr` as the seed draws it, narrower columns left out until it fits `width`. */
export function ipAddrTable(rows: AddrRow[], width = Infinity): string {
  const cell = (r: AddrRow, c: (typeof ADDR_COLUMNS)[number]) =>
    c === 'master' ? r.master + (r.drift ? ` ! ${r.drift}` : '') : r[c];
  const draw = (cols: readonly (typeof ADDR_COLUMNS)[number][]) => {
    const t = new Table({
      head: [...cols],
      style: STYLE,
      chars: { mid: '-', 'left-mid': '+', 'mid-mid': '+', 'right-mid': '+' },
    });
    for (const r of rows) t.push(cols.map((c) => cell(r, c)));
    return asciiBox(t.toString());
  };
  let cols: (typeof ADDR_COLUMNS)[number][] = ADDR_COLUMNS.filter(
    (c) => c !== 'master' || rows.some((r) => cell(r, c)),
  );
  let out = draw(cols);
  for (const drop of ADDR_OPTIONAL) {
    if (widest(out) <= width) break;
    cols = cols.filter((c) => c !== drop);
    out = draw(cols);
  }
  // a drift note is never dropped: it moves under the table
  const notes = rows.filter((r) => r.drift && !cols.includes('master')).map((r) => `! ${r.interface}: ${r.drift}`);
  return [out, ...notes].join('\n');
}

/**
 * `docker network inspect` as the seed draws it, with the Network/Subnet/Gateway cells merged; where that is wider
 * than `width`, those three are said above a table of the containers.
 */
export function networkInspectTable(
  network: string,
  subnet: string,
  gateway: string,
  rows: InspectRow[],
  width = Infinity,
): string {
  const seedLook = mergedInspectTable(network, subnet, gateway, rows);
  if (widest(seedLook) <= width) return seedLook;
  const t = new Table({ head: ['container', 'IPv4Address', 'MacAddress'], style: STYLE });
  for (const r of rows) t.push([r.container, r.ipv4, r.mac + (r.drift ? ` ! ${r.drift}` : '')]);
  if (rows.length === 0) t.push(['(none)', '', '']);
  return `Network ${network}  Subnet ${subnet}  Gateway ${gateway}\n${asciiBox(t.toString())}`;
}

function mergedInspectTable(network: string, subnet: string, gateway: string, rows: InspectRow[]): string {
  const t = new Table({
    head: ['Network', 'Subnet', 'Gateway', 'container', 'IPv4Address', 'MacAddress'],
    style: STYLE,
  });
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
  return s
    .replace(/[┌┬┐├┼┤└┴┘╔╗╚╝╟╢╤╧]/g, '+')
    .replace(/[─═]/g, '-')
    .replace(/[│║]/g, '|');
}
