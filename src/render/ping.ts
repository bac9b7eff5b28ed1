/** A ping as it ran: the command, where it ran, then its output verbatim (nothing re-rendered). Pure. */

export interface PingRun {
  /** the command line as it ran */
  command: string[];
  /** where and how it ran, in words */
  via: string;
  /** its standard output and error, as they came */
  output: string;
  code: number;
}

export function pingTranscript(r: PingRun): string {
  return [`$ ${r.command.join(' ')}    # ${r.via}`, r.output, `(exit ${r.code})`].join('\n');
}
