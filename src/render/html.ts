/** The self-contained HTML report: a drawing of the topology and the matrix as a coloured grid. Pure. */
import { formatCidr, formatIp } from '../net/ipv4.ts';
import { endpointIds, type HostPlan, type Plan } from '../plan/types.ts';
import type { Comparison, PairResult } from '../probe/compare.ts';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Attrs = Record<string, string | number>;
const attrs = (a: Attrs) =>
  Object.entries(a)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
const rect = (a: Attrs) => `<rect ${attrs(a)}/>`;
const line = (a: Attrs) => `<line ${attrs(a)}/>`;
/** `body` is markup: escape what comes from the plan */
const text = (x: number, y: number, cls: string, body: string) =>
  `<text x="${x}" y="${y}" class="${cls}">${body}</text>`;
const tag = (name: string, body: string, cls?: string) => `<${name}${cls ? ` class="${cls}"` : ''}>${body}</${name}>`;

const HOST_W = 330;
const GAP = 30;
const CONTAINER_H = 22;

function hostHeight(h: HostPlan): number {
  const shim = h.networks.some((n) => n.shim !== undefined) ? 24 : 0;
  return 90 + h.networks.length * 34 + h.containers.length * (CONTAINER_H + 6) + shim;
}

/** The LAN devices (routers, machines) above the LAN, each wired down to it. */
function devicesSvg(plan: Plan, top: number): string[] {
  return plan.devices.flatMap((d, i) => {
    const x = GAP + i * 250;
    const ips = [d.address, ...d.addresses.map((a) => a.ip)].map(formatIp).map(esc).join(', ');
    return [
      rect({ x, y: 8, width: 230, height: 44, rx: 6, class: `dev ${d.kind}`, 'data-device': esc(d.name) }),
      text(x + 10, 26, 'hostname', `${esc(d.name)} <tspan class="small">(${d.kind})</tspan>`),
      text(x + 10, 44, 'small', ips),
      line({ x1: x + 115, y1: 52, x2: x + 115, y2: 20 + top, class: 'wire' }),
    ];
  });
}

/** One host: its box, its LAN address, then each network with its shim and containers. */
function hostSvg(plan: Plan, h: HostPlan, x: number, height: number, down: boolean): string[] {
  const y = 100;
  const mid = x + HOST_W / 2;
  const facts = `${esc(h.interface)} ${esc(formatIp(h.address))}${h.forward ? ' · forwards' : ''}`;
  const parts = [
    line({ x1: mid, y1: 54, x2: mid, y2: y, class: down ? 'wire cut' : 'wire' }),
    rect({ x, y, width: HOST_W, height, rx: 8, class: 'host', 'data-host': esc(h.name) }),
    text(x + 12, y + 22, 'hostname', esc(h.name)),
    text(x + 12, y + 40, 'small', `${facts}${down ? ' — link down' : ''}`),
  ];
  let yy = y + 58;
  for (const n of h.networks) {
    const net = plan.networks.find((x2) => x2.name === n.network)!;
    const label = [n.network, n.link, net.mode, formatCidr(n.range)].map(esc).join(' · ');
    parts.push(rect({ x: x + 8, y: yy, width: HOST_W - 16, height: 26, rx: 4, class: 'net' }));
    parts.push(text(x + 16, yy + 17, 'small', label));
    yy += 32;
    if (n.shim !== undefined) {
      parts.push(rect({ x: x + 20, y: yy - 2, width: HOST_W - 40, height: 20, rx: 4, class: 'shim' }));
      parts.push(text(x + 28, yy + 12, 'small', `shim ${esc(formatIp(n.shim))} · ${esc(n.shimName ?? '')}`));
      yy += 24;
    }
    for (const c of h.containers.filter((c2) => c2.network === n.network)) {
      parts.push(rect({ x: x + 20, y: yy, width: HOST_W - 40, height: CONTAINER_H, rx: 4, class: 'ctr' }));
      parts.push(text(x + 28, yy + 15, 'small', `${esc(c.name)}  ${esc(formatIp(c.ip))}  ${esc(c.mac)}`));
      yy += CONTAINER_H + 6;
    }
  }
  return parts;
}

/** SVG: the LAN on top, each host below it with its parents, networks and containers. */
export function topologySvg(plan: Plan, cut: Set<string> = new Set()): string {
  const heights = plan.hosts.map(hostHeight);
  const W = Math.max(600, plan.hosts.length * (HOST_W + GAP) + GAP);
  const top = plan.devices.length > 0 ? 70 : 0;
  const H = 110 + top + Math.max(...heights, 100) + 20;
  const lan = `LAN ${esc(formatCidr(plan.lan))}${plan.hairpin ? ' (hairpin)' : ''}`;
  const parts = [
    ...devicesSvg(plan, top),
    `<g transform="translate(0,${top})">`,
    rect({ x: GAP, y: 20, width: W - 2 * GAP, height: 34, rx: 6, class: 'lan' }),
    text(GAP + 12, 42, 'lanlabel', lan),
    ...plan.hosts.flatMap((h, i) => hostSvg(plan, h, GAP + i * (HOST_W + GAP), heights[i], cut.has(h.name))),
    '</g>',
  ];
  const svg = { xmlns: 'http://www.w3.org/2000/svg', width: W, height: H, viewBox: `0 0 ${W} ${H}` };
  return `<svg ${attrs({ ...svg, role: 'img', 'aria-label': 'topology' })}>${parts.join('')}</svg>`;
}

