import { setMaxListeners } from 'node:events';
import { asError, FlError, messageOf } from '../../core/errors';

/** How the Docker adapter words engine failures and cancellation. */

/** Connection failures that mean no engine answers (refused, timed out, reset by a dying engine, no route). */
export const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

export function cancelled(): FlError {
  return new FlError('cancelled', 'The operation was cancelled.');
}

/** dockerode options carry the signal as `abortSignal`; exactOptionalPropertyTypes forbids passing `undefined`. */
export function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  // One run's signal is handed to a log, stats and events stream per container: far more than Node's
  // default of 10 listeners, which would print a spurious leak warning.
  if (signal !== undefined) setMaxListeners(1000, signal);
  return signal !== undefined ? { abortSignal: signal } : {};
}

/** Resolves instead of rejecting when the operation was cancelled: for methods that run until aborted. */
export async function untilAborted(operation: Promise<void>): Promise<void> {
  try {
    await operation;
  } catch (error) {
    if (error instanceof FlError && error.kind === 'cancelled') return;
    throw error;
  }
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The engine's own message: docker-modem prefixes it with "(HTTP code 409) unexpected - ". */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: unknown } | undefined)?.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') return (json as { message: string }).message.trim();
  const message = messageOf(error);
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** Engine messages that need a next step; undefined when the message speaks for itself. */
export function explainEngineMessage(message: string): string | undefined {
  if (/port is already allocated|address already in use/.test(message)) {
    const bind = /(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]*\]):(\d+)/i.exec(message);
    const where = bind !== null ? `Port ${bind[2] ?? ''} on ${bind[1] ?? ''}` : 'A port to publish';
    return `${where} is already in use, so the container cannot publish it. Stop the container or program that holds it (\`docker ps\` lists containers and their ports, \`ss -ltnp\` other programs) or choose another port. (Docker: ${message})`;
  }
  if (/no space left on device/.test(message)) {
    return `The Docker engine is out of disk space: ${message}. Run \`docker system df\` to see what uses it and free space (for example \`docker image prune\` removes unused images).`;
  }
  return undefined;
}

export /** Fields of docker-modem its typings leave out: where the engine is and which API version requests name. */
interface ModemSettings {
  socketPath?: string | (() => string | Promise<string>);
  host?: string;
  port?: string | number;
  protocol?: string;
  version?: string;
}

/** A failure of an engine call in words: no engine, no permission, unreachable, or the engine's own message explained. */
export async function runtimeError(error: unknown, signal: AbortSignal | undefined, address: () => Promise<string>): Promise<Error> {
  if (error instanceof FlError) return error;
  if (signal?.aborted === true || (error instanceof Error && error.name === 'AbortError')) return cancelled();
  const { code, syscall } = error as NodeJS.ErrnoException;
  const detail = messageOf(error);
  // Only on connect do these name the socket: a build context file that vanished is ENOENT too.
  if (code === 'ENOENT' && syscall === 'connect') {
    return new FlError(
      'dockerUnavailable',
      `Docker is not running or not installed: no engine at ${await address()}. Start Docker (Docker Desktop, or \`sudo systemctl start docker\`), or point DOCKER_HOST at a running engine.`,
      detail,
    );
  }
  if ((code === 'EACCES' || code === 'EPERM') && syscall === 'connect') {
    return new FlError(
      'dockerUnavailable',
      `Docker is running, but this user may not use it: permission denied on ${await address()}. Add the user to the \`docker\` group (\`sudo usermod -aG docker $USER\`) and log in again, or use rootless Docker and point DOCKER_HOST at its socket.`,
      detail,
    );
  }
  if (code !== undefined && unreachableCodes.has(code)) {
    return new FlError(
      'dockerUnavailable',
      `Docker is not running: nothing answers at ${await address()} (${code}). Start Docker (Docker Desktop, or \`sudo systemctl start docker\`), or point DOCKER_HOST at a running engine.`,
      detail,
    );
  }
  // Our own errors (a failed build step, an unreadable reply) are already worded for the user.
  if (statusOf(error) === undefined) return asError(error);
  const message = engineMessage(error);
  return new Error(explainEngineMessage(message) ?? message, { cause: error });
}

/** Where the engine was looked for, for messages: the socket or URL and where the setting came from. */
export async function engineAddress(modem: ModemSettings, endpointSource: string | undefined): Promise<string> {
  const from = endpointSource !== undefined ? ` (from ${endpointSource})` : '';
  const socket = modem.socketPath;
  if (typeof socket === 'function') return `${await socket()}${from}`;
  if (typeof socket === 'string') return `${socket}${from}`;
  return `${modem.protocol ?? 'http'}://${modem.host ?? 'localhost'}:${String(modem.port ?? '')}${from}`;
}
