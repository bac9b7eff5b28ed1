/**
 * Stopping on a signal: once triggered, no new engine operation starts (each one first asks `check`);
 * operations already in flight finish (they are bounded by the engine client's timeout).
 */
import { InterruptedError, MvnetError } from '../errors.ts';
import type { Engine } from './engine.ts';

export class Stop {
  signal: NodeJS.Signals | null = null;
  inFlight = 0;
  /** a further reason to stop (the lock was lost), checked with the signal */
  also: (() => string | null) | null = null;

  trigger(signal: NodeJS.Signals): void {
    this.signal ??= signal;
  }

  /** Throws when a signal came: called before every new operation. */
  check(): void {
    if (this.signal) throw new InterruptedError(this.signal);
    const lost = this.also?.();
    if (lost)
      throw new MvnetError(
        'lock',
        `lost the lock while running: ${lost}; no new operation was started`,
        undefined,
        'run apply again: it converges from whatever was done',
      );
  }

  /** Resolves after `ms` unless a signal comes first (then throws). */
  async sleep(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      this.check();
      await new Promise((r) => setTimeout(r, Math.min(50, until - Date.now())));
    }
    this.check();
  }
}

/** MVNET_TRACE=1: every engine call on stderr (when it started, how long it took), to see where a run's time goes. */
const TRACE = process.env.MVNET_TRACE === '1';

/** A stop that never triggers (for library use and tests). */
export const NEVER = new Stop();

/** The engine, with every method call refused once the stop has triggered (its Swarm part too). */
export function guarded<E extends Engine>(e: E, stop: Stop): E {
  return guard(e, e.host, stop, (prop, v) => (prop === 'swarm' ? guard(v as object, e.host, stop) : v));
}

function guard<T extends object>(target: T, host: string, stop: Stop, map = (_p: string, v: unknown) => v): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver);
      if (typeof v !== 'function' || prop === 'constructor') return v;
      return (...args: unknown[]) => {
        stop.check();
        stop.inFlight++;
        const t0 = performance.now();
        const done = () => {
          stop.inFlight--;
          if (!TRACE) return;
          const at = `${(t0 / 1000).toFixed(3)}s +${((performance.now() - t0) / 1000).toFixed(3)}s`;
          process.stderr.write(`trace ${at} ${host} ${String(prop)}\n`);
        };
        try {
          const r = map(String(prop), v.apply(t, args));
          if (r instanceof Promise) return r.finally(done);
          done();
          return r;
        } catch (err) {
          done();
          throw err;
        }
      };
    },
  });
}
