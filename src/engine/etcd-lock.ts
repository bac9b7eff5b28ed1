/**
 * The same lock in etcd, for teams that prefer a lock service to a lock object on an engine: a key
 * `/mvnet/lock/TOPOLOGY` created only if absent (a transaction on its create revision), bound to a
 * lease that this process keeps alive. A holder that dies stops renewing; its lease expires and etcd
 * deletes the key by itself. Spoken over etcd's v3 JSON gateway with fetch: no client library.
 */
import { hostname } from 'node:os';
import { MvnetError } from '../errors.ts';
import { LockError, type Lock } from './lock.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();

async function call(base: string, path: string, body: unknown): Promise<any> {
  let r: Response;
  try {
    r = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  } catch (e) {
    throw new MvnetError('lock', `etcd at ${base} does not answer (${(e as Error & { cause?: { code?: string } }).cause?.code ?? (e as Error).message})`, base, 'start etcd, or remove lock: from the file to use the lock on the first host\'s engine');
  }
  if (!r.ok) throw new MvnetError('lock', `etcd ${path}: HTTP ${r.status} ${await r.text()}`, base);
  return r.json();
}

export async function acquireEtcdLock(url: string, topology: string, command: string, waitMs = 0): Promise<Lock> {
  const base = url.replace(/^etcd:\/\//, 'http://').replace(/\/$/, '');
  const ttl = Number(process.env.MVNET_ETCD_TTL ?? 30);
  const key = b64(`/mvnet/lock/${topology}`);
  const holder = { 'mvnet.lock.machine': hostname(), 'mvnet.lock.pid': String(process.pid), 'mvnet.lock.since': new Date().toISOString(), 'mvnet.lock.command': command };
  const until = Date.now() + waitMs;
  for (;;) {
    const lease = (await call(base, '/v3/lease/grant', { TTL: ttl })).ID as string;
    const txn = await call(base, '/v3/kv/txn', {
      compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key, value: b64(JSON.stringify(holder)), lease } }],
      failure: [{ request_range: { key } }],
    });
    if (txn.succeeded) {
      const timer = setInterval(() => { void call(base, '/v3/lease/keepalive', { ID: lease }).catch(() => {}); }, Math.max(1000, (ttl * 1000) / 3));
      timer.unref();
      return {
        release: async () => {
          clearInterval(timer);
          await call(base, '/v3/lease/revoke', { ID: lease }).catch(() => {});
        },
      };
    }
    await call(base, '/v3/lease/revoke', { ID: lease }).catch(() => {});
    const kv = txn.responses?.[0]?.response_range?.kvs?.[0];
    const held = kv ? JSON.parse(unb64(kv.value)) as Record<string, string> : {};
    if (Date.now() >= until) throw new LockError(held, topology, base);
    await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
  }
}
