/**
 * docker CLI lines -> what import collects: `docker network create` (macvlan, `--ipv6` and a second `--subnet`,
 * `--config-only`/`--config-from`), `docker run`/`create`, `docker network connect --ip`, `docker rm`,
 * `docker service create`. Anything else is noted with its file and line, never dropped silently. Pure.
 */
import { splitWords } from '../words.ts';
import { hostIn, type Collect, type ContIn, type HostIn, type NetDef, type Note, type Where } from './model.ts';
import { assignment, commands, expand, logicalLines, missingVar, type Line, type Vars } from './script.ts';

/** Options of `docker run` that take a value (so their value is not mistaken for the image). */
const RUN_VALUE = new Set([
  '-e',
  '--env',
  '--env-file',
  '-v',
  '--volume',
  '-p',
  '--publish',
  '-h',
  '--hostname',
  '--restart',
  '-l',
  '--label',
  '--entrypoint',
  '-w',
  '--workdir',
  '-u',
  '--user',
  '--cpus',
  '-m',
  '--memory',
  '--name',
  '--net',
  '--network',
  '--ip',
  '--ip6',
  '--mac-address',
  '--dns',
  '--add-host',
  '--cap-add',
  '--cap-drop',
  '--device',
  '--log-driver',
  '--log-opt',
  '--mount',
  '--platform',
  '--pull',
  '--security-opt',
  '--shm-size',
  '--stop-signal',
  '--sysctl',
  '--tmpfs',
  '--ulimit',
  '--cidfile',
  '--network-alias',
  '--link',
  '--expose',
  '--health-cmd',
  '--runtime',
  '--dns-search',
  '--dns-option',
  '--group-add',
  '--memory-swap',
  '--cpu-shares',
  '--cpuset-cpus',
  '--stop-timeout',
  '--health-interval',
  '--health-retries',
  '--health-timeout',
  '--label-file',
  '--pid',
  '--ipc',
  '--uts',
  '--userns',
  '--cgroupns',
  '--volumes-from',
  '--gpus',
  '--domainname',
]);
const RUN_FLAGS = new Set([
  '-d',
  '--detach',
  '-i',
  '--interactive',
  '-t',
  '--tty',
  '--rm',
  '--privileged',
  '--init',
  '-P',
  '--publish-all',
  '--read-only',
  '--no-healthcheck',
  '--oom-kill-disable',
]);
function optValue(args: string[], i: number): [string, string | undefined, number] {
  const a = args[i];
  const eq = a.indexOf('=');
  if (a.startsWith('--') && eq > 0) return [a.slice(0, eq), a.slice(eq + 1), i];
  return [a, args[i + 1], i + 1];
}

interface Option {
  /** as written: `--ip`, `--ip=10.0.0.2`, `-d` */
  flag: string;
  /** the option's name, and its value when it takes one */
  key: string;
  value?: string;
  valued: boolean;
}

/**
 * A command's options up to its first operand (the image), and that operand's index (args.length: none).
 * `takesValue(a)` says whether option `a` takes a value (the next word, unless written --key=value).
 */
function optionsOf(args: string[], takesValue: (a: string) => boolean): { opts: Option[]; operand: number } {
  const opts: Option[] = [];
  let i = 0;
  for (; i < args.length && args[i].startsWith('-'); i++) {
    const a = args[i];
    if (!takesValue(a)) {
      opts.push({ flag: a, key: a, valued: false });
      continue;
    }
    const [key, value, next] = optValue(args, i);
    opts.push({ flag: a, key, value, valued: true });
    i = next;
  }
  return { opts, operand: i };
}

interface Ctx {
  c: Collect;
  file: string;
  vars: Vars;
  /** the current host; `next` starts another (the seed pasted as one block) */
  host: () => HostIn;
  next: (name?: string) => HostIn;
  /** a bare file (no HOST=): a second create of the same network starts the next host */
  split: boolean;
}

const note = (ctx: Ctx, where: Where, text: string, problem: string, rank: Note['rank'] = 0, flag?: string) =>
  ctx.c.notes.push({ where, text, problem, rank, ...(flag ? { flag } : {}) });

