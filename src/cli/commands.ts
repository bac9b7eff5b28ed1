/** Every command, each handed to its own module. */
import type { Command } from 'commander';
import { DEFAULT_FILE, FILE_ENV, seedFile } from './output.ts';

// commander hands each action untyped options; every command module types its own
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Run = (fn: (o: any, ...rest: any[]) => Promise<number>) => (...args: any[]) => Promise<void>;

/** -f FILE and --json, which every command that reads a topology takes. */
const withFile = (c: Command) =>
  c
    .option('-f, --file <FILE>', `topology file (default: $${FILE_ENV}, else ./${DEFAULT_FILE})`)
    .option('--json', 'machine-readable output');

export function register(program: Command, run: Run): void {
  registerPlan(program, run);
  registerLab(program, run);
  registerChanges(program, run);
  registerOthers(program, run);
}

/** plan */
function registerPlan(program: Command, run: Run): void {
  withFile(
    program
      .command('plan')
      .description('what apply would change on the live hosts, the address plan and the predicted reachability'),
  )
    .option('--offline', 'do not read the live hosts (no changes listed)')
    .option('--wide', "every explanation inline, nothing cut to the terminal's width")
    .option('--detailed-exitcode', 'exit 0 when there is nothing to do, 2 when changes are pending, 1 on error')
    .option('-o, --out <FILE>', 'save the plan: mvnet apply FILE makes exactly these changes')
    .action(run(async (o) => (await import('./plan.ts')).planCommand(o)));
}

/** lab up, down, status, env, exec, link, load, stop, start */
function registerLab(program: Command, run: Run): void {
  const lab = program.command('lab').description('the emulated multi-host LAN with a real Docker engine per host');
  withFile(lab.command('up').description('create the LAN, the hosts and their Docker engines'))
    .option('--replace', 'remove a running lab of the same name built from another layout first')
    .option('--remote', 'also serve each engine over ssh and TLS on a management network (see lab env --ssh / --tls)')
    .action(run(async (o) => (await import('./lab.ts')).labUpCommand(o)));
  withFile(lab.command('down').description('remove everything the lab created')).action(
    run(async (o) => (await import('./lab.ts')).labDownCommand(o)),
  );
  withFile(lab.command('status').description('hosts, engines, links and addresses')).action(
    run(async (o) => (await import('./lab.ts')).labStatusCommand(o)),
  );
  withFile(lab.command('env').argument('<host>').description('print DOCKER_HOST for a host (eval-able)'))
    .option('--ssh', 'over ssh (lab up --remote)')
    .option('--tls', 'over TCP with TLS (lab up --remote)')
    .action(run(async (o, h) => (await import('./lab.ts')).labEnvCommand(o, h)));
  withFile(
    lab
      .command('exec')
      .argument('<host>')
      .argument('<cmd...>')
      .description("run a command in a host's network namespace"),
  ).action(run(async (o, h, cmd) => (await import('./lab.ts')).labExecCommand(o, h, cmd)));
  withFile(
    lab
      .command('link')
      .argument('<state>', 'up or down')
      .argument('<host>')
      .description('plug a host or LAN device into the LAN or cut it off'),
  ).action(run(async (o, s, h) => (await import('./lab.ts')).labLinkCommand(o, s, h)));
  withFile(
    lab
      .command('load')
      .argument('<image>', "an image of this machine's Docker engine, or a docker save tarball")
      .argument('[hosts...]', 'the hosts to load it into (default: all)')
      .description('put an image onto lab engines (they cannot pull)'),
  ).action(run(async (o, what, hosts) => (await import('./lab.ts')).labLoadCommand(o, what, hosts)));
  withFile(lab.command('stop').argument('<host>').description("stop a host's Docker engine")).action(
    run(async (o, h) => (await import('./lab.ts')).labEngineCommand(o, h, false)),
  );
  withFile(lab.command('start').argument('<host>').description("start a host's Docker engine again")).action(
    run(async (o, h) => (await import('./lab.ts')).labEngineCommand(o, h, true)),
  );
}

/** apply, destroy, unlock */
function registerChanges(program: Command, run: Run): void {
  withFile(
    program
      .command('apply')
      .argument('[plan]', 'a plan saved by mvnet plan -o (instead of -f)')
      .description('create or converge the networks and containers on every host'),
  )
    .option('--wait <SECONDS>', "wait this long for another run's lock", '0')
    .option(
      '--no-check',
      'do not check that the LAN carries macvlan frames between hosts (apply checks each host pair once)',
    )
    .action(run(async (o, planFile) => (await import('./apply.ts')).applyCommand(o, planFile)));
  withFile(
    program
      .command('destroy')
      .description('remove what the topology owns on every host, nothing else (asks first on a terminal)'),
  )
    .option('--wait <SECONDS>', "wait this long for another run's lock", '0')
    .option('-y, --yes', 'do not ask')
    .action(run(async (o) => (await import('./apply.ts')).destroyCommand(o)));
  withFile(program.command('unlock').description("show who holds the topology's lock and remove it (asks first)"))
    .option('-y, --yes', 'remove without asking')
    .action(run(async (o) => (await import('./unlock.ts')).unlockCommand(o)));
}

