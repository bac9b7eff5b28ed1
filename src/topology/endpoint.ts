/**
 * A Docker endpoint in one spelling, so that one engine written two ways (`unix:///x//y`, `/./`, `TCP://H:2376`)
 * is recognised as one: the path of a unix socket normalised, the host of tcp:// and ssh:// in lower case, ssh's
 * default port dropped. Pure.
 */
import { posix } from 'node:path';

export function normalEndpoint(endpoint: string): string {
  const m = /^([a-zA-Z]+):\/\/(.*)$/.exec(endpoint);
  if (!m) return endpoint;
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (scheme === 'unix') return `unix://${posix.normalize(rest.startsWith('/') ? rest : `/${rest}`)}`;
  const at = rest.lastIndexOf('@');
  const user = at >= 0 ? rest.slice(0, at + 1) : '';
  let hostPort = (at >= 0 ? rest.slice(at + 1) : rest).replace(/\/+$/, '').toLowerCase();
  if (scheme === 'ssh') hostPort = hostPort.replace(/:22$/, '');
  return `${scheme}://${user}${hostPort}`;
}
