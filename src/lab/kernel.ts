/** What this kernel can do, found by trying in a scratch namespace (never guessed). */
import { ip, run } from './exec.ts';

async function tryInScratch(fn: (ns: string) => Promise<void>): Promise<boolean> {
  const ns = `mv-probe-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  await ip(null, 'netns', 'add', ns);
  try {
    await fn(ns);
    return true;
  } catch {
    return false;
  } finally {
    await run('ip', ['netns', 'del', ns]);
  }
}

let vlanCache: boolean | undefined;

/** 802.1q: can a VLAN sub-interface be created? */
export async function vlanSupport(): Promise<boolean> {
  vlanCache ??= await tryInScratch(async (ns) => {
    await ip(ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    await ip(ns, 'link', 'add', 'link', 'p0', 'name', 'p0.10', 'type', 'vlan', 'id', '10');
  });
  return vlanCache;
}

/** macvlan: can a macvlan child be created on a veth? */
export async function macvlanSupport(): Promise<boolean> {
  return tryInScratch(async (ns) => {
    await ip(ns, 'link', 'add', 'p0', 'type', 'veth', 'peer', 'name', 'p1');
    await ip(ns, 'link', 'add', 'link', 'p0', 'name', 'm0', 'type', 'macvlan', 'mode', 'bridge');
  });
}
