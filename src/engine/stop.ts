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

/** The engine, with every method call refused once the stop has triggered. */
export function guarded<E extends Engine>(e: E, stop: Stop): E {
  return new Proxy(e, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'constructor') return v;
      return (...args: unknown[]) => {
        stop.check();
        stop.inFlight++;
        const t0 = performance.now();
        const done = () => {
          stop.inFlight--;
          if (TRACE)
            process.stderr.write(
              `trace ${(t0 / 1000).toFixed(3)}s +${((performance.now() - t0) / 1000).toFixed(3)}s ${target.host} ${String(prop)}\n`,
            );
        };
        try {
          const r = v.apply(target, args);
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