/** verify, demo, check, shim-unit, inspect, export, import, ls, schema, completion, doctor */
function registerOthers(program: Command, run: Run): void {
  withFile(program.command('verify').description('probe every predicted pair on the live network and compare'))
    .option('--html <FILE>', 'write a self-contained HTML report')
    .option('--pair <ids...>', 'probe one pair (FROM TO) and print a ping transcript')
    .option('--tries <N>', 'attempts for a pair whose first, fast answer differs from the prediction', '3')
    .option('--sample <K>', 'probe K pairs for every pair of prediction groups instead of every pair')
    .option('--seed <N>', 'the random seed of --sample (printed by every sampled run)')
    .option('--wide', "every explanation inline, nothing cut to the terminal's width")
    .action(run(async (o) => (await import('./verify.ts')).verifyCommand(o)));
  program
    .command('demo')
    .description("the seed on the lab: lab up, apply, the seed's views and pings")
    .option('-f, --file <FILE>', 'topology file', seedFile())
    .option('--json', 'machine-readable output')
    .action(run(async (o) => (await import('./demo.ts')).demoCommand(o)));
  withFile(
    program
      .command('check')
      .description('can macvlan cross the real LAN between every pair of hosts? (exit 1 when not)'),
  ).action(run(async (o) => (await import('./check.ts')).checkCommand(o)));
  withFile(
    program
      .command('shim-unit')
      .argument('<host>')
      .description("print the systemd unit that keeps a host's shim across reboots"),
  ).action(run(async (o, h) => (await import('./shim.ts')).shimUnitCommand(o, h)));
  withFile(
    program
      .command('inspect')
      .argument('[host]')
      .description(
        "the live hosts as the seed's tables (ip addr, docker network inspect), drift marked; exit 1 on drift",
      ),
  ).action(run(async (o, h) => (await import('./inspect.ts')).inspectCommand(o, h)));
  const exp = program.command('export').description('the plan in other formats');
  withFile(exp.command('compose').description('one docker-compose file per host with the planned addresses and MACs'))
    .option('-o, --output <DIR>', 'write the files into this folder')
    .option('--external', 'the network exists already (made by mvnet apply)')
    .action(run(async (o) => (await import('./export.ts')).exportComposeCommand(o)));
  program
    .command('import')
    .argument(
      '[files...]',
      'scripts or compose files: HOST=FILE or HOST:ADDRESS=FILE (several per host), ' +
        'FILE (a host of its own), - (standard input)',
    )
    .description('turn the docker commands and compose files you run into a topology file')
    .option(
      '--var <NAME=VALUE>',
      'a variable the scripts use (repeat)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--host <NAME[=ADDRESS]>',
      'a host name (and LAN address), in order; repeat for each host',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--lan <CIDR>',
      "the LAN (default: the subnet holding the hosts' addresses, else a macvlan subnet that is plainly the LAN)",
    )
    .option('--name <NAME>', 'topology name', 'imported')
    .option('-o, --output <FILE>', 'write the topology here (default: standard output)')
    .option('--json', 'machine-readable output')
    .action(run(async (o, files) => (await import('./import.ts')).importCommand(o, files)));
  program
    .command('ls')
    .description("labs on this machine, and the topologies found on engines (a file's hosts, or the labs')")
    .option('-f, --file <FILE>', "look on this topology's hosts (default: $MVNET_FILE or ./mvnet.yaml when there)")
    .option('--json', 'machine-readable output')
    .action(run(async (o) => (await import('./ls.ts')).lsCommand(o)));
  program
    .command('schema')
    .description("print the topology file's JSON Schema (for editors: yaml-language-server)")
    .action(run(async () => (await import('./schema.ts')).schemaCommand()));
  program
    .command('completion')
    .argument('<shell>', 'bash, zsh or fish')
    .description('print shell completion (source <(mvnet completion bash))')
    .action(
      run(async (_o, shell) => {
        process.stdout.write((await import('./completion.ts')).completion(program, shell));
        return 0;
      }),
    );
  program
    .command('doctor')
    .description('check what mvnet and its lab need')
    .option('--json', 'machine-readable output')
    .action(run(async (o) => (await import('./doctor.ts')).doctorCommand(o)));
}