function networkCreate(ctx: Ctx, where: Where, text: string, args: string[], commented: boolean): void {
  const n: NetDef = { name: '', reserved: [], where, ...(commented ? { commented } : {}) };
  let driver = 'bridge';
  const ranges: string[] = [];
  let configFrom: string | undefined;
  let configOnly = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) {
      n.name = a;
      continue;
    }
    if (a === '--config-only') {
      configOnly = true;
      continue;
    }
    if (['--internal', '--attachable', '--ipv6', '--config-only', '--ingress'].includes(a)) {
      if (a === '--internal')
        note(ctx, where, text, '--internal is not modelled by mvnet (the network is imported without it)');
      continue;
    }
    const [k, v, ni] = optValue(args, i);
    i = ni;
    if (v === undefined) {
      note(ctx, where, text, `${k} has no value`);
      continue;
    }
    if (k === '-d' || k === '--driver') driver = v;
    else if (k === '--subnet') {
      if (v.includes(':')) n.subnet6 = v;
      else n.subnet = v;
    } else if (k === '--gateway') {
      if (v.includes(':')) n.gateway6 = v;
      else n.gateway = v;
    } else if (k === '--ip-range') {
      if (v.includes(':'))
        note(ctx, where, text, `IPv6 --ip-range ${v}: mvnet mirrors each host's IPv4 range into IPv6 (ignored)`, 1);
      else ranges.push(v);
    } else if (k === '--aux-address') {
      const ip = v.split('=').pop()!;
      if (!ip.includes(':')) n.reserved.push(ip);
    } else if (k === '--config-from') configFrom = v;
    else if (k === '--scope') {
      /* swarm scope: the network is the cluster's */
    } else if (k === '-o' || k === '--opt') {
      const [ok, ov] = v.split('=');
      if (ok === 'parent') {
        const [p, vlan] = ov.split('.');
        n.parent = p;
        if (vlan) n.vlan = Number(vlan);
      } else if (ok === 'macvlan_mode') n.mode = ov;
      else note(ctx, where, text, `option ${ok} is not modelled by mvnet (ignored)`, 2, `-o ${ok}`);
    } else note(ctx, where, text, `${k} is not modelled by mvnet (ignored)`, 2, k);
  }
  if (configFrom) {
    // a Swarm network made from each node's config-only network: the config's definition under this name
    ctx.c.configFrom.set(configFrom, { network: n.name, where, text });
    return;
  }
  // a config-only network holds a node's part of a Swarm macvlan network (its driver comes with --config-from)
  if (driver !== 'macvlan' && !configOnly) {
    note(ctx, where, text, `driver ${driver}: mvnet manages macvlan networks only (line skipped)`);
    return;
  }
  if (!n.name) {
    note(ctx, where, text, 'no network name');
    return;
  }
  if (commented) {
    // a commented-out definition is used only for a network the active lines need and do not define
    if (!ctx.c.networks.has(n.name)) ctx.c.networks.set(n.name, n);
    return;
  }
  if (ctx.split && ctx.host().nets.has(n.name)) ctx.next();
  const h = ctx.host();
  h.nets.set(n.name, { ...(ranges[0] ? { range: ranges[0] } : {}), where });
  const prev = ctx.c.networks.get(n.name);
  if (prev && !prev.commented) {
    for (const k of ['subnet', 'gateway', 'parent', 'mode', 'subnet6'] as const) {
      if (n[k] !== undefined && prev[k] !== undefined && n[k] !== prev[k]) {
        note(
          ctx,
          where,
          text,
          `${k} ${n[k]} differs from ${prev[k]} (${prev.where.file}:${prev.where.line}); the first is kept`,
        );
      }
    }
    for (const k of ['subnet6', 'gateway6', 'gateway'] as const)
      if (prev[k] === undefined && n[k] !== undefined) prev[k] = n[k];
  } else ctx.c.networks.set(n.name, n);
}

