import { request } from 'undici';
import { messageOf } from '../core/errors';

/**
 * How a container registry answers from this machine (`GET /v2/`, the registry API's base): over
 * TLS, over plain HTTP (only a real registry, recognised by its Docker-Distribution-Api-Version
 * header), or not at all. Any HTTP status counts as an answer (401 is usual: auth comes later).
 */
export async function registryScheme(registry: string, signal?: AbortSignal): Promise<{ readonly scheme: 'https' | 'http' } | { readonly scheme: 'unreachable'; readonly reason: string }> {
  const attempt = async (scheme: 'https' | 'http'): Promise<{ ok: true; registryHeader: boolean } | { ok: false; reason: string }> => {
    try {
      const response = await request(`${scheme}://${registry}/v2/`, { method: 'GET', headersTimeout: 10_000, bodyTimeout: 10_000, ...(signal !== undefined ? { signal } : {}) });
      await response.body.dump();
      return { ok: true, registryHeader: response.headers['docker-distribution-api-version'] !== undefined };
    } catch (error) {
      const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code;
      return { ok: false, reason: typeof code === 'string' ? code : messageOf(error) };
    }
  };
  const secure = await attempt('https');
  if (secure.ok) return { scheme: 'https' };
  if (signal?.aborted === true) return { scheme: 'unreachable', reason: 'cancelled' };
  const plain = await attempt('http');
  if (plain.ok && plain.registryHeader) return { scheme: 'http' };
  // A TLS server that refused us (an untrusted certificate) is still a TLS registry: Docker reports the rest.
  if (/CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(secure.reason)) return { scheme: 'https' };
  return { scheme: 'unreachable', reason: secure.reason };
}
