/**
 * dockerode, loaded on first use: its tree (ssh2, protobufjs, …) costs more at start-up than everything else
 * mvnet loads, and `plan --offline`, `import` or `--help` never talk to an engine.
 */
import { createRequire } from 'node:module';
import type Docker from 'dockerode';

let loaded: typeof Docker | undefined;

export function dockerode(): typeof Docker {
  loaded ??= createRequire(import.meta.url)('dockerode') as typeof Docker;
  return loaded;
}
