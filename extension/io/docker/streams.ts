import type { Readable } from 'node:stream';
import { asError } from '../../core/errors';

/** Reading the engine's response streams: until end or abort, as JSON lines, as text lines. */

export type StreamEnd = 'ended' | 'aborted' | 'stopped';

/**
 * Feeds a response stream to `onChunk` until it ends, the signal aborts or `onChunk` returns false; in
 * the last two cases the stream is destroyed, which closes the connection and ends the engine's side.
 */
export function readStream(stream: NodeJS.ReadableStream, signal: AbortSignal | undefined, onChunk: (chunk: Buffer) => boolean | void): Promise<StreamEnd> {
  // dockerode hands out the http.IncomingMessage, a Readable, typed as the older stream interface.
  const readable = stream as Readable;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (outcome: StreamEnd | Error): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      readable.off('data', onData);
      readable.off('end', onEnd);
      readable.off('close', onClose);
      if (outcome !== 'ended') readable.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onAbort = (): void => finish('aborted');
    const onData = (chunk: Buffer): void => {
      try {
        if (onChunk(chunk) === false) finish('stopped');
      } catch (error) {
        finish(asError(error));
      }
    };
    const onEnd = (): void => finish('ended');
    const onClose = (): void => finish(signal?.aborted === true ? 'aborted' : 'ended');
    // Stays attached after finishing: destroying the stream or the aborted request may still emit
    // "aborted"/ECONNRESET, which must not become an unhandled 'error' event.
    readable.on('error', (error: Error) => finish(signal?.aborted === true ? 'aborted' : error));
    if (signal?.aborted === true) {
      finish('aborted');
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    readable.on('data', onData);
    readable.on('end', onEnd);
    readable.on('close', onClose);
  });
}

/** Splits newline-delimited JSON arriving in arbitrary chunks; `onValue` returning false stops reading. */
export function jsonLines(onValue: (value: unknown) => boolean | void): { push: (chunk: Buffer) => boolean; flush: () => void } {
  const decoder = new TextDecoder();
  let pending = '';
  const take = (line: string): boolean => {
    const text = line.trim();
    if (text === '') return true;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new Error(`The Docker engine sent a line that is not JSON: ${text.slice(0, 200)}`);
    }
    return onValue(value) !== false;
  };
  return {
    push: (chunk) => {
      pending += decoder.decode(chunk, { stream: true });
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!take(line)) return false;
      }
      return true;
    },
    flush: () => {
      pending += decoder.decode();
      const rest = pending;
      pending = '';
      take(rest);
    },
  };
}

/** Bytes of a stream's recent output kept to tell whether a recovered last line was already seen. */
export const recentBytes = 64 * 1024;

/** Splits decoded text into lines across chunk boundaries; a multi-byte character may span chunks too. */
export class LineSplitter {
  private readonly decoder = new TextDecoder();
  private pending = '';
  private recent: Buffer = Buffer.alloc(0);

  constructor(private readonly onLine: (line: string) => void) {}

  push(bytes: Buffer): void {
    this.recent = Buffer.concat([this.recent, bytes]);
    if (this.recent.length > 2 * recentBytes) this.recent = this.recent.subarray(this.recent.length - recentBytes);
    this.pending += this.decoder.decode(bytes, { stream: true });
    const lines = this.pending.split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line.replace(/\r$/, ''));
  }

  endsWith(bytes: Buffer): boolean {
    return this.recent.length >= bytes.length && this.recent.subarray(this.recent.length - bytes.length).equals(bytes);
  }

  end(): void {
    this.pending += this.decoder.decode();
    if (this.pending !== '') this.onLine(this.pending.replace(/\r$/, ''));
    this.pending = '';
  }
}
