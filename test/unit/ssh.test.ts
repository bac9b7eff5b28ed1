/** ssh:// failures read as ssh's own words: a refused port is "Connection refused", never "write EPIPE". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DockerEngine } from '../../src/engine/docker.ts';

test('a port that refuses ssh: the error names the refusal, never EPIPE (loopback only)', async () => {
  // a free loopback port: bound, then closed, so that nothing listens there
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  for (let i = 0; i < 5; i++) {
    const e = new DockerEngine('h', `ssh://root@127.0.0.1:${port}`);
    await assert.rejects(e.containers(), (err: Error) => {
      assert.doesNotMatch(err.message, /EPIPE/);
      assert.match(err.message, /Connection refused/);
      return true;
    });
  }
});
