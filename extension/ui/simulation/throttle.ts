import type * as vscode from 'vscode';

/**
 * Runs `flush` at most once per `ms`: the first `schedule()` arms one timer and later calls in the same
 * window join it. Session events and log lines arrive in bursts (thousands of lines a second, a
 * resource sample per container a second); repainting the tree, the status bar or an output channel
 * for each would flood the renderer. Nothing runs while nothing is scheduled, so this is no polling loop.
 */
export class Throttle implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(
    private readonly ms: number,
    private readonly flush: () => void,
  ) {}

  schedule(): void {
    if (this.timer !== undefined || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.ms);
  }

  /** Runs a scheduled flush now (before disposing a sink, so its last lines are not lost). */
  flushNow(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
