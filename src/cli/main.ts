/** mvnet's command line: parses arguments and hands each command to its own module. */
import { Command, CommanderError } from 'commander';
import { register } from './commands.ts';
import { setLook } from './look.ts';
import { defaultFile, EXIT, reportError } from './output.ts';
import { exitCodeOf, installSignalHandlers, STOP } from './signals.ts';

const program = new Command('mvnet')
  .description('Plan, apply, verify and explain Docker macvlan networks across hosts')
  .version('0.1.0')
  .option('--no-color', 'no colour (also when NO_COLOR is set, or output is not a terminal)')
  .option('-q, --quiet', 'no progress lines; only results and errors')
  .exitOverride()
  .showHelpAfterError();

let json = false;
/** plan --detailed-exitcode: terraform's mapping, where an error is 1 (2 means changes are pending) */
let detailed = false;
let code: number = EXIT.ok;
// commander hands each action untyped options and arguments; every command module types its own
/* eslint-disable @typescript-eslint/no-explicit-any */
const run =
  (fn: (o: any, ...rest: any[]) => Promise<number>) =>
  async (...args: any[]) => {
    /* eslint-enable @typescript-eslint/no-explicit-any */
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals();
    setLook(opts);
    json = Boolean(opts.json);
    detailed = Boolean(opts.detailedExitcode);
    // no -f: $MVNET_FILE or ./mvnet.yaml, looked up when the command first needs a file (apply PLANFILE does not)
    if (cmd.name() !== 'ls' && cmd.options.some((x) => x.long === '--file') && opts.file === undefined) {
      let file: string | undefined;
      Object.defineProperty(opts, 'file', { enumerable: true, get: () => (file ??= defaultFile()) });
    }
    code = await fn(opts, ...args.slice(0, -2));
  };

installSignalHandlers();
// a reader that closes early (`mvnet plan | head`) ends the output, not the command: no EPIPE stack, and work
// under way (a lab half built) is finished rather than abandoned
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stream.write = (() => true) as typeof stream.write;
  });
}
register(program, run);
// nothing left to wait for, yet the command has not finished: an engine's connection ended without an answer.
// Said, with exit 2, rather than Node's silent exit 13.
let finished = false;
process.on('beforeExit', () => {
  if (finished) return;
  finished = true;
  process.stderr.write(
    "error: a Docker engine's connection ended without an answer; the command did not finish\n" +
      '  fix: run it again (MVNET_TRACE=1 shows the engine operations in flight)\n',
  );
  process.exit(EXIT.error);
});

let failed = false;
try {
  await program.parseAsync(process.argv);
} catch (e) {
  failed = true;
  if (e instanceof CommanderError) {
    code = e.exitCode === 0 ? 0 : EXIT.error;
  } else {
    code = reportError(e, json);
  }
}
if (STOP.signal && code !== EXIT.ok) code = exitCodeOf(STOP.signal);
else if (detailed && failed && code !== EXIT.ok) code = 1;
finished = true;
process.exitCode = code;
