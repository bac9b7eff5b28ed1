/** The self-contained HTML report: a drawing of the topology and the matrix as a coloured grid. Pure. */
import { formatCidr, formatIp } from '../net/ipv4.ts';
import type { Plan } from '../plan/types.ts';
import type { Comparison } from '../probe/compare.ts';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** SVG: the LAN on top, each host below it with its parents, networks and containers. */
export function topologySvg(plan: Plan, cut: Set<string> = new Set()): string {
  const hostW = 330,
    gap = 30,
    cH = 22;
  const heights = plan.hosts.map(
    (h) =>
      90 +
      h.networks.length * 34 +
      h.containers.length * (cH + 6) +
      (h.networks.some((n) => n.shim !== undefined) ? 24 : 0),
  );
  const W = Math.max(600, plan.hosts.length * (hostW + gap) + gap);
  const top = plan.devices.length > 0 ? 70 : 0;
  const H = 110 + top + Math.max(...heights, 100) + 20;
  const parts: string[] = [];
  plan.devices.forEach((d, i) => {
    const x = gap + i * 250;
    parts.push(
      `<rect x="${x}" y="8" width="230" height="44" rx="6" class="dev ${d.kind}" data-device="${esc(d.name)}"/>`,
    );
    parts.push(
      `<text x="${x + 10}" y="26" class="hostname">${esc(d.name)} <tspan class="small">(${d.kind})</tspan></text>`,
    );
    parts.push(
      `<text x="${x + 10}" y="44" class="small">${[d.address, ...d.addresses.map((a) => a.ip)].map(formatIp).map(esc).join(', ')}</text>`,
    );
    parts.push(`<line x1="${x + 115}" y1="52" x2="${x + 115}" y2="${20 + top}" class="wire"/>`);
  });
  parts.push(`<g transform="translate(0,${top})">`);
  parts.push(`<rect x="${gap}" y="20" width="${W - 2 * gap}" height="34" rx="6" class="lan"/>`);
  parts.push(
    `<text x="${gap + 12}" y="42" class="lanlabel">LAN ${esc(formatCidr(plan.lan))}${plan.hairpin ? ' (hairpin)' : ''}</text>`,
  );
  plan.hosts.forEach((h, i) => {
    const x = gap + i * (hostW + gap),
      y = 100;
    const down = cut.has(h.name);
    parts.push(
      `<line x1="${x + hostW / 2}" y1="54" x2="${x + hostW / 2}" y2="${y}" class="${down ? 'wire cut' : 'wire'}"/>`,
    );
    parts.push(
      `<rect x="${x}" y="${y}" width="${hostW}" height="${heights[i]}" rx="8" class="host" data-host="${esc(h.name)}"/>`,
    );
    parts.push(`<text x="${x + 12}" y="${y + 22}" class="hostname">${esc(h.name)}</text>`);
    parts.push(
      `<text x="${x + 12}" y="${y + 40}" class="small">${esc(h.interface)} ${esc(formatIp(h.address))}${h.forward ? ' · forwards' : ''}${down ? ' — link down' : ''}</text>`,
    );
    let yy = y + 58;
    for (const n of h.networks) {
      const net = plan.networks.find((x2) => x2.name === n.network)!;
      parts.push(`<rect x="${x + 8}" y="${yy}" width="${hostW - 16}" height="26" rx="4" class="net"/>`);
      parts.push(
        `<text x="${x + 16}" y="${yy + 17}" class="small">${esc(n.network)} · ${esc(n.link)} · ${esc(net.mode)} · ${esc(formatCidr(n.range))}</text>`,
      );
      yy += 32;
      if (n.shim !== undefined) {
        parts.push(`<rect x="${x + 20}" y="${yy - 2}" width="${hostW - 40}" height="20" rx="4" class="shim"/>`);
        parts.push(
          `<text x="${x + 28}" y="${yy + 12}" class="small">shim ${esc(formatIp(n.shim))} · ${esc(n.shimName ?? '')}</text>`,
        );
        yy += 24;
      }
      for (const c of h.containers.filter((c2) => c2.network === n.network)) {
        parts.push(`<rect x="${x + 20}" y="${yy}" width="${hostW - 40}" height="${cH}" rx="4" class="ctr"/>`);
        parts.push(
          `<text x="${x + 28}" y="${yy + 15}" class="small">${esc(c.name)}  ${esc(formatIp(c.ip))}  ${esc(c.mac)}</text>`,
        );
        yy += cH + 6;
      }
    }
  });
  parts.push('</g>');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="topology">${parts.join('')}</svg>`;
}

export function htmlReport(plan: Plan, c: Comparison, o: { title: string; ms: number }): string {
  const ids = [
    ...plan.containers.map((x) => x.id),
    ...plan.hosts.map((h) => h.name),
    ...plan.devices.filter((d) => d.kind === 'machine').map((d) => d.name),
  ];
  const idx = new Map(c.pairs.filter((p) => !p.family).map((p) => [`${p.from}>${p.to}`, p]));
  const cut = new Set(c.pairs.map((p) => p.cut).filter((x): x is string => !!x));
  const head = `<tr><th></th>${ids.map((id) => `<th class="col"><span>${esc(id)}</span></th>`).join('')}</tr>`;
  const rows = ids
    .map(
      (from) =>
        `<tr><th class="row">${esc(from)}</th>${ids
          .map((to) => {
            const p = idx.get(`${from}>${to}`);
            if (!p) return '<td class="na"></td>';
            const cls = !p.match ? 'bad' : p.actual === 'reachable' ? 'ok' : 'no';
            const tip = `${p.from} → ${p.to}: expected ${p.expected}, actual ${p.actual} (${p.reason}) ${p.why}`;
            return `<td class="${cls}" title="${esc(tip)}">${p.actual === 'reachable' ? '✓' : '✗'}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  const bad = c.pairs.filter((p) => !p.match);
  const list = bad.length
    ? `<h2>${bad.length} pair${bad.length > 1 ? 's' : ''} differ from the prediction</h2><table class="list"><tr><th>from</th><th>to</th><th>expected</th><th>actual</th><th>reason</th><th>why</th></tr>${bad.map((p) => `<tr><td>${esc(p.from)}</td><td>${esc(p.to)}</td><td>${p.expected}</td><td>${p.actual}</td><td>${esc(p.reason)}</td><td>${esc(p.why)}</td></tr>`).join('')}</table>`
    : '<p class="allok">Every pair behaves as predicted.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(o.title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2733;background:#fafbfc}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 8px}
.summary{color:#4a5868;margin-bottom:16px}
svg .lan{fill:#dfe9f5;stroke:#5b7fa8} svg .lanlabel{font-weight:600;fill:#2b4a6f}
svg .host{fill:#fff;stroke:#8795a6} svg .hostname{font-weight:700;font-size:15px}
svg .net{fill:#eef5ea;stroke:#7aa56a} svg .dev{fill:#f3ecfa;stroke:#8a6bb0} svg .shim{fill:#e8f3f7;stroke:#4f97b0} svg .ctr{fill:#fff8e6;stroke:#c9a44c}
svg .wire{stroke:#5b7fa8;stroke-width:3} svg .wire.cut{stroke:#c0392b;stroke-dasharray:6 4}
svg .small{font-size:12px;font-family:ui-monospace,monospace}
table.grid{border-collapse:collapse} .grid td{width:22px;height:22px;text-align:center;border:1px solid #fff;font-size:12px}
.grid th.row{text-align:right;padding-right:6px;font:12px ui-monospace,monospace;white-space:nowrap}
.grid th.col{height:120px;vertical-align:bottom;padding:0} .grid th.col span{display:inline-block;writing-mode:vertical-rl;transform:rotate(180deg);font:12px ui-monospace,monospace}
td.ok{background:#3c9d5d;color:#fff} td.no{background:#c8cdd3;color:#444} td.bad{background:#d63c3c;color:#fff;font-weight:700} td.na{background:#f0f1f3}
.legend span{display:inline-block;padding:2px 8px;margin-right:8px;border-radius:3px;font-size:12px}
table.list{border-collapse:collapse} .list td,.list th{border:1px solid #d5dae0;padding:4px 8px;font-size:13px;text-align:left}
.allok{color:#2d7a47;font-weight:600}
</style></head><body>
<h1>${esc(o.title)}</h1>
<div class="summary">${c.pairs.length} pairs probed in ${(o.ms / 1000).toFixed(1)} s · ${c.pairs.filter((p) => p.actual === 'reachable').length} reachable · ${c.mismatches} differ from the prediction</div>
<h2>Topology</h2>
${topologySvg(plan, cut)}
<h2>Reachability (rows send, columns answer)</h2>
<div class="legend"><span class="l-ok" style="background:#3c9d5d;color:#fff">✓ reachable, as predicted</span><span style="background:#c8cdd3">✗ unreachable, as predicted</span><span style="background:#d63c3c;color:#fff">differs from the prediction</span></div>
<table class="grid" id="matrix">${head}${rows}</table>
${list}
</body></html>
`;
}