function run(ctx: Ctx, where: Where, text: string, args: string[]): void {
  let name: string | undefined, net: string | undefined;
  const c: Partial<ContIn> = {};
  let tty = false;
  const plainFlag = (a: string) => RUN_FLAGS.has(a) || /^-[dit]+$/.test(a);
  const takesValue = (a: string) => !plainFlag(a) && (RUN_VALUE.has(a) || (a.startsWith('--') && a.includes('=')));
  const { opts, operand } = optionsOf(args, takesValue);
  for (const { flag: a, key: k, value: v, valued } of opts) {
    // -d, -i, -t, --rm say how the container runs here, not what it is: not worth a note
    if (/^-[dit]*t[dit]*$|^--tty$/.test(a)) tty = true;
    if (!valued) {
      if (!plainFlag(a)) note(ctx, where, text, `unknown option ${k} (ignored)`, 2, k);
      else if (/^--(privileged|read-only|init)$/.test(a)) note(ctx, where, text, `${a} ignored`, 2, a);
    } else if (k === '--name') name = v;
    else if (k === '--net' || k === '--network') net = v;
    else if (k === '--ip') c.ip = v;
    else if (k === '--ip6') c.ip6 = v;
    else if (k === '--mac-address') c.mac = v?.toLowerCase();
    else note(ctx, where, text, `${k} ignored`, 2, k);
  }
  const image = args[operand];
  if (!image) {
    note(ctx, where, text, 'no image (line skipped)', 1);
    return;
  }
  if (!name) {
    note(ctx, where, text, 'no --name: mvnet needs a name per container (skipped)', 1);
    return;
  }
  const command = args.slice(operand + 1);
  if (tty && command.length === 0) {
    note(
      ctx,
      where,
      text,
      `${name}: -t keeps the image's shell alive on a terminal; mvnet starts containers without one, ` +
        `so an image whose command is a shell (centos, ubuntu, alpine) exits: give it a command (e.g. sleep infinity)`,
      1,
    );
  }
  const h = ctx.host();
  const prev = h.containers.get(name);
  if (prev)
    note(
      ctx,
      where,
      text,
      `a second container named ${name} on host ${h.name}: it replaces the one of line ${prev.where.line}`,
      1,
    );
  h.containers.set(name, {
    name,
    ...(net ? { network: net } : {}),
    ...c,
    image,
    ...(command.length ? { command } : {}),
    where,
  });
}

/** docker network connect [--ip X] [--ip6 Y] NET CONTAINER: a container started elsewhere joins the network. */
function connect(ctx: Ctx, where: Where, text: string, args: string[]): void {
  const pos: string[] = [];
  const c: Partial<ContIn> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('-')) {
      pos.push(a);
      continue;
    }
    const [k, v, ni] = optValue(args, i);
    i = ni;
    if (k === '--ip') c.ip = v;
    else if (k === '--ip6') c.ip6 = v;
    else note(ctx, where, text, `${k} ignored`, 2, k);
  }
  const [net, name] = pos;
  const h = ctx.host();
  const cont = name ? h.containers.get(name) : undefined;
  if (!net || !name) {
    note(ctx, where, text, 'docker network connect needs NETWORK and CONTAINER');
    return;
  }
  if (!cont) {
    note(ctx, where, text, `container ${name} is not started above on host ${h.name} (line skipped)`, 1);
    return;
  }
  if (cont.network && ctx.c.networks.has(cont.network) && cont.network !== net) {
    ctx.c.errors.push({
      where,
      text,
      rank: 0,
      problem:
        `container ${name} would be on two macvlan networks (${cont.network} and ` +
        `${net}); mvnet gives a container one network: start a second container for ${net}`,
    });
    return;
  }
  h.containers.set(name, { ...cont, network: net, ...c, where: cont.where });
}

function service(ctx: Ctx, where: Where, text: string, args: string[]): void {
  let name: string | undefined,
    net: string | undefined,
    replicas = 1;
  const { opts, operand } = optionsOf(args, (a) => a !== '-d' && a !== '--detach');
  for (const { key: k, value: v, valued } of opts) {
    if (!valued) continue;
    if (k === '--name') name = v;
    else if (k === '--network') net = v?.split(',')[0].replace(/^name=/, '');
    else if (k === '--replicas') replicas = Number(v);
    else note(ctx, where, text, `${k} ignored`, 2, k);
  }
  const image = args[operand];
  if (!name || !net || !image) {
    note(ctx, where, text, 'docker service create needs --name, --network and an image (line skipped)');
    return;
  }
  const command = args.slice(operand + 1);
  ctx.c.services.push({ name, network: net, replicas, image, ...(command.length ? { command } : {}), where });
}

