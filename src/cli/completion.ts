/**
 * `mvnet completion bash|zsh|fish`: shell completion made from the command tree itself (commands, subcommands,
 * options), so it never lists a command that does not exist. Files are offered after -f and -o.
 */
import type { Command, Option } from 'commander';
import { MvnetError } from '../errors.ts';

interface Node {
  path: string[];
  subcommands: string[];
  options: Option[];
}

function walk(c: Command, path: string[] = []): Node[] {
  const here: Node = { path, subcommands: c.commands.map((x) => x.name()), options: [...c.options] };
  return [here, ...c.commands.flatMap((x) => walk(x, [...path, x.name()]))];
}

const flags = (o: Option) => [o.short, o.long].filter((f): f is string => Boolean(f));
const takesValue = (o: Option) => o.required || o.optional;
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(root: Command): string {
  const nodes = walk(root);
  const valued = [...new Set(nodes.flatMap((n) => n.options.filter(takesValue).flatMap(flags)))];
  const cases = nodes.map(
    (n) => `    ${q(n.path.join(' '))}) words=${q([...n.subcommands, ...n.options.flatMap(flags)].join(' '))} ;;`,
  );
  return `# mvnet completion for bash: source <(mvnet completion bash)
_mvnet() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" path="" skip="" words="" w
  case "$prev" in
    -f|--file|-o|--out|--output|--html) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;
  esac
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    if [ -n "$skip" ]; then skip=""; continue; fi
    case " ${valued.join(' ')} " in *" $w "*) skip=1; continue ;; esac
    case "$w" in -*) ;; *) path="\${path:+$path }$w" ;; esac
  done
  case "$path" in
${cases.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _mvnet mvnet
`;
}

function zsh(root: Command): string {
  return `#compdef mvnet
# mvnet completion for zsh: source <(mvnet completion zsh)  (uses zsh's bash completion layer)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(root).split('\n').slice(1).join('\n')}`;
}

function fish(root: Command): string {
  const lines = ['# mvnet completion for fish: mvnet completion fish | source', 'complete -c mvnet -f'];
  for (const n of walk(root)) {
    const cond =
      n.path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}`;
    for (const s of n.subcommands) lines.push(`complete -c mvnet -n ${q(cond)} -a ${q(s)}`);
    for (const o of n.options) {
      const parts = [`complete -c mvnet -n ${q(cond)}`];
      if (o.short) parts.push(`-s ${o.short.replace(/^-/, '')}`);
      if (o.long) parts.push(`-l ${o.long.replace(/^--/, '')}`);
      if (takesValue(o)) parts.push(/file|out|output|html/.test(o.long ?? '') ? '-r -F' : '-r');
      if (o.description) parts.push(`-d ${q(o.description.slice(0, 60))}`);
      lines.push(parts.join(' '));
    }
  }
  return lines.join('\n') + '\n';
}

export function completion(root: Command, shell: string): string {
  if (shell === 'bash') return bash(root);
  if (shell === 'zsh') return zsh(root);
  if (shell === 'fish') return fish(root);
  throw new MvnetError('usage', `no completion for shell "${shell}"`, undefined, 'mvnet completion bash, zsh or fish');
}
