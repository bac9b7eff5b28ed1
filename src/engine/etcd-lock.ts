/**
 * The same lock in etcd, for teams that prefer a lock service to a lock object on an engine: a key
 * `/mvnet/lock/TOPOLOGY` created only if absent (a transaction on its create revision), bound to a
 * lease that this process keeps alive. A holder that dies stops renewing; its lease expires and etcd
 * deletes the key by itself. Spoken over etcd's v3 JSON gateway with fetch: no client library.
 */
import { LockError, MvnetError } from '../errors.ts';
import { NEVER } from './stop.ts';
import { holderOf, thisHolder, type Lock, type LockRequest } from './lock.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString();

// etcd's JSON answers, read field by field by the callers
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call(at: string, path: string, body: unknown, timeoutMs = 60_000): Promise<any> {
  let r: Response;
  try {
    // bounded: an etcd that accepts connections but never answers must not hold a renewal for ever
    r = await fetch(`${at}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    throw new MvnetError(
      'lock',
      `etcd at ${at} does not answer (${err.cause?.code ?? err.message})`,
      at,
      "start etcd, or remove lock: from the file to use the lock on the hosts' engines",
    );
  }
  if (!r.ok) throw new MvnetError('lock', `etcd ${path}: HTTP ${r.status} ${await r.text()}`, at);
  return r.json();
}

function base(url: string): string {
  return url.replace(/^etcd:\/\//, 'http://').replace(/\/$/, '');
}

const keyOf = (topology: string) => b64(`/mvnet/lock/${topology}`);

export async function acquireEtcdLock(url: string, r: LockRequest): Promise<Lock> {
  const at = base(url);
  const stop = r.stop ?? NEVER;
  const ttl = Number(process.env.MVNET_ETCD_TTL ?? 30);
  const key = keyOf(r.topology);
  const holder = thisHolder(r.command);
  const until = Date.now() + r.waitMs;
  for (;;) {
    stop.check();
    const lease = (await call(at, '/v3/lease/grant', { TTL: ttl })).ID as string;
    const txn = await call(at, '/v3/kv/txn', {
      compare: [{ key, target: 'CREATE', result: 'EQUAL', create_revision: '0' }],
      success: [{ request_put: { key, value: b64(JSON.stringify(holder)), lease } }],
      failure: [{ request_range: { key } }],
    });
    if (txn.succeeded) return keepAlive(at, key, lease, ttl);
    await call(at, '/v3/lease/revoke', { ID: lease }).catch(() => {});
    const kv = txn.responses?.[0]?.response_range?.kvs?.[0];
    const held = kv ? (JSON.parse(unb64(kv.value)) as Record<string, string>) : {};
    if (Date.now() >= until) {
      throw new LockError(holderOf(held, url, `when its holder stops renewing its ${ttl} s lease`), r.topology, r.file);
    }
    await stop.sleep(200 + Math.random() * 300);
  }
}

/**
 * Renews the lease a third of its TTL apart and watches the key: the lock counts as lost (and the run stops before
 * its next operation) when the lease expired, when the key is gone or bound to another lease (`mvnet unlock`),
 * or when etcd has not answered for a whole TTL (the lease may have expired meanwhile).
 */
function keepAlive(at: string, key: string, lease: string, ttl: number): Lock {
  let lost: string | null = null;
  let lastOk = Date.now();
  const every = Math.max(1000, (ttl * 1000) / 3);
  const check = async () => {
    const k = await call(at, '/v3/lease/keepalive', { ID: lease }, every);
    if (!(Number(k?.result?.TTL) > 0)) lost ??= `its etcd lease ${lease} expired`;
    const kv = (await call(at, '/v3/kv/range', { key }, every)).kvs?.[0];
    if (!kv || String(kv.lease) !== String(lease))
      lost ??= 'its etcd key was removed or taken by another holder (mvnet unlock?)';
    lastOk = Date.now();
  };
  const renew = () => {
    check().catch(() => {
      if (Date.now() - lastOk >= ttl * 1000) lost ??= `etcd did not answer for ${ttl} s (its lease may have expired)`;
    });
  };
  const timer = setInterval(renew, every);
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await call(at, '/v3/lease/revoke', { ID: lease }).catch(() => {});
    },
    lost: () => lost,
  };
}

/** The holder of the etcd lock, if any. */
export async function etcdHolder(url: string, topology: string): Promise<Record<string, string> | null> {
  const r = await call(base(url), '/v3/kv/range', { key: keyOf(topology) });
  const kv = r.kvs?.[0];
  return kv ? (JSON.parse(unb64(kv.value)) as Record<string, string>) : null;
}

/** Deletes the etcd lock (for `mvnet unlock`). */
export async function breakEtcdLock(url: string, topology: string): Promise<boolean> {
  const r = await call(base(url), '/v3/kv/deleterange', { key: keyOf(topology) });
  return Number(r.deleted ?? 0) > 0;
}
