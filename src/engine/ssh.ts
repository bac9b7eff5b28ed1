/**
 * ssh:// the way the docker CLI does it: the system's `ssh` runs `docker system dial-stdio` on the remote host,
 * and the Docker API speaks over its standard input and output. So the user's ssh-agent, ~/.ssh/config,
 * known hosts and host key checking apply exactly as they do for `docker -H ssh://…`. BatchMode: an unknown or
 * changed host key, or a missing key, fails at once with ssh's own words instead of waiting for a prompt.
 * Connections are kept for reuse (one ssh process each) and never keep mvnet alive when idle.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { Duplex } from 'node:stream';
import { SshError } from '../errors.ts';

/** The ssh command line for an ssh:// endpoint (argument array: nothing passes through a shell). */
export function sshArgv(endpoint: string): string[] {
  const u = new URL(endpoint);
  const args = ['-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '-o', 'ServerAliveInterval=15'];
  if (u.port) args.push('-p', u.port);
  if (u.username) args.push('-l', decodeURIComponent(u.username));
  args.push('--', u.hostname, 'docker', 'system', 'dial-stdio');
  return args;
}

/** A child ssh process as a socket for Node's HTTP client. */
class SshSocket extends Duplex {
  private stderr = '';
  private got = false;

  constructor(
    private readonly child: ChildProcess,
    private readonly endpoint: string,
  ) {
    super();
    child.stdout!.on('data', (d: Buffer) => {
      this.got = true;
      if (!this.push(d)) child.stdout!.pause();
    });
    // the end of the stream waits for ssh's exit status: a failed connection is ssh's error, not a hang-up
    child.stderr!.on('data', (d: Buffer) => {
      this.stderr += d;
    });
    child.on('error', (e) => this.destroy(e));
    child.stdin!.on('error', () => {}); // reported through the write that failed (see _write)
    child.on('close', (code) => {
      if (code && !this.got) this.destroy(new SshError(this.endpoint, this.stderr.trim() || `ssh exited with ${code}`));
      else this.push(null);
    });
  }

  override _read(): void {
    this.child.stdout!.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.child.stdin!.destroyed) {
      cb(new SshError(this.endpoint, this.stderr.trim() || 'ssh closed'));
      return;
    }
    this.child.stdin!.write(chunk, (err) => {
      if (!err) return cb();
      // ssh went away (connection refused, no route): its own words once it has exited, never "write EPIPE"
      const said = () => cb(new SshError(this.endpoint, this.stderr.trim() || `ssh closed (${err.message})`));
      if (this.child.exitCode !== null || this.child.signalCode !== null) said();
      else this.child.once('close', said);
    });
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.child.stdin!.end(cb);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.child.stdin!.destroy();
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    cb(err);
  }

  // what Node's HTTP client and agent call on a socket
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    this.each((s) => s.ref?.());
    this.child.ref();
    return this;
  }
  unref(): this {
    this.each((s) => s.unref?.());
    this.child.unref();
    return this;
  }

  private each(fn: (s: { ref?: () => void; unref?: () => void }) => void): void {
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr]) {
      const h = (s as unknown as { _handle?: { ref?: () => void; unref?: () => void } } | null)?._handle;
      if (h) fn(h);
    }
  }
}

/** An HTTP agent whose connections are ssh processes to the endpoint. */
export function sshAgent(endpoint: string): Agent {
  const argv = sshArgv(endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 8, maxFreeSockets: 4 });
  (agent as unknown as { createConnection: () => Duplex }).createConnection = () => {
    const child = spawn(process.env.MVNET_SSH ?? 'ssh', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    return new SshSocket(child, endpoint);
  };
  return agent;
}

/** A hint for the usual ssh failures. */
export function sshHint(detail: string): string {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(detail)) {
    return (
      'the host key is unknown or changed: check it, then add it to ~/.ssh/known_hosts ' +
      '(ssh-keyscan -p PORT HOST, verified) as for docker -H ssh://'
    );
  }
  if (/Permission denied/i.test(detail))
    return 'no key was accepted: load one into your ssh-agent (ssh-add) or name it in ~/.ssh/config';
  if (/docker: (command )?not found|dial-stdio/i.test(detail))
    return 'the remote host needs the docker CLI (docker system dial-stdio) and a user in the docker group';
  return 'try the same endpoint with the docker CLI: docker -H ENDPOINT version';
}
