/**
 * How output looks here, set once from the global options: the width text is fitted to (the terminal's columns,
 * 80 when stdout is not a terminal), colour (a terminal only, never with NO_COLOR or --no-color), quiet (no
 * progress lines).
 */
export interface Look { width: number; color: boolean; quiet: boolean }

export const LOOK: Look = { width: 80, color: false, quiet: false };

export function setLook(o: { color?: boolean; quiet?: boolean }): void {
  const tty = process.stdout.isTTY === true;
  LOOK.width = tty && process.stdout.columns > 0 ? process.stdout.columns : 80;
  const noColor = (process.env.NO_COLOR ?? '') !== '';
  LOOK.color = tty && !noColor && o.color !== false;
  LOOK.quiet = o.quiet === true;
}
