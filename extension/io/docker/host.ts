import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Which Docker engine to talk to, the way the docker CLI decides: an explicit host (the
 * `flops.simulation.dockerHost` setting), then `DOCKER_HOST`, then the current `docker context`
 * (Docker Desktop and rootless Docker set one; their socket is not /var/run/docker.sock), then the
 * default socket. dockerode alone only knows `DOCKER_HOST` and the default.
 */

export interface DockerEndpoint {
  /** `unix:///path`, `tcp://host:port`, `npipe:////./pipe/docker_engine` or `ssh://user@host`. */
  readonly host: string;
  /** Where it came from, for messages: "the flops.simulation.dockerHost setting", "DOCKER_HOST", "docker context desktop-linux", "the default socket". */
  readonly source: string;
}

const defaultHost = process.platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock';

export function resolveDockerEndpoint(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): DockerEndpoint {
  if (explicit !== undefined && explicit.trim() !== '') return { host: explicit.trim(), source: 'the flops.simulation.dockerHost setting' };
  const fromEnv = env['DOCKER_HOST'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { host: fromEnv.trim(), source: 'DOCKER_HOST' };
  const configDir = env['DOCKER_CONFIG'] ?? path.join(home, '.docker');
  const context = env['DOCKER_CONTEXT'] ?? readCurrentContext(configDir);
  if (context !== undefined && context !== 'default') {
    const host = readContextHost(configDir, context);
    if (host !== undefined) return { host, source: `docker context ${context}` };
  }
  return { host: defaultHost, source: 'the default socket' };
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function readCurrentContext(configDir: string): string | undefined {
  const config = readJson(path.join(configDir, 'config.json'));
  const name = (config as { currentContext?: unknown } | undefined)?.currentContext;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** The docker CLI stores a context's endpoint in contexts/meta/<sha256 of its name>/meta.json. */
function readContextHost(configDir: string, context: string): string | undefined {
  const id = createHash('sha256').update(context).digest('hex');
  const meta = readJson(path.join(configDir, 'contexts', 'meta', id, 'meta.json'));
  const host = (meta as { Endpoints?: { docker?: { Host?: unknown } } } | undefined)?.Endpoints?.docker?.Host;
  return typeof host === 'string' && host !== '' ? host : undefined;
}

/** dockerode/docker-modem constructor options for an endpoint. TLS material follows DOCKER_CERT_PATH as docker-modem reads it. */
export function dockerodeOptions(endpoint: DockerEndpoint): { socketPath: string } | { protocol: 'http' | 'https' | 'ssh'; host: string; port?: number; username?: string } {
  const host = endpoint.host;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) };
  const url = new URL(host);
  const tls = process.env['DOCKER_TLS_VERIFY'] !== undefined && process.env['DOCKER_TLS_VERIFY'] !== '' && process.env['DOCKER_TLS_VERIFY'] !== '0';
  if (url.protocol === 'ssh:') return { protocol: 'ssh', host: url.hostname, ...(url.port !== '' ? { port: Number(url.port) } : {}), ...(url.username !== '' ? { username: url.username } : {}) };
  if (url.protocol === 'tcp:' || url.protocol === 'http:' || url.protocol === 'https:') {
    const protocol = url.protocol === 'https:' || tls ? 'https' : 'http';
    return { protocol, host: url.hostname, port: url.port !== '' ? Number(url.port) : protocol === 'https' ? 2376 : 2375 };
  }
  throw new Error(`Unsupported Docker host "${host}" (from ${endpoint.source}); use unix://, tcp://, npipe:// or ssh://.`);
}
