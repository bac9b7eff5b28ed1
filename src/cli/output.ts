/** How the CLI speaks: errors, JSON, exit codes. The one place errors become messages. */
import { isMvnetError, MultiHostError, MvnetError, TopologyError } from '../errors.ts';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT = { ok: 0, differs: 1, error: 2 } as const;

export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + '\n');
}

export function errorLines(e: unknown): string[] {
  if (e instanceof TopologyError) {
    return [
      `error: ${e.file}: ${e.issues.length} problem${e.issues.length === 1 ? '' : 's'}`,
      ...e.issues.map((i) => `  ${i.path}: ${i.message}${i.hint ? `\n      fix: ${i.hint}` : ''}`),
    ];
  }
  if (e instanceof MultiHostError) {
    return [
      `error: ${e.message}`,
      ...e.errors.flatMap((x) => errorLines(x).map((l) => '  ' + l.replace(/^error: /, ''))),
    ];
  }
  if (isMvnetError(e)) {
    return [`error: ${e.where ? `${e.where}: ` : ''}${e.message}`, ...(e.hint ? [`  fix: ${e.hint}`] : [])];
  }
  const err = e as Error;
  return [`error: ${err?.message ?? String(e)}`];
}

export function errorJson(e: unknown): unknown {
  if (e instanceof TopologyError) return { error: { kind: e.kind, file: e.file, issues: e.issues } };
  if (e instanceof MultiHostError)
    return {
      error: {
        kind: e.kind,
        message: e.message,
        errors: e.errors.map((x) => (errorJson(x) as { error: unknown }).error),
      },
    };
  if (isMvnetError(e))
    return { error: { kind: e.kind, message: e.message, where: e.where ?? null, hint: e.hint ?? null } };
  return { error: { kind: 'internal', message: (e as Error)?.message ?? String(e) } };
}

/** Reports an error and returns the exit code. */
export function reportError(e: unknown, json: boolean): number {
  if (json) printJson(errorJson(e));
  process.stderr.write(errorLines(e).join('\n') + '\n');
  if (!isMvnetError(e) && process.env.MVNET_DEBUG) process.stderr.write(String((e as Error)?.stack) + '\n');
  return EXIT.error;
}

/** The topology file when -f is not given: $MVNET_FILE, else mvnet.yaml in the current folder. */
export const FILE_ENV = 'MVNET_FILE';
export const DEFAULT_FILE = 'mvnet.yaml';

export function defaultFile(): string {
  const env = process.env[FILE_ENV];
  if (env) return env;
  if (existsSync(DEFAULT_FILE)) return DEFAULT_FILE;
  throw new MvnetError(
    'usage',
    `no topology file: -f FILE not given, ${FILE_ENV} not set, and no ${DEFAULT_FILE} here`,
    undefined,
    `give -f FILE, export ${FILE_ENV}=FILE, or write ./${DEFAULT_FILE} ` +
      '(mvnet import or examples/seed.yaml are starting points)',
  );
}

/** How the user can call mvnet again from here: `./bin/mvnet` in a checkout, `mvnet` when installed. */
export function self(): string {
  const bin = process.argv[1] ?? 'mvnet';
  const rel = relative(process.cwd(), bin);
  return rel === 'bin/mvnet' ? './bin/mvnet' : 'mvnet';
}

/** The demo's topology: examples/seed.yaml here, else the one shipped with mvnet. */
export function seedFile(): string {
  const here = 'examples/seed.yaml';
  return existsSync(here) ? here : join(dirname(fileURLToPath(import.meta.url)), '..', '..', here);
}
