/** Naming rules of the kernel and of Docker. Pure. */

/** Linux interface names: 1-15 bytes, no '/', ':' or whitespace, not '.' or '..' (dev_valid_name). */
export function interfaceNameProblem(name: string): string | null {
  if (name.length === 0) return 'an interface name cannot be empty';
  if (Buffer.byteLength(name) > 15)
    return `interface name "${name}" is ${Buffer.byteLength(name)} characters; the kernel allows at most 15`;
  if (name === '.' || name === '..') return `"${name}" is not a valid interface name`;
  if (/[/:\s]/.test(name)) return `interface name "${name}" contains '/', ':' or whitespace, which the kernel refuses`;
  // '%' makes the kernel number the name (eth%d); Docker refuses it as a parent
  if (name.includes('%')) return `interface name "${name}" contains '%', which the kernel reads as a number pattern`;
  return null;
}

/** Docker object names (containers, networks): [a-zA-Z0-9][a-zA-Z0-9_.-]*, kept short. */
const DOCKER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export function dockerNameProblem(name: string, what: string): string | null {
  if (!DOCKER_NAME.test(name)) {
    return (
      `${what} name "${name}" is not allowed: ` +
      "use letters, digits, '_', '.' and '-', starting with a letter or digit, at most 63 characters"
    );
  }
  return null;
}

/** Topology and host names end up in namespace, folder and label names: stricter. */
const SIMPLE_NAME = /^[a-z0-9][a-z0-9-]{0,30}$/;

export function simpleNameProblem(name: string, what: string): string | null {
  if (!SIMPLE_NAME.test(name)) {
    return (
      `${what} "${name}" is not allowed: ` +
      "use lower-case letters, digits and '-', starting with a letter or digit, at most 31 characters"
    );
  }
  return null;
}
