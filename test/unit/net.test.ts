import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  contains,
  formatCidr,
  formatIp,
  overlaps,
  parseCidr,
  parseIp,
  subBlock,
  blockIndexOf,
} from '../../src/net/ipv4.ts';
import { macFromIp } from '../../src/net/mac.ts';
import { interfaceNameProblem } from '../../src/net/names.ts';

test('parseIp/formatIp round-trip every address', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => parseIp(formatIp(n)) === n));
});

test('parseIp refuses malformed addresses', () => {
  for (const bad of ['10.100.0', '10.100.0.256', '10.100.0.01', 'a.b.c.d', '', '1.2.3.4.5', ' 1.2.3.-4'])
    assert.equal(parseIp(bad), null, bad);
});

test('parseCidr: valid, host bits, bad prefix', () => {
  const ok = parseCidr('10.100.0.0/16');
  assert.ok(ok.ok && formatCidr(ok.cidr) === '10.100.0.0/16');
  const hb = parseCidr('10.100.1.0/16');
  assert.ok(!hb.ok && /host bits set; the network is 10.100.0.0\/16/.test(hb.error));
  assert.ok(!parseCidr('10.100.0.0/33').ok);
  assert.ok(!parseCidr('10.100.0.0').ok);
});

test('contains / overlaps / blocks agree with each other', () => {
  fc.assert(
    fc.property(fc.integer({ min: 8, max: 24 }), fc.integer({ min: 0, max: 0xffffffff }), (prefix, ip) => {
      const outer = { base: (ip & (0xffffffff << (32 - prefix))) >>> 0, prefix };
      const bp = Math.min(30, prefix + 4);
      const idx = blockIndexOf(outer, bp, ip);
      const block = subBlock(outer, bp, idx);
      return contains(outer, ip) && contains(block, ip) && overlaps(outer, block);
    }),
  );
});

test('MAC follows Docker 20.10 (02:42 + IP bytes)', () => {
  assert.equal(macFromIp(parseIp('10.100.1.1')!), '02:42:0a:64:01:01');
  assert.equal(macFromIp(parseIp('10.100.2.2')!), '02:42:0a:64:02:02');
  assert.equal(macFromIp(parseIp('192.168.255.254')!), '02:42:c0:a8:ff:fe');
});

test('interface names follow the kernel', () => {
  assert.equal(interfaceNameProblem('ens33'), null);
  assert.match(interfaceNameProblem('averyveryverylongname')!, /at most 15/);
  assert.match(interfaceNameProblem('a/b')!, /'\/'/);
  assert.ok(interfaceNameProblem(''));
});

test('one engine written two ways is one endpoint', async () => {
  const { normalEndpoint } = await import('../../src/topology/endpoint.ts');
  assert.equal(normalEndpoint('unix:///x//y'), 'unix:///x/y');
  assert.equal(normalEndpoint('unix:///x/./y'), 'unix:///x/y');
  assert.equal(normalEndpoint('unix:///x/z/../y'), 'unix:///x/y');
  assert.equal(normalEndpoint('TCP://Host.Example:2376/'), 'tcp://host.example:2376');
  assert.equal(normalEndpoint('ssh://root@H:22'), 'ssh://root@h');
  assert.equal(normalEndpoint('ssh://root@h:2222'), 'ssh://root@h:2222');
});
