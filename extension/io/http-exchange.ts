import { request } from 'undici';
import { OakestraError } from '../core/deploy/oakestra-api';
import { messageOf } from '../core/errors';

/**
 * One HTTP exchange with Oakestra or the FLOps manager over undici: never follows redirects (the
 * exact registered paths are called), a timeout for headers and body, cancellation, and network
 * failures as errors that name the URL and what to check. The answer's status and text come back
 * whatever they are; the callers map statuses to hints.
 */

export interface Answer {
  readonly status: number;
  readonly text: string;
}

export interface Exchange {
  readonly base: string;
  /** "Oakestra" or "The FLOps manager", for messages. */
  readonly service: string;
  /** What to check when the server is unreachable. */
  readonly hint: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly token?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function httpExchange(x: Exchange): Promise<Answer> {
  const { signal } = x;
  const at = `${x.service} at ${x.base}`;
  let response;
  try {
    response = await request(`${x.base}${x.path}`, {
      method: x.method as 'GET',
      headers: { accept: 'application/json', ...(x.body !== undefined ? { 'content-type': 'application/json' } : {}), ...(x.token !== undefined ? { authorization: `Bearer ${x.token}` } : {}) },
      // A GET may carry a body: the FLOps manager's tracking route reads one (oakestra-api.md §9).
      ...(x.body !== undefined ? { body: JSON.stringify(x.body) } : {}),
      headersTimeout: x.timeoutMs,
      bodyTimeout: x.timeoutMs,
      ...(signal !== undefined ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted === true) throw new OakestraError('cancelled', 'Cancelled.');
    const code = causeCode(error);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      throw new OakestraError('orchestratorUnavailable', `${at} did not answer ${x.method} ${x.path} within ${x.timeoutMs / 1000} s. Check that it runs and is not overloaded, and that nothing between you and it drops traffic.`);
    }
    throw new OakestraError('orchestratorUnavailable', `${at} is unreachable (${code ?? messageOf(error)}). ${x.hint}`, undefined, messageOf(error));
  }
  try {
    return { status: response.statusCode, text: await response.body.text() };
  } catch (error) {
    if (signal?.aborted === true) throw new OakestraError('cancelled', 'Cancelled.');
    throw new OakestraError('orchestratorUnavailable', `${at}: the answer to ${x.method} ${x.path} was cut off (${messageOf(error)}). Try again.`);
  }
}
