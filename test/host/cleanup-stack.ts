import { hostLog } from './host-log';

type Cleanup = () => Promise<void> | void;

/**
 * Cleanups registered the moment a resource exists, run last-in first-out exactly once: at the
 * normal end, after an exception, or from a signal handler. Each step gets a deadline, so one
 * stuck step cannot keep the others (or the process) from finishing.
 */
export class CleanupStack {
  readonly #steps: { label: string; run: Cleanup }[] = [];
  #running: Promise<void> | undefined;

  /** Registers a step; the returned function unregisters it (when the resource is gone early). */
  add(label: string, run: Cleanup): () => void {
    const step = { label, run };
    this.#steps.push(step);
    return () => {
      const index = this.#steps.indexOf(step);
      if (index >= 0) this.#steps.splice(index, 1);
    };
  }

  run(stepTimeoutMs = 15_000): Promise<void> {
    this.#running ??= this.#runAll(stepTimeoutMs);
    return this.#running;
  }

  async #runAll(stepTimeoutMs: number): Promise<void> {
    for (let step = this.#steps.pop(); step; step = this.#steps.pop()) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${stepTimeoutMs} ms`)), stepTimeoutMs);
          }),
        ]);
      } catch (error) {
        hostLog(`cleanup "${step.label}" failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
