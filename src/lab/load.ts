/**
 * `lab load`: puts an image onto lab engines, which have no registry to pull from (kind's `load docker-image`).
 * The image comes from a `docker save` tarball, or by name from this machine's own Docker engine ($DOCKER_HOST,
 * else /var/run/docker.sock), saved once into the lab's folder and loaded into each engine.
 */
import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { dockerode } from '../engine/dockerode.ts';
import { MvnetError } from '../errors.ts';
import { labDir, socketPath } from './paths.ts';

type Progress = (msg: string) => void;

/** What `docker load` said, read to its end: the images it loaded, or its error. */
async function loaded(stream: Readable, host: string): Promise<string[]> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  const images: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    let m: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      m = JSON.parse(line);
    } catch {
      continue;
    }
    if (m.error)
      throw new MvnetError('lab', `loading the image into ${host} failed: ${m.errorDetail?.message ?? m.error}`, host);
    const name = /Loaded image(?: ID)?: (\S+)/.exec(m.stream ?? '')?.[1];
    if (name) images.push(name);
  }
  return images;
}

/** This machine's engine, as the docker CLI would find it. */
function machineEngine(): { docker: InstanceType<ReturnType<typeof dockerode>>; where: string } {
  const where = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  const Docker = dockerode();
  if (where.startsWith('unix://')) return { docker: new Docker({ socketPath: where.slice('unix://'.length) }), where };
  const u = new URL(where.replace(/^tcp:/, 'http:'));
  return { docker: new Docker({ host: u.hostname, port: Number(u.port) || 2375 }), where };
}

/** A tarball of `what`: the file itself, or the named image saved from this machine's engine into the lab folder. */
async function tarball(lab: string, what: string, progress: Progress): Promise<{ file: string; made: boolean }> {
  if (existsSync(what) && statSync(what).isFile()) return { file: what, made: false };
  const { docker, where } = machineEngine();
  try {
    await docker.getImage(what).inspect();
  } catch (e) {
    const code = (e as { statusCode?: number }).statusCode;
    if (code === 404)
      throw new MvnetError(
        'usage',
        `this machine's Docker engine (${where}) has no image ${what}`,
        undefined,
        `docker pull ${what} first, or give a tarball made by docker save`,
      );
    throw new MvnetError(
      'usage',
      `${what} is neither a file nor an image of this machine's Docker engine, which does not answer at ${where}`,
      undefined,
      "give a tarball made by docker save (docker save IMAGE -o image.tar), or start the machine's Docker engine",
    );
  }
  const file = join(labDir(lab), `load-${process.pid}.tar`);
  progress(`saving ${what} from this machine's Docker engine (${where})`);
  await pipeline((await docker.getImage(what).get()) as unknown as Readable, createWriteStream(file));
  return { file, made: true };
}

export async function labLoad(
  lab: string,
  hosts: string[],
  what: string,
  progress: Progress = () => {},
): Promise<{ host: string; images: string[] }[]> {
  const { file, made } = await tarball(lab, what, progress);
  try {
    const Docker = dockerode();
    return await Promise.all(
      hosts.map(async (host) => {
        const docker = new Docker({ socketPath: socketPath(lab, host) });
        progress(`${host}: loading ${what}`);
        const res = await docker.loadImage(createReadStream(file), { quiet: true }).catch((e: Error) => {
          throw new MvnetError(
            'lab',
            `${host}'s engine does not take the image: ${e.message}`,
            host,
            `is the lab up? mvnet lab status -f FILE`,
          );
        });
        const images = await loaded(res as unknown as Readable, host);
        progress(`${host}: loaded ${images.join(', ') || what}`);
        return { host, images };
      }),
    );
  } finally {
    if (made) rmSync(file, { force: true });
  }
}
