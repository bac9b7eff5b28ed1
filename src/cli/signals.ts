/**
 * SIGINT and SIGTERM. While a command that changes hosts runs (it arms the stop), the first signal stops new
 * engine operations, lets those in flight finish, and the command releases its lock and reports what was and was
 * not done (exit 130 or 143). A second signal, or a signal while nothing is armed, exits at once.
 */
import { Stop } from '../engine/stop.ts';

export const STOP = new Stop();
let armed = false;

const CODES: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export function exitCodeOf(signal: NodeJS.Signals): number {
  return CODES[signal] ?? 130;
}

/** The command from here on stops gracefully on a signal. */
export function arm(): Stop {
  armed = true;
  return STOP;
}

function onSignal(signal: NodeJS.Signals): void {
  if (!armed || STOP.signal) {
    process.stderr.write(
      `\n${signal}: exiting now` +
        (armed ? ' (the lock is left; the next run sees its holder is gone and takes it over)' : '') +
        '\n',
    );
    process.exit(exitCodeOf(signal));
  }
  STOP.trigger(signal);
  process.stderr.write(
    `\n${signal}: stopping — no new operation starts; ${STOP.inFlight} in flight finish, ` +
      'then mvnet exits (releasing its lock if it holds one)' +
      `${signal === 'SIGINT' ? ' (Ctrl-C again to exit at once)' : ''}\n`,
  );
}

export function installSignalHandlers(): void {
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
