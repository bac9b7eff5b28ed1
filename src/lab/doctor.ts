/** What the lab and mvnet need, checked one by one, with the fix for each. */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { run } from './exec.ts';
import { busyboxPath } from '../engine/image.ts';
import { macvlanSupport, vlanSupport } from './kernel.ts';
import { engineReady } from './engines.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
  /** a limit the lab works around or refuses cleanly, not a blocker */
  optional?: boolean;
}

async function which(cmd: string): Promise<string | null> {
  for (const d of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    try {
      accessSync(`${d}/${cmd}`, constants.X_OK);
      return `${d}/${cmd}`;
    } catch {
      /* next */
    }
  }
  return null;
}

export async function doctor(): Promise<Check[]> {
  const checks: Check[] = [];
  const root = process.getuid?.() === 0;
  let capNetAdmin = false;
  try {
    capNetAdmin =
      (BigInt('0x' + /CapEff:\s*([0-9a-f]+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) & (1n << 12n)) !== 0n;
  } catch {
    /* no */
  }
  checks.push({
    name: 'privileges',
    ok: root || capNetAdmin,
    detail: root ? 'running as root' : capNetAdmin ? 'CAP_NET_ADMIN' : 'not root',
    fix: 'run as root (sudo) for the lab',
  });
  const ipPath = await which('ip');
  checks.push({ name: 'iproute2', ok: !!ipPath, detail: ipPath ?? 'ip not found', fix: 'apt-get install iproute2' });
  const ns = await which('nsenter');
  checks.push({ name: 'nsenter', ok: !!ns, detail: ns ?? 'not found', fix: 'apt-get install util-linux' });
  const dockerd = await which('dockerd');
  let dv = 'not found';
  if (dockerd) dv = (await run('dockerd', ['--version'])).stdout.trim();
  checks.push({ name: 'dockerd', ok: !!dockerd, detail: dv, fix: 'apt-get install docker.io' });
  const bb = busyboxPath();
  let applets = false;
  if (bb) applets = (await run(bb, ['--list'])).stdout.split('\n').includes('arping');
  checks.push({
    name: 'busybox (probe image)',
    ok: !!bb && applets,
    detail: bb ? `${bb}${applets ? '' : ' (without arping)'}` : 'not found',
    fix: 'apt-get install busybox-static',
  });
  if (ipPath && (root || capNetAdmin)) {
    const mv = await macvlanSupport();
    checks.push({
      name: 'kernel macvlan',
      ok: mv,
      detail: mv ? 'supported' : 'cannot create a macvlan link',
      fix: 'load the macvlan module (modprobe macvlan)',
    });
    const vl = await vlanSupport();
    checks.push({
      name: 'kernel 802.1q (VLAN networks)',
      ok: vl,
      optional: true,
      detail: vl ? 'supported' : 'operation not supported: topologies with vlan: cannot run in the lab',
      fix: 'modprobe 8021q, or a kernel built with CONFIG_VLAN_8021Q',
    });
  }
  checks.push({
    name: 'cgroups',
    ok: existsSync('/sys/fs/cgroup/cgroup.controllers') || existsSync('/sys/fs/cgroup/devices'),
    detail: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'cgroup v2' : 'cgroup v1',
    fix: 'mount cgroups (dockerd needs them)',
  });
  const sshd = existsSync('/usr/sbin/sshd');
  const ssh = await which('ssh');
  const openssl = await which('openssl');
  checks.push({
    name: 'ssh client (ssh:// endpoints)',
    ok: !!ssh,
    detail: ssh ?? 'not found',
    fix: 'apt-get install openssh-client',
  });
  checks.push({
    name: 'sshd + openssl (lab up --remote)',
    ok: sshd && !!openssl,
    optional: true,
    detail: `${sshd ? '/usr/sbin/sshd' : 'no sshd'}, ${openssl ?? 'no openssl'}`,
    fix: 'apt-get install openssh-server openssl (setup.sh keeps sshd from starting as a service)',
  });
  for (const v of ['20.10', '26', '28'] as const) {
    const r = engineReady(v);
    checks.push({
      name: `lab engine Docker ${v}`,
      ok: r.ok,
      optional: v !== '20.10',
      detail: v === '20.10' ? dv : r.detail,
      fix: v === '20.10' ? 'apt-get install docker.io' : 'scripts/setup.sh --engines (debootstrap, once)',
    });
  }
  const chromium = await which('chromium');
  checks.push({
    name: 'chromium (HTML report tests)',
    ok: !!chromium,
    optional: true,
    detail: chromium ?? 'not found',
    fix: 'apt-get install chromium',
  });
  return checks;
}
