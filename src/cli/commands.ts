/** Every command, each handed to its own module. */
import type { Command } from 'commander';
import { labDownCommand, labEngineCommand, labEnvCommand, labExecCommand, labLinkCommand, labStatusCommand, labUpCommand } from './lab.ts';
import { doctorCommand } from './doctor.ts';
import { applyCommand, destroyCommand } from './apply.ts';
import { verifyCommand } from './verify.ts';
import { demoCommand } from './demo.ts';
import { shimUnitCommand } from './shim.ts';
import { importCommand } from './import.ts';
import { inspectCommand } from './inspect.ts';
import { exportComposeCommand } from './export.ts';
import { planCommand } from './plan.ts';
import { unlockCommand } from './unlock.ts';

type Run = (fn: (o: any, ...rest: any[]) => Promise<number>) => (...args: any[]) => Promise<void>;

export function register(program: Command, run: Run): void {
  const withFile = (c: Command) => c.requiredOption('-f, --file <FILE>', 'topology file').option('--json', 'machine-readable output');
  withFile(program.command('plan').description('show the cluster-wide plan (ranges, addresses, MACs) and the predicted reachability'))
    .option('--offline', 'do not read the live hosts (no diff)').action(run((o) => planCommand(o)));
  const lab = program.command('lab').description('the emulated multi-host LAN with a real Docker engine per host');
  withFile(lab.command('up').description('create the LAN, the hosts and their Docker engines'))
    .option('--replace', 'remove a running lab of the same name built from another layout first')
    .option('--remote', 'also serve each engine over ssh and TLS on a management network (see lab env --ssh / --tls)').action(run((o) => labUpCommand(o)));
  withFile(lab.command('down').description('remove everything the lab created')).action(run((o) => labDownCommand(o)));
  withFile(lab.command('status').description('hosts, engines, links and addresses')).action(run((o) => labStatusCommand(o)));
  withFile(lab.command('env').argument('<host>').description('print DOCKER_HOST for a host (eval-able)'))
    .option('--ssh', 'over ssh (lab up --remote)').option('--tls', 'over TCP with TLS (lab up --remote)').action(run((o, h) => labEnvCommand(o, h)));
  withFile(lab.command('exec').argument('<host>').argument('<cmd...>').description('run a command in a host\'s network namespace')).action(run((o, h, cmd) => labExecCommand(o, h, cmd)));
  withFile(lab.command('link').argument('<state>', 'up or down').argument('<host>').description('plug a host into the LAN or cut it off')).action(run((o, s, h) => labLinkCommand(o, s, h)));
  withFile(lab.command('stop').argument('<host>').description('stop a host\'s Docker engine')).action(run((o, h) => labEngineCommand(o, h, false)));
  withFile(lab.command('start').argument('<host>').description('start a host\'s Docker engine again')).action(run((o, h) => labEngineCommand(o, h, true)));
  withFile(program.command('apply').description('create or converge the networks and containers on every host'))
    .option('--wait <SECONDS>', 'wait this long for another run\'s lock', '0').action(run((o) => applyCommand(o)));
  withFile(program.command('destroy').description('remove what the topology owns on every host, nothing else'))
    .option('--wait <SECONDS>', 'wait this long for another run\'s lock', '0').action(run((o) => destroyCommand(o)));
  withFile(program.command('unlock').description('show who holds the topology\'s lock and remove it (asks first)'))
    .option('-y, --yes', 'remove without asking').action(run((o) => unlockCommand(o)));
  withFile(program.command('verify').description('probe every predicted pair on the live network and compare'))
    .option('--html <FILE>', 'write a self-contained HTML report')
    .option('--pair <ids...>', 'probe one pair (FROM TO) and print a ping transcript')
    .option('--tries <N>', 'attempts per pair before it counts as unreachable', '3')
    .action(run((o) => verifyCommand(o)));
  program.command('demo').description('the seed on the lab: lab up, apply, the seed\'s views and pings')
    .option('-f, --file <FILE>', 'topology file', 'examples/seed.yaml').option('--json', 'machine-readable output')
    .action(run((o) => demoCommand(o)));
  withFile(program.command('shim-unit').argument('<host>').description('print the systemd unit that keeps a host\'s shim across reboots')).action(run((o, h) => shimUnitCommand(o, h)));
  withFile(program.command('inspect').argument('[host]').description('the live hosts as the seed\'s tables (ip addr, docker network inspect), drift marked; exit 1 on drift'))
    .action(run((o, h) => inspectCommand(o, h)));
  const exp = program.command('export').description('the plan in other formats');
  withFile(exp.command('compose').description('one docker-compose file per host with the planned addresses and MACs'))
    .option('-o, --output <DIR>', 'write the files into this folder').option('--external', 'the network exists already (made by mvnet apply)')
    .action(run((o) => exportComposeCommand(o)));
  program.command('import').argument('[files...]', 'docker CLI scripts (one per host), or - for standard input')
    .description('turn docker network create / docker run lines into a topology file')
    .option('--host <NAME[=ADDRESS]>', 'a host name (and LAN address), in order; repeat for each host', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--lan <CIDR>', 'the LAN', '192.168.140.0/24').option('--name <NAME>', 'topology name', 'imported')
    .option('-o, --output <FILE>', 'write the topology here (default: standard output)').option('--json', 'machine-readable output')
    .action(run((o, files) => importCommand(o, files)));
  program.command('doctor').description('check what mvnet and its lab need').option('--json', 'machine-readable output').action(run((o) => doctorCommand(o)));
}
