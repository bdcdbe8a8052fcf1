/**
 * Container image references as Docker parses them (`[registry[:port]/]name[:tag][@digest]`, the grammar
 * of distribution/reference): what the project file may name as a base image, an MLflow image or a
 * registry. A value that is not one is refused where it enters (schema, lint, generate), so no newline,
 * space, `$` or quote from a cloned repository's flops.json ever reaches a Dockerfile or compose file.
 */

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|-+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domain = `${host}(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const name = `(?:${domain}/)?${pathComponent}(?:/${pathComponent})*`;

/** A whole image reference: `python:3.10-slim`, `ghcr.io/mlflow/mlflow:v3.7.0`, `host:5000/a/b@sha256:…`. */
export const imageReferencePattern = new RegExp(`^${name}(?::${tag})?(?:@${digest})?$`);

/** A registry to push to: `ghcr.io/my-org`, `192.168.1.10:5000`, `localhost:5000/team` (no scheme, no tag). */
export const registryPattern = new RegExp(`^${domain}(?:/${pathComponent})*/?$`);

/** Docker's limit on the name part of a reference. */
const maxNameLength = 255;

function describeCharacter(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (c === '\n') return 'a line break';
  if (c === '\r') return 'a carriage return';
  if (c === '\t') return 'a tab';
  if (c === ' ') return 'a space';
  if (code < 0x20 || code === 0x7f) return `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${c}"`;
}

/**
 * Why `value` is not an image reference (`what` names the field in the message), or `undefined` when
 * it is one.
 */
export function imageReferenceProblem(value: string, what: string, pattern: RegExp = imageReferencePattern): string | undefined {
  if (pattern.test(value)) {
    const nameLength = value.replace(/@.*$/, '').replace(/:[\w][\w.-]*$/, '').length;
    return nameLength > maxNameLength ? `${what} is longer than Docker's ${maxNameLength} characters for an image name` : undefined;
  }
  const bad = [...value].find((c) => (c.codePointAt(0) ?? 0) < 0x20 || c === '\x7f' || /[\s"'`$\\;|&<>(){}*?!#]/.test(c));
  const shape = pattern === registryPattern ? 'host[:port][/path] (e.g. "ghcr.io/my-org")' : '[registry/]name[:tag][@digest] (e.g. "python:3.10-slim")';
  if (value === '') return `${what} is empty; it must be ${shape}`;
  if (bad !== undefined) return `${what} contains ${describeCharacter(bad)}; it must be ${shape}`;
  return `${what} "${value}" is not an image reference${pattern === registryPattern ? ' prefix' : ''}; it must be ${shape}, with a lowercase name`;
}
