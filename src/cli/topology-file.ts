/** Reading a topology file from disk (the topology layer itself only parses text). */
import { readFileSync, statSync } from 'node:fs';
import { TopologyError } from '../errors.ts';
import { parseTopology } from '../topology/load.ts';
import type { Topology } from '../topology/types.ts';

export function loadTopology(file: string): Topology {
  let text: string;
  try {
    // counted in bytes, before anything is read
    if (statSync(file).size > 4_000_000) {
      throw new TopologyError(file, [
        {
          path: '(file)',
          message: `is ${statSync(file).size} bytes, larger than 4 MB; a topology file that large is not plausible`,
        },
      ]);
    }
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof TopologyError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new TopologyError(file, [
      { path: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot be read (${code})` },
    ]);
  }
  return parseTopology(text, file);
}
