/** Reading a topology file from disk (the topology layer itself only parses text). */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { TopologyError } from '../errors.ts';
import { parseTopology } from '../topology/load.ts';
import type { Topology } from '../topology/types.ts';

/** A topology file larger than this is not plausible (counted in bytes, never read past). */
export const MAX_TOPOLOGY_BYTES = 4_000_000;

function problem(file: string, message: string, hint?: string): TopologyError {
  return new TopologyError(file, [{ path: '(file)', message, ...(hint ? { hint } : {}) }]);
}

function kindOf(mode: number): string {
  const t = mode & constants.S_IFMT;
  if (t === constants.S_IFIFO) return 'a FIFO (named pipe)';
  if (t === constants.S_IFCHR) return 'a character device';
  if (t === constants.S_IFBLK) return 'a block device';
  if (t === constants.S_IFSOCK) return 'a socket';
  if (t === constants.S_IFDIR) return 'a directory';
  return 'not a regular file';
}

/**
 * The file's text: a regular file only (opened without blocking, so a FIFO cannot hang the run), and never more
 * than MAX_TOPOLOGY_BYTES + 1 bytes read, whatever its size claims.
 */
function readBounded(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw problem(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw problem(file, `is ${kindOf(st.mode)}, not a regular file`, 'save the topology to a file and name that');
    const tooBig = (size: number) =>
      problem(file, `is ${size} bytes, larger than 4 MB; a topology file that large is not plausible`);
    if (st.size > MAX_TOPOLOGY_BYTES) throw tooBig(st.size);
    const buf = Buffer.alloc(MAX_TOPOLOGY_BYTES + 1);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
    if (got > MAX_TOPOLOGY_BYTES) throw tooBig(got); // it grew while being read
    return buf.subarray(0, got).toString('utf8');
  } catch (e) {
    if (e instanceof TopologyError) throw e;
    throw problem(file, `cannot be read (${(e as NodeJS.ErrnoException).code})`);
  } finally {
    closeSync(fd);
  }
}

export function loadTopology(file: string): Topology {
  return parseTopology(readBounded(file), file);
}
