/** Typed errors. Layers throw these; only the CLI turns them into messages and exit codes. */

/** One problem in an input, located by its field path (e.g. `hosts.host2.containers.centos1.ip`). */
export interface Issue {
  path: string;
  message: string;
  hint?: string;
}

export type ErrorKind = 'input' | 'engine' | 'lab' | 'preflight' | 'conflict' | 'lock' | 'usage';

export class MvnetError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    /** the host, object or field the error concerns */
    readonly where?: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'MvnetError';
  }
}

/** An invalid topology file: every problem found, not only the first. */
export class TopologyError extends MvnetError {
  constructor(
    readonly file: string,
    readonly issues: Issue[],
  ) {
    super('input', `${file}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, file);
    this.name = 'TopologyError';
  }
}

/** A problem on one host (engine unreachable, parent missing, ...). */
export class HostError extends MvnetError {
  constructor(
    readonly host: string,
    message: string,
    hint?: string,
    readonly status?: number,
  ) {
    super('engine', message, host, hint);
    this.name = 'HostError';
  }
}

/** Several hosts failed at once (preflight collects all of them). */
export class MultiHostError extends MvnetError {
  constructor(
    kind: ErrorKind,
    readonly errors: MvnetError[],
    summary: string,
  ) {
    super(kind, summary);
    this.name = 'MultiHostError';
  }
}

export function isMvnetError(e: unknown): e is MvnetError {
  return e instanceof MvnetError;
}
