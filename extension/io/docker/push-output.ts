import { cancelled } from './engine-errors';
import { jsonLines, readStream } from './streams';

/** Reading `docker push` output from the Engine API: JSON lines of progress, an error, and the digest. */

/** `registry:5000/app:tag` as repository `registry:5000/app` and tag `tag` (`latest` when absent). */
export function splitReference(reference: string): { readonly repository: string; readonly tag: string } {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  if (colon > slash) return { repository: reference.slice(0, colon), tag: reference.slice(colon + 1) };
  return { repository: reference, tag: 'latest' };
}

/**
 * Resolves to the pushed digest; rejects with the registry's own message (the engine answers 200 and
 * reports a failed push only inside the stream, as `error`/`errorDetail`).
 */
export async function readPushOutput(stream: NodeJS.ReadableStream, reference: string, signal: AbortSignal | undefined, onProgress?: (line: string) => void): Promise<string> {
  let digest: string | undefined;
  let failure: string | undefined;
  const lines = jsonLines((value) => {
    const message = value as { status?: unknown; id?: unknown; error?: unknown; errorDetail?: { message?: unknown }; aux?: { Digest?: unknown } };
    if (typeof message.aux?.Digest === 'string') digest = message.aux.Digest;
    const error = message.errorDetail?.message ?? message.error;
    if (typeof error === 'string') failure = error;
    else if (typeof message.status === 'string' && message.status !== 'Pushing' && message.status !== 'Waiting') onProgress?.(`${typeof message.id === 'string' ? `${message.id}: ` : ''}${message.status}`);
  });
  const end = await readStream(stream, signal, lines.push);
  if (end === 'aborted') throw cancelled();
  lines.flush();
  if (failure !== undefined) throw new Error(failure);
  if (digest === undefined) throw new Error(`The engine ended the push of ${reference} without a digest.`);
  return digest;
}
