import { hang } from '../render/columns.ts';
import { LOOK } from './look.ts';

/** Progress on long work: to stderr, so stdout stays clean for --json. Plain lines when not a TTY. */
export function progress(quiet = false): (msg: string) => void {
  if (quiet || LOOK.quiet) return () => {};
  const t0 = Date.now();
  return (msg: string) => {
    const t = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
    // fitted to the terminal like the rest: a long message continues under itself
    const text = hang(`${t}s `, msg, LOOK.width);
    process.stderr.write(LOOK.color && process.stderr.isTTY ? `\x1b[2m${t}s\x1b[0m${text.slice(t.length + 1)}\n` : `${text}\n`);
  };
}
