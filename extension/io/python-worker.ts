import { parentPort, workerData } from 'node:worker_threads';
import type { SourceFile } from '../core/ports';
import type { PyModule } from '../core/python/python-model';
import { loadPythonParser } from './python-analyzer';

/** Worker-thread entry (dist/python-worker.js): parses batches for PythonPool. */

export interface WorkerRequest {
  readonly id: number;
  readonly files: readonly SourceFile[];
  readonly detail: PyModule['detail'];
}

export type WorkerReply =
  | { readonly id: number; readonly modules: PyModule[] }
  | { readonly id: number; readonly error: string };

const { wasmDir } = workerData as { wasmDir: string };
const port = parentPort;
if (port !== null) {
  const ready = loadPythonParser(wasmDir);
  port.on('message', (request: WorkerRequest) => {
    ready
      .then((parser) => {
        const modules = request.files.map((f) => parser.parse(f.text, request.detail));
        port.postMessage({ id: request.id, modules } satisfies WorkerReply);
      })
      .catch((error: unknown) => {
        port.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply);
      });
  });
}
