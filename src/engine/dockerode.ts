/**
 * dockerode, loaded on first use: its tree costs more at start-up than everything else mvnet loads, and
 * `plan --offline`, `import` or `--help` never talk to an engine. Two parts of that tree mvnet never uses are
 * left out: BuildKit sessions (@grpc/grpc-js, @grpc/proto-loader: mvnet builds no images) and docker-modem's
 * own ssh client (ssh2: mvnet reaches ssh:// engines through the system's ssh, see ssh.ts). Their modules are
 * replaced by stand-ins that fail loudly if anything ever calls them; that saves about 0.1 s per command.
 */
import { createRequire } from 'node:module';
import type Docker from 'dockerode';

const require = createRequire(import.meta.url);
let loaded: typeof Docker | undefined;

function standIn(request: string, from: string): void {
  let path: string;
  try {
    path = createRequire(from).resolve(request);
  } catch {
    return;
  }
  const fail = () => {
    throw new Error(`${request} is not available in mvnet (it is never needed)`);
  };
  const exports = new Proxy({}, { get: (_t, prop) => (prop === '__esModule' ? false : fail) });
  require.cache[path] = {
    id: path,
    filename: path,
    path,
    loaded: true,
    exports,
    children: [],
    paths: [],
  } as unknown as NodeJS.Module;
}

export function dockerode(): typeof Docker {
  if (!loaded) {
    const lib = require.resolve('dockerode');
    standIn('@grpc/grpc-js', lib);
    standIn('@grpc/proto-loader', lib);
    standIn('ssh2', createRequire(lib).resolve('docker-modem'));
    loaded = require('dockerode') as typeof Docker;
  }
  return loaded;
}
