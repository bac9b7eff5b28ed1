/** A ping as it ran: where it ran, the command, then its output verbatim (nothing re-rendered). Pure. */
import { hang } from './columns.ts';
import type { PingRun } from '../probe/ping.ts';

export function pingTranscript(r: PingRun, width = Infinity): string {
  return [hang('# ', `ran by ${r.via}:`, width), `$ ${r.command.join(' ')}`, r.output, `(exit ${r.code})`].join('\n');
}
