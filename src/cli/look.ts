/**
 * How output looks here, set once from the global options: the width text is fitted to (the terminal's columns;
 * when stdout is not a terminal $COLUMNS, else 80), colour (a terminal only, never with NO_COLOR or --no-color),
 * quiet (no progress lines).
 */
export interface Look {
  width: number;
  color: boolean;
  quiet: boolean;
}

export const LOOK: Look = { width: 80, color: false, quiet: false };

export function setLook(o: { color?: boolean; quiet?: boolean }): void {
  const tty = process.stdout.isTTY === true;
  // a terminal says its width; otherwise $COLUMNS when set (COLUMNS=120 mvnet plan | less), else 80
  const env = Number(process.env.COLUMNS);
  LOOK.width = tty && process.stdout.columns > 0 ? process.stdout.columns : Number.isInteger(env) && env > 0 ? env : 80;
  const noColor = (process.env.NO_COLOR ?? '') !== '';
  LOOK.color = tty && !noColor && o.color !== false;
  LOOK.quiet = o.quiet === true;
}
