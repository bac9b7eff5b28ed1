import { hang } from '../render/columns.ts';
import { LOOK } from './look.ts';

/** Progress on long work: to stderr, so stdout stays clean for --json. Plain lines when not a TTY. */
export function progress(quiet = false): (msg: string) => void {
  if (quiet || LOOK.quiet) return () => {};
  const t0 = Date.now();
  return (msg: string) => {
    const t = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
    // on a terminal, fitted to it (a long message continues under itself); into a pipe or a log, one line each
    const text = process.stderr.isTTY ? hang(`${t}s `, msg, process.stderr.columns || LOOK.width) : `${t}s ${msg}`;
    process.stderr.write(
      LOOK.color && process.stderr.isTTY ? `\x1b[2m${t}s\x1b[0m${text.slice(t.length + 1)}\n` : `${text}\n`,
    );
  };
}
