/** A ping as it ran: where it ran, the command, then its output verbatim (nothing re-rendered). Pure. */
import { hang } from './columns.ts';

export interface PingRun {
  /** the command line as it ran */
  command: string[];
  /** where and how it ran, in words */
  via: string;
  /** its standard output and error, as they came */
  output: string;
  code: number;
}

export function pingTranscript(r: PingRun, width = Infinity): string {
  return [hang('# ', `ran by ${r.via}:`, width), `$ ${r.command.join(' ')}`, r.output, `(exit ${r.code})`].join('\n');
}
