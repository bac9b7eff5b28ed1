/** Renderers: the LAN check's matrix and fixes, verify's report per family, the seed's ip addr table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkText } from '../../src/render/check.ts';
import { verifyJson, verifyText } from '../../src/render/verify.ts';
import { ipAddrTable } from '../../src/render/tables.ts';
import type { Comparison } from '../../src/probe/compare.ts';

const fits = (text: string, width: number) => text.split('\n').every((l) => [...l].length <= width);

test('checkText: a matrix of host pairs; the platform fixes only when frames are dropped', () => {
  const hosts = ['host1', 'host2'];
  const blocked = checkText(
    {
      pairs: [
        { from: 'host1', to: 'host2', crosses: false },
        { from: 'host2', to: 'host1', crosses: false },
      ],
      failed: [],
    },
    hosts,
    80,
  );
  assert.match(blocked, /host1\s+·\s+✗/);
  assert.match(blocked, /2 of 2 host pairs drop frames from foreign MACs/);
  assert.match(blocked, /VMware: .*Promiscuous/s);
  assert.match(blocked, /driver: routed/);
  assert.ok(fits(blocked, 80));
  const fine = checkText(
    {
      pairs: [
        { from: 'host1', to: 'host2', crosses: true },
        { from: 'host2', to: 'host1', crosses: true },
      ],
      failed: [],
    },
    hosts,
    80,
  );
  assert.match(fine, /macvlan\s+can cross it/);
  assert.doesNotMatch(fine, /VMware/);
  const failed = checkText({ pairs: [], failed: [{ host: 'host2', why: 'cannot add a macvlan on ens33' }] }, hosts, 80);
  assert.match(failed, /host2: no probe \(cannot add a macvlan on ens33\)/);
  assert.match(failed, /host1\s+·\s+\?/);
});

test('verify report: IPv6 pairs counted and marked, JSON family only where 6, the matrix IPv4 only', () => {
  const pair = (to: string, family?: 6, match = true) => ({
    from: 'h1/a',
    to,
    expected: 'reachable' as const,
    actual: match ? ('reachable' as const) : ('unreachable' as const),
    reason: match ? ('over-lan' as const) : ('no-arp-reply' as const),
    why: 'x',
    match,
    ...(family ? { family } : {}),
  });
  const c: Comparison = { pairs: [pair('h2/b'), pair('h2/b', 6, false)], mismatches: 1 };
  const text = verifyText(c, ['h1/a', 'h2/b'], { width: 80, wide: false, color: false }, 1200);
  assert.match(text, /2 pairs \(1 over IPv6\) probed in 1\.2 s: 1 reachable, 1 unreachable; 1 differ/);
  assert.match(text, /h2\/b \(IPv6\)/);
  const j = verifyJson(c) as { pairs: Record<string, unknown>[] };
  assert.deepEqual(
    j.pairs.map((p) => p.family),
    [undefined, 6],
  );
  assert.ok(!('family' in j.pairs[0]), 'absent means IPv4');
});

test('ipAddrTable gives up optional columns before the width, and never a drift note', () => {
  const rows = [
    {
      interface: 'ens33',
      ipv4: '192.168.140.200/24',
      brd: '192.168.140.255',
      mac: '00:0c:29:aa:bb:cc',
      scope: 'global',
      master: 'br0',
      drift: 'expected no master',
    },
  ];
  const wide = ipAddrTable(rows);
  assert.match(wide, /master/);
  const narrow = ipAddrTable(rows, 60);
  assert.ok(fits(narrow, 60), narrow);
  assert.doesNotMatch(narrow.split('\n')[1], /master|scope|brd/, 'master, scope and brd given up');
  assert.match(narrow, /^! ens33: expected no master$/m, 'the drift note moves under the table');
});

test('shell quoting: what lab env prints stays one word under eval, whatever it holds', async () => {
  const { shellQuote } = await import('../../src/render/shell.ts');
  const { spawnSync } = await import('node:child_process');
  for (const v of ['/tmp/a b;touch /tmp/x', "it's", '$HOME `id` "q"', '\\n']) {
    const r = spawnSync('sh', ['-c', 'eval "X=$1"; printf %s "$X"', 'sh', shellQuote(v)], { encoding: 'utf8' });
    assert.equal(r.stdout, v);
  }
});
