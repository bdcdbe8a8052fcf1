import * as vscode from 'vscode';
import { Throttle } from './throttle';

/** Lines are written in batches this often. */
const flushMs = 100;
/**
 * Lines held between two flushes at most. A learner stuck in a print loop can write hundreds of
 * thousands of lines a second; beyond this the rest of the batch is counted, not kept, and the
 * output says so (the containers' own logs, `docker logs`, keep everything).
 */
const maxPendingLines = 20_000;

/**
 * The "FLOps Simulation" output channel: every container's log line, prefixed by its service
 * (`[learner-2] …`, `[build] …`), plus the controller's own notes (`[flops] …`). It is a plain output
 * channel with the `log` language rather than a LogOutputChannel, because these lines are the
 * containers' output, with their own levels and time stamps, not ours. Appends are batched.
 */
export class SimulationLog implements vscode.Disposable {
  static readonly channelName = 'FLOps Simulation';
  /** Created with the first line, so the Output view lists no empty channel before any run. */
  private channel: vscode.OutputChannel | undefined;
  private readonly flusher: Throttle;
  private pending: string[] = [];
  private skipped = 0;

  constructor() {
    this.flusher = new Throttle(flushMs, () => this.flush());
  }

  /** One line of a container (or of the image build, service "build"). */
  line(prefix: string, text: string): void {
    if (this.pending.length >= maxPendingLines) this.skipped++;
    else this.pending.push(`[${prefix}] ${text}`);
    this.flusher.schedule();
  }

  /** A line of the extension itself about the run (started, finished, stopped). */
  note(text: string): void {
    this.line('flops', text);
  }

  show(): void {
    this.flushNow();
    this.open().show(true);
  }

  flushNow(): void {
    this.flusher.flushNow();
  }

  dispose(): void {
    this.flusher.flushNow();
    this.flusher.dispose();
    this.channel?.dispose();
  }

  private open(): vscode.OutputChannel {
    this.channel ??= vscode.window.createOutputChannel(SimulationLog.channelName, 'log');
    return this.channel;
  }

  private flush(): void {
    if (this.skipped > 0) {
      this.pending.push(`[flops] ${this.skipped} lines skipped here (more than ${maxPendingLines} in ${flushMs} ms); \`docker logs <container>\` has them all.`);
      this.skipped = 0;
    }
    if (this.pending.length === 0) return;
    const text = `${this.pending.join('\n')}\n`;
    this.pending = [];
    this.open().append(text);
  }
}
