/** Asking a person before something that cannot be undone. */
import { createInterface } from 'node:readline/promises';

/** true when standard input is a terminal a person can answer on */
export const canAsk = (): boolean => process.stdin.isTTY === true;

/** Asks on the terminal (the question on stderr, so stdout stays clean); only y or yes goes on. */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
