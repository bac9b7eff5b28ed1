/**
 * The lab's Docker engines of three versions: Debian's docker.io of bookworm (20.10, this machine's own),
 * trixie (26) and sid (28). The newer two run from root file systems built once by `scripts/setup.sh --engines`
 * (debootstrap), cached under MVNET_ENGINES_DIR, and start in the host's network namespace from a private mount
 * namespace: the root file system bound onto itself, /proc, /sys and /dev, the host's lab folder bound in at the
 * same path (so its socket is where the lab expects it), then chroot. The program is a fixed text; the paths
 * arrive as arguments.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MvnetError } from '../errors.ts';
import type { LabEngine } from '../topology/types.ts';

export const SUITES: Record<LabEngine, string | null> = { '20.10': null, '26': 'trixie', '28': 'sid' };

export function enginesDir(): string {
  return process.env.MVNET_ENGINES_DIR ?? '/var/lib/mvnet/engines';
}

export function rootfsOf(engine: LabEngine): string | null {
  const suite = SUITES[engine];
  return suite ? join(enginesDir(), suite) : null;
}

/** Whether an engine can run here: this machine's dockerd, or a complete root file system. */
export function engineReady(engine: LabEngine): { ok: boolean; detail: string } {
  const root = rootfsOf(engine);
  if (!root)
    return { ok: existsSync('/usr/sbin/dockerd') || existsSync('/usr/bin/dockerd'), detail: "this machine's dockerd" };
  const done = join(root, '.mvnet-complete');
  if (!existsSync(done)) return { ok: false, detail: `no root file system at ${root}` };
  return { ok: true, detail: `${root} (docker.io ${readFileSync(done, 'utf8').trim()})` };
}

export function requireEngine(engine: LabEngine, where: string): void {
  if (!engineReady(engine).ok) {
    throw new MvnetError(
      'lab',
      `Docker ${engine} for the lab is not built here (${engineReady(engine).detail})`,
      where,
      'run scripts/setup.sh --engines once (debootstrap of Debian trixie and sid, a few minutes)',
    );
  }
}

const CHROOT = `
root="$1"; dir="$2"; shift 2
mount --bind "$root" "$root" || exit 1
mount -t proc proc "$root/proc" || exit 1
mount --rbind /sys "$root/sys" || exit 1
mount --rbind /dev "$root/dev" || exit 1
mkdir -p "$root$dir" || exit 1
mount --bind "$dir" "$root$dir" || exit 1
exec chroot "$root" "$@"
`;

/** Wraps a dockerd command line (after `nsenter --net=… --`) so it runs from the engine's root file system. */
export function inRootfs(engine: LabEngine | undefined, dir: string, daemon: string[]): string[] {
  const root = engine ? rootfsOf(engine) : null;
  if (!root) return daemon;
  return ['unshare', '-m', '--propagation', 'private', '--', 'sh', '-c', CHROOT, 'mvnet-engine', root, dir, ...daemon];
}
