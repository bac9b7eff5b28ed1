/** Typed errors. Layers throw these; only the CLI turns them into messages and exit codes. */

/** One problem in an input, located by its field path (e.g. `hosts.host2.containers.centos1.ip`). */
export interface Issue {
  path: string;
  message: string;
  hint?: string;
}

export type ErrorKind = 'input' | 'engine' | 'lab' | 'preflight' | 'conflict' | 'lock' | 'usage' | 'interrupted';

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

/** A quoted value in a message is cut to 80 characters, saying how long it was (a 4 MB value is not echoed). */
export function cutQuoted(text: string): string {
  return text.replace(/"([^"]{81,})"/g, (_, v: string) => `"${v.slice(0, 80)}…" (${v.length} characters)`);
}

/** An invalid topology file: every problem found, not only the first. */
export class TopologyError extends MvnetError {
  readonly issues: Issue[];

  constructor(
    readonly file: string,
    issues: Issue[],
  ) {
    const cut = issues.map((i) => ({
      ...i,
      path: cutQuoted(i.path).slice(0, 200),
      message: cutQuoted(i.message),
      ...(i.hint ? { hint: cutQuoted(i.hint) } : {}),
    }));
    super('input', `${file}: ${cut.map((i) => `${i.path}: ${i.message}`).join('; ')}`, file);
    this.issues = cut;
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

/** Who holds a topology's lock (labels of the lock object, or the etcd key's value). */
export interface LockHolder {
  command: string;
  pid: string;
  machine: string;
  since: string;
  /** where the lock lives: a host name, or the etcd URL */
  where: string;
  /** how it ends: "when that process ends" or an expiry time */
  expires: string;
}

/** The topology is locked by a live run. */
export class LockError extends MvnetError {
  constructor(
    readonly holder: LockHolder,
    topology: string,
    file: string,
  ) {
    super(
      'lock',
      `topology ${topology} is locked by ${holder.command} (pid ${holder.pid} on ${holder.machine}, ` +
        `since ${holder.since}, lock on ${holder.where}; it ends ${holder.expires})`,
      holder.where,
      `wait for it (--wait SECONDS); if that run is truly gone: mvnet unlock -f ${file}`,
    );
    this.name = 'LockError';
  }
}

/** A signal stopped the run: no new engine operation was started after it. */
export class InterruptedError extends MvnetError {
  constructor(readonly signal: NodeJS.Signals) {
    super('interrupted', `interrupted by ${signal}: no new operation was started`);
    this.name = 'InterruptedError';
  }
}

export function isMvnetError(e: unknown): e is MvnetError {
  return e instanceof MvnetError;
}

/** What a program printed and how it ended. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A program the lab ran failed (its argument array and output). */
export class CommandError extends MvnetError {
  constructor(
    readonly argv: string[],
    readonly result: RunResult,
  ) {
    super(
      'lab',
      `${argv.join(' ')} failed (exit ${result.code}): ` +
        (result.stderr.trim().split('\n').slice(-1)[0] || result.stdout.trim()),
    );
    this.name = 'CommandError';
  }
}

/** ssh's own explanation of a failed connection (host key, authentication, name resolution, refused). */
export class SshError extends Error {
  constructor(
    readonly endpoint: string,
    readonly detail: string,
  ) {
    super(
      `ssh to ${endpoint} failed: ${detail
        .split(/\r?\n|\r/)
        .map((l) => l.trim())
        .filter((l) => l && !/^Warning: Permanently added/.test(l))
        .join(' ')}`,
    );
    this.name = 'SshError';
  }
}
