/** Running programs: always an argument array, never a shell. A failure is a rich value. */
import { spawn } from 'node:child_process';
import { CommandError, MvnetError, type RunResult } from '../errors.ts';

export { CommandError, type RunResult };

/** Runs a program and collects its output. Does not throw on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
    });
    let stdout = '',
      stderr = '';
    p.stdout!.on('data', (d) => {
      stdout += d;
    });
    p.stderr!.on('data', (d) => {
      stderr += d;
    });
    p.on('error', (e) =>
      reject(new MvnetError('lab', `cannot run ${cmd}: ${e.message}`, undefined, `install it (see mvnet doctor)`)),
    );
    p.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (p.stdin) {
      p.stdin.on('error', () => {});
      p.stdin.end(opts.input);
    }
  });
}

/** Runs a program and throws CommandError on a non-zero exit. */
export async function must(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new CommandError([cmd, ...args], r);
  return r.stdout;
}

/** `ip` inside a namespace (or the root one). */
export function ip(ns: string | null, ...args: string[]): Promise<string> {
  return must('ip', ns ? ['-n', ns, ...args] : args);
}

/** `bridge` (iproute2's bridge tool) inside a namespace. */
export function bridge(ns: string, ...args: string[]): Promise<string> {
  return must('bridge', ['-n', ns, ...args]);
}
