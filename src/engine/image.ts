/** The probe image, built offline from Debian's busybox-static: sh, ping, arping, ip, nc and friends. */
import { readFileSync, existsSync, realpathSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import type Docker from 'dockerode';
import { MvnetError } from '../errors.ts';
import { PROBE_CMD, PROBE_IMAGE } from './probe-image.ts';

export { PROBE_CMD, PROBE_IMAGE };

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];
const APPLETS = [
  'sh',
  'ping',
  'arping',
  'ip',
  'nc',
  'sleep',
  'cat',
  'ls',
  'echo',
  'true',
  'false',
  'ifconfig',
  'route',
  'hostname',
  'ps',
  'kill',
  'grep',
  'sed',
  'awk',
  'head',
  'tail',
  'wc',
  'date',
  'env',
  'id',
  'mkdir',
  'rm',
  'touch',
  'uname',
  'timeout',
  'wget',
  'traceroute',
  'arp',
  'netstat',
  'printf',
  'seq',
  'tr',
];

export function busyboxPath(): string | null {
  return BUSYBOX.find((p) => existsSync(p)) ?? null;
}

/** A root file system tar with busybox and its applets. */
export async function probeRootfs(): Promise<Buffer> {
  const bb = busyboxPath();
  if (!bb) throw new MvnetError('lab', 'busybox is not installed', undefined, 'apt-get install busybox-static');
  // loaded here: only a host without the probe image needs it
  const { default: tar } = await import('tar-stream');
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((res, rej) => {
    pack.on('end', () => res());
    pack.on('error', rej);
  });
  for (const d of [
    'bin',
    'etc',
    'tmp',
    'proc',
    'sys',
    'dev',
    'root',
    'lib',
    'lib64',
    'lib/x86_64-linux-gnu',
    'usr',
    'usr/lib',
  ])
    pack.entry({ name: d, type: 'directory', mode: d === 'tmp' ? 0o1777 : 0o755 });
  pack.entry({ name: 'bin/busybox', mode: 0o755 }, readFileSync(bb));
  for (const a of APPLETS) pack.entry({ name: `bin/${a}`, type: 'symlink', linkname: 'busybox' });
  // iproute2's ip as /bin/ip-full: busybox's ip ignores "mode bridge" for macvlan links (the shim needs it)
  for (const f of fullIp()) pack.entry({ name: f.path.replace(/^\//, ''), mode: 0o755 }, readFileSync(f.real));
  pack.entry({ name: 'etc/passwd', mode: 0o644 }, 'root:x:0:0:root:/root:/bin/sh\n');
  pack.entry({ name: 'etc/group', mode: 0o644 }, 'root:x:0:\n');
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** iproute2's ip and the shared libraries it needs, from this machine (empty when it has none). */
function fullIp(): { path: string; real: string }[] {
  const ip = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));
  if (!ip) return [];
  const out: { path: string; real: string }[] = [{ path: '/bin/ip-full', real: realpathSync(ip) }];
  let ldd = '';
  try {
    ldd = execFileSync('ldd', [realpathSync(ip)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const seen = new Set<string>();
  for (const line of ldd.split('\n')) {
    const m = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (!m || seen.has(m[1])) continue;
    seen.add(m[1]);
    out.push({ path: m[1], real: realpathSync(m[1]) });
  }
  return out;
}

/** Imports the probe image into an engine unless it is there. */
export async function ensureProbeImage(docker: Docker, rootfs: () => Promise<Buffer>): Promise<boolean> {
  try {
    await docker.getImage(PROBE_IMAGE).inspect();
    return false;
  } catch {
    /* not there */
  }
  const [repo, tag] = PROBE_IMAGE.split(':');
  const { Readable } = await import('node:stream');
  const stream = await (docker.importImage as (f: unknown, o: unknown) => Promise<NodeJS.ReadableStream>)(
    Readable.from(await rootfs()),
    {
      repo,
      tag,
      changes: [`CMD ${JSON.stringify(PROBE_CMD)}`, 'ENV PATH=/bin'],
    },
  );
  await new Promise<void>((res, rej) =>
    docker.modem.followProgress(stream, (err: Error | null) => (err ? rej(err) : res())),
  );
  return true;
}

const rootfsOnce = (() => {
  let p: Promise<Buffer> | undefined;
  return () => (p ??= probeRootfs());
})();

/** Makes sure an engine has the probe/helper image (imported from the local busybox when missing). */
export async function loadProbeImage(docker: Docker): Promise<void> {
  await ensureProbeImage(docker, rootfsOnce);
}
