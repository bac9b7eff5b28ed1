/** Shared bits of the benchmarks: generated topologies, timing, the CLI. Loopback and lab namespaces only. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export const MV = join(process.cwd(), 'bin/mvnet');

export function topologyFile(name: string, hosts: number, perHost: number): string {
  const h: Record<string, unknown> = {};
  for (let i = 0; i < hosts; i++) {
    const containers: Record<string, unknown> = {};
    for (let c = 0; c < perHost; c++) containers[`c${c}`] = { network: 'mv' };
    h[`h${i}`] = { address: `192.168.200.${10 + i}`, containers };
  }
  const dir = mkdtempSync(join(tmpdir(), `mvnet-bench-${name}-`));
  const file = join(dir, 'topology.yaml');
  writeFileSync(
    file,
    stringify({
      name,
      lan: '192.168.200.0/24',
      networks: { mv: { subnet: '10.200.0.0/16', parent: 'eth0' } },
      hosts: h,
    }),
  );
  return file;
}

export function mv(
  args: string[],
  env: Record<string, string> = {},
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(MV, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0 && r.status !== 1) throw new Error(`mvnet ${args.join(' ')} failed: ${r.stderr}`);
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function timed<T>(f: () => T): [T, number] {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
}