function oneCommand(ctx: Ctx, l: Line, cmd: string[]): void {
  const w = cmd[0] === 'sudo' ? cmd.slice(cmd.findIndex((x, i) => i > 0 && !x.startsWith('-'))) : cmd;
  if (w[0] !== 'docker') {
    note(ctx, l.where, l.text, 'not a docker command', 1);
    return;
  }
  const sub = w.slice(1);
  const is = (...s: string[]) => s.every((x, i) => sub[i] === x);
  if (is('network', 'create')) return networkCreate(ctx, l.where, l.text, sub.slice(2), false);
  if (is('network', 'connect')) return connect(ctx, l.where, l.text, sub.slice(2));
  if (is('run') || is('create')) return run(ctx, l.where, l.text, sub.slice(1));
  if (is('container', 'run') || is('container', 'create')) return run(ctx, l.where, l.text, sub.slice(2));
  if (is('service', 'create')) return service(ctx, l.where, l.text, sub.slice(2));
  if (is('rm') || is('container', 'rm')) {
    for (const n of sub.slice(is('rm') ? 1 : 2).filter((x) => !x.startsWith('-'))) ctx.host().containers.delete(n);
    return;
  }
  // looking, not making: nothing to import, nothing lost
  if (
    is('exec') ||
    is('ps') ||
    is('logs') ||
    is('inspect') ||
    is('network', 'ls') ||
    is('network', 'inspect') ||
    is('images') ||
    is('pull') ||
    is('start') ||
    is('stop') ||
    is('restart') ||
    is('container', 'exec') ||
    is('network', 'rm')
  )
    return;
  note(ctx, l.where, l.text, `docker ${sub.slice(0, 2).join(' ')} is not something mvnet imports`, 1);
}

/**
 * Reads one script into `c` for the current host. `# docker …` lines are the author's root prompt when the script
 * has no other docker line; otherwise commented-out commands, of which only network definitions are kept (for
 * networks the active lines use and do not create).
 */
export function readScript(
  text: string,
  file: string,
  c: Collect,
  opts: { vars: Vars; host: string; split: boolean; more?: { name: string; address?: string }[] },
): void {
  const lines = logicalLines(text, file);
  const active = lines.some((l) => !l.commented && /^(?:sudo\s+(?:-\S+\s+)*)?docker\b/.test(l.text));
  let cur = hostIn(c, opts.host);
  let count = c.hosts.length;
  const ctx: Ctx = {
    c,
    file,
    vars: opts.vars,
    split: opts.split,
    host: () => cur,
    next: (name) => {
      // the hosts a bare script splits into: named by --host in order, else host2, host3, ...
      const given = opts.more?.shift();
      cur = hostIn(c, name ?? given?.name ?? `host${++count}`, given?.address);
      return cur;
    },
  };
  for (const l of lines) {
    if (l.text === '') continue;
    const marker = /^#\s*(?:mvnet\s+)?host:\s*([a-z0-9][a-z0-9-]*)\s*$/i.exec(l.text);
    if (marker) {
      cur = hostIn(c, marker[1]);
      continue;
    }
    if (l.commented && active && !/^(?:sudo\s+)?docker\s+network\s+create\b/.test(l.text)) continue;
    if (!l.commented && l.text.startsWith('#')) continue;
    const set = assignment(l.text);
    if (set) {
      // --var wins over the script's own assignment
      if (opts.vars.get(set.name)?.where?.file !== '--var') {
        opts.vars.set(
          set.name,
          set.command
            ? { fromCommand: set.command, where: l.where }
            : { value: expand(set.value, opts.vars).text, where: l.where },
        );
      }
      continue;
    }
    if (!/\bdocker\b/.test(l.text)) {
      note(ctx, l.where, l.text, 'not a docker command', 1);
      continue;
    }
    const x = expand(l.text, opts.vars);
    if (x.missing.length) {
      for (const m of x.missing) c.errors.push(missingVar(l.where, l.text, m, opts.vars));
      continue;
    }
    for (const part of commands(x.text)) {
      const w = splitWords(part, { comments: true });
      if (!w.ok) {
        note(ctx, l.where, l.text, `unbalanced quotes (${w.problem})`);
        continue;
      }
      if (l.commented && active) {
        const args = w.words[0] === 'sudo' ? w.words.slice(4) : w.words.slice(3);
        networkCreate(ctx, l.where, l.text, args, true);
        continue;
      }
      oneCommand(ctx, l, w.words);
    }
  }
}
