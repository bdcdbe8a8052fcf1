import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { FlError, throwIfCancelled } from '../core/errors';
import type { PyModule } from '../core/python/python-model';
import type { PythonAnalyzer, SourceFile } from '../core/ports';
import { loadPythonParser, type PythonParserHandle } from './python-analyzer';
import type { WorkerReply, WorkerRequest } from './python-worker';

/**
 * PythonAnalyzer over tree-sitter. Small batches (a save in the editor) parse on the calling thread;
 * large ones (a cold lint) are split across worker threads, because parsing dominates lint time and
 * these machines have more than one core.
 */
export interface PythonPoolOptions {
  /** Folder holding web-tree-sitter.wasm, tree-sitter-python.wasm and python-worker.js (dist/). */
  readonly wasmDir: string;
  readonly workers?: number;
  /** Batches smaller than this stay on the calling thread. */
  readonly parallelThreshold?: number;
}

interface PendingBatch {
  resolve(modules: PyModule[]): void;
  reject(error: Error): void;
}

export class PythonPool implements PythonAnalyzer {
  private local: Promise<PythonParserHandle> | undefined;
  private workers: Worker[] = [];
  private readonly pending = new Map<number, PendingBatch>();
  private nextId = 0;
  private readonly workerCount: number;
  private readonly threshold: number;

  constructor(private readonly options: PythonPoolOptions) {
    this.workerCount = options.workers ?? Math.max(1, Math.min(4, availableParallelism()));
    this.threshold = options.parallelThreshold ?? 64;
  }

  async analyze(
    files: readonly SourceFile[],
    options: { readonly detail: PyModule['detail']; readonly signal?: AbortSignal | undefined },
  ): Promise<PyModule[]> {
    throwIfCancelled(options.signal);
    if (files.length < this.threshold || this.workerCount < 2) {
      const parser = await this.localParser();
      const modules: PyModule[] = [];
      for (const f of files) {
        modules.push(parser.parse(f.text, options.detail));
        if (modules.length % 64 === 0) throwIfCancelled(options.signal);
      }
      return modules;
    }
    // Interleave by size so that every worker gets a similar amount of text.
    const order = files.map((f, i) => ({ f, i })).sort((a, b) => b.f.text.length - a.f.text.length);
    const batches: { f: SourceFile; i: number }[][] = Array.from({ length: this.workerCount }, () => []);
    order.forEach((item, k) => batches[k % this.workerCount]?.push(item));
    const results = await Promise.all(
      batches.map((batch, w) => this.send(w, batch.map((b) => b.f), options.detail, options.signal)),
    );
    const out: PyModule[] = new Array<PyModule>(files.length);
    batches.forEach((batch, w) => batch.forEach((b, k) => (out[b.i] = results[w]?.[k] as PyModule)));
    return out;
  }

  /** Stops the worker threads; the pool starts new ones if used again. */
  dispose(): void {
    for (const w of this.workers) void w.terminate();
    this.workers = [];
    for (const p of this.pending.values()) p.reject(new FlError('cancelled', 'The Python parser was shut down.'));
    this.pending.clear();
  }

  private localParser(): Promise<PythonParserHandle> {
    this.local ??= loadPythonParser(this.options.wasmDir).catch((error: unknown) => {
      this.local = undefined;
      throw new FlError(
        'parserUnavailable',
        `The Python parser could not be loaded from ${this.options.wasmDir}. Reinstall the extension.`,
        String(error),
      );
    });
    return this.local;
  }

  private worker(index: number): Worker {
    let worker = this.workers[index];
    if (worker === undefined) {
      worker = new Worker(path.join(this.options.wasmDir, 'python-worker.js'), {
        workerData: { wasmDir: this.options.wasmDir },
      });
      worker.unref();
      worker.on('message', (reply: WorkerReply) => {
        const pending = this.pending.get(reply.id);
        if (pending === undefined) return;
        this.pending.delete(reply.id);
        // Idle workers must not keep a CLI process alive; busy ones must, or Node exits mid-lint.
        if (this.pending.size === 0) for (const w of this.workers) w.unref();
        if ('error' in reply) pending.reject(new FlError('parserUnavailable', 'The Python parser failed.', reply.error));
        else pending.resolve(reply.modules);
      });
      worker.on('error', (error) => {
        for (const p of this.pending.values()) p.reject(new FlError('parserUnavailable', 'A Python parser thread crashed.', String(error)));
        this.pending.clear();
        this.workers = [];
      });
      this.workers[index] = worker;
    }
    return worker;
  }

  private send(index: number, files: SourceFile[], detail: PyModule['detail'], signal: AbortSignal | undefined): Promise<PyModule[]> {
    if (files.length === 0) return Promise.resolve([]);
    const id = this.nextId++;
    const worker = this.worker(index);
    worker.ref();
    return new Promise<PyModule[]>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id);
        reject(new FlError('cancelled', 'The operation was cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (m) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(m);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      worker.postMessage({ id, files, detail } satisfies WorkerRequest);
    });
  }
}