/** The matrix: a row per sender, a column per answerer, each cell coloured by its outcome. */
function gridRows(ids: string[], c: Comparison): string {
  const idx = new Map(c.pairs.filter((p) => !p.family).map((p) => [`${p.from}>${p.to}`, p]));
  const cell = (from: string, to: string) => {
    const p = idx.get(`${from}>${to}`);
    if (!p) return '<td class="na"></td>';
    const cls = !p.match ? 'bad' : p.actual === 'reachable' ? 'ok' : 'no';
    const tip = `${p.from} → ${p.to}: expected ${p.expected}, actual ${p.actual} (${p.reason}) ${p.why}`;
    return `<td class="${cls}" title="${esc(tip)}">${p.actual === 'reachable' ? '✓' : '✗'}</td>`;
  };
  const head = `<tr><th></th>${ids.map((id) => `<th class="col"><span>${esc(id)}</span></th>`).join('')}</tr>`;
  const row = (from: string) => `<tr><th class="row">${esc(from)}</th>${ids.map((to) => cell(from, to)).join('')}</tr>`;
  return head + ids.map(row).join('');
}

/** The pairs that differ from the prediction, as a table. */
function differences(bad: PairResult[]): string {
  if (!bad.length) return '<p class="allok">Every pair behaves as predicted.</p>';
  const th = ['from', 'to', 'expected', 'actual', 'reason', 'why'].map((h) => tag('th', h)).join('');
  const td = (p: PairResult) =>
    [esc(p.from), esc(p.to), p.expected, p.actual, esc(p.reason), esc(p.why)].map((v) => tag('td', v)).join('');
  const title = `${bad.length} pair${bad.length > 1 ? 's' : ''} differ from the prediction`;
  return `${tag('h2', title)}${tag('table', tag('tr', th) + bad.map((p) => tag('tr', td(p))).join(''), 'list')}`;
}

const STYLE = [
  'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733;background:#fafbfc}',
  'h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}',
  '.summary{color:#4a5868;margin-bottom:16px}',
  'svg .lan{fill:#dfe9f5;stroke:#5b7fa8} svg .lanlabel{font-weight:600;fill:#2b4a6f}',
  'svg .host{fill:#fff;stroke:#8795a6} svg .hostname{font-weight:700;font-size:15px}',
  'svg .net{fill:#eef5ea;stroke:#7aa56a} svg .dev{fill:#f3ecfa;stroke:#8a6bb0} ' +
    'svg .shim{fill:#e8f3f7;stroke:#4f97b0} svg .ctr{fill:#fff8e6;stroke:#c9a44c}',
  'svg .wire{stroke:#5b7fa8;stroke-width:3} svg .wire.cut{stroke:#c0392b;stroke-dasharray:6 4}',
  'svg .small{font-size:12px;font-family:ui-monospace,monospace}',
  'table.grid{border-collapse:collapse} ' +
    '.grid td{width:22px;height:22px;text-align:center;border:1px solid #fff;font-size:12px}',
  '.grid th.row{text-align:right;padding-right:6px;font:12px ui-monospace,monospace;white-space:nowrap}',
  '.grid th.col{height:120px;vertical-align:bottom;padding:0} ' +
    '.grid th.col span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);' +
    'font:12px ui-monospace,monospace}',
  'td.ok{background:#3c9d5d;color:#fff} td.no{background:#c8cdd3;color:#444} ' +
    'td.bad{background:#d63c3c;color:#fff;font-weight:700} td.na{background:#f0f1f3}',
  '.legend span{display:inline-block;padding:2px 8px;margin-right:8px;border-radius:3px;font-size:12px}',
  'table.list{border-collapse:collapse} ' +
    '.list td,.list th{border:1px solid #d5dae0;padding:4px 8px;font-size:13px;text-align:left}',
  '.allok{color:#2d7a47;font-weight:600}',
].join('\n');

const LEGEND =
  '<div class="legend"><span class="l-ok" style="background:#3c9d5d;color:#fff">✓ reachable, as predicted</span>' +
  '<span style="background:#c8cdd3">✗ unreachable, as predicted</span>' +
  '<span style="background:#d63c3c;color:#fff">differs from the prediction</span></div>';

export function htmlReport(plan: Plan, c: Comparison, o: { title: string; ms: number }): string {
  const ids = endpointIds(plan);
  const cut = new Set(c.pairs.map((p) => p.cut).filter((x): x is string => !!x));
  const reachable = c.pairs.filter((p) => p.actual === 'reachable').length;
  const summary =
    `${c.pairs.length} pairs probed in ${(o.ms / 1000).toFixed(1)} s · ${reachable} reachable · ` +
    `${c.mismatches} differ from the prediction`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<style>
${STYLE}
</style></head><body>
<h1>${esc(o.title)}</h1>
<div class="summary">${summary}</div>
<h2>Topology</h2>
${topologySvg(plan, cut)}
<h2>Reachability (rows send, columns answer)</h2>
${LEGEND}
<table class="grid" id="matrix">${gridRows(ids, c)}</table>
${differences(c.pairs.filter((p) => !p.match))}
</body></html>
`;
}
