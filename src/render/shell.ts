/** Quoting for a POSIX shell: what mvnet prints for `eval` is one word whatever it holds. Pure. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}
