import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { FlError, messageOf } from '../../core/errors';
import type { Logger } from '../../core/ports';
import type { RunSeries } from '../../core/metrics/run-series';
import type { RunStore, RunStoreChange } from '../../core/runs/run-store';
import { parseMessage, toExtensionSchema, toWebviewSchema, type PanelSource, type ToExtension, type ToWebview } from '../../protocol/metrics-protocol';
import { DisposableStore } from '../disposables';
export { metricsViewType } from '../command-ids';
import { exportCsv, copyMarkdown, savePng } from './metrics-exports';
import { loadSource, localSeries, panelKey, sourceKey, type MlflowAccess } from './metrics-sources';
import { deltaMessage, snapshotMessage } from './panel-messages';

/**
 * One metrics panel: a webview showing one run, or several overlaid (compare). The page asks with
 * `ready`; the panel answers with a snapshot of every source, then sends deltas as local rounds finish
 * (straight from the run store's change, no timer, so a round reaches the page within a frame of its
 * log line) and polls MLflow sources that are still RUNNING (2 s, backing off to 30 s while nothing
 * changes or the server fails). A hidden panel receives nothing and polls nothing; when it is shown
 * again it gets a fresh snapshot.
 */


const pollFirstMs = 2000;
const pollMaxMs = 30_000;

/** Events of a local run that change what the panel shows (resource samples do not). */
const liveEvents = new Set(['roundFinished', 'runFinished', 'learnerFailed', 'memberState', 'imageBuildStarted', 'imageReady', 'runPlanned']);

export interface MetricsPanelDeps {
  readonly store: RunStore;
  readonly mlflow: MlflowAccess;
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
  /** Asks the user which runs to compare with this panel's; opens the compare panel itself. */
  readonly compare: (sources: readonly PanelSource[]) => Promise<void>;
}

function nonce(): string {
  return randomBytes(18).toString('base64url');
}

export function metricsHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'metrics.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'metrics-style.css'));
  const n = nonce();
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource}`, `font-src ${webview.cspSource}`, `script-src 'nonce-${n}'`].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style.toString()}">
<title>FLOps Metrics</title>
</head>
<body>
<div id="app"></div>
<script nonce="${n}" src="${script.toString()}"></script>
</body>
</html>`;
}

export class MetricsPanel implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private seq = 0;
  private series = new Map<string, RunSeries>();
  private running = new Set<string>();
  private stale = false;
  private loading: AbortController | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private pollDelay = pollFirstMs;
  private ready = false;
  private disposed = false;
  private readonly onDisposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.onDisposeEmitter.event;
  private readonly postEmitter = new vscode.EventEmitter<ToWebview>();
  /** Every message sent to the page (the extension-host tests follow the flow with it). */
  readonly onDidPost = this.postEmitter.event;
  private readonly receiveEmitter = new vscode.EventEmitter<ToExtension>();
  /** Every valid message the page sent. */
  readonly onDidReceive = this.receiveEmitter.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly sources: readonly PanelSource[],
    private readonly deps: MetricsPanelDeps,
  ) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(deps.extensionUri, 'dist', 'webview')] };
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'flops.svg');
    panel.webview.html = metricsHtml(panel.webview, deps.extensionUri);
    this.store.add(panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)));
    this.store.add(panel.onDidChangeViewState(() => this.visibilityChanged()));
    this.store.add(panel.onDidDispose(() => this.dispose()));
    this.store.add({ dispose: deps.store.subscribe((change) => this.storeChanged(change)) });
    this.store.add(this.onDisposeEmitter);
    this.store.add(this.postEmitter);
    this.store.add(this.receiveEmitter);
  }

  get key(): string {
    return panelKey(this.sources);
  }

  /** The series the panel shows now (for exports and tests). */
  shown(): RunSeries[] {
    return this.sources.map((s) => this.series.get(sourceKey(s))).filter((s): s is RunSeries => s !== undefined);
  }

  reveal(): void {
    this.panel.reveal();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loading?.abort();
    clearTimeout(this.pollTimer);
    this.onDisposeEmitter.fire();
    this.store.dispose();
    this.panel.dispose();
  }

  private post(message: ToWebview): void {
    if (this.disposed) return;
    // Checked here too: the page drops what it cannot read, so a bad message would be a silent gap.
    const checked = parseMessage(toWebviewSchema, message);
    if (!checked.ok) {
      this.deps.logger.error(`[metrics] not sent to the panel, invalid ${message.type}: ${checked.problem}`);
      return;
    }
    void this.panel.webview.postMessage(checked.message);
    this.postEmitter.fire(checked.message);
  }

  private async receive(raw: unknown): Promise<void> {
    const parsed = parseMessage(toExtensionSchema, raw);
    if (!parsed.ok) {
      this.deps.logger.warn(`[metrics] dropped a message from the panel: ${parsed.problem}`);
      return;
    }
    const message: ToExtension = parsed.message;
    this.receiveEmitter.fire(message);
    try {
      switch (message.type) {
        case 'ready':
          this.ready = true;
          await this.snapshot();
          return;
        case 'retry':
          await this.snapshot();
          return;
        case 'exportCsv':
          await exportCsv(this.shown(), this.defaultFolder());
          return;
        case 'copyMarkdown':
          await copyMarkdown(this.shown());
          return;
        case 'savePng':
          await savePng(message.name, message.dataUrl, this.defaultFolder());
          return;
        case 'compare':
          await this.deps.compare(this.sources);
          return;
        case 'problem':
          this.deps.logger.warn(`[metrics] ${message.text}`);
          return;
      }
    } catch (error) {
      if (error instanceof FlError && error.kind === 'cancelled') return;
      this.deps.logger.error(`[metrics] ${message.type} failed: ${messageOf(error)}`);
      void vscode.window.showErrorMessage(`FLOps Metrics: ${messageOf(error)}`);
    }
  }

  private defaultFolder(): vscode.Uri | undefined {
    const local = this.sources.find((s) => s.kind === 'local');
    return local !== undefined ? vscode.Uri.file(local.repo) : vscode.workspace.workspaceFolders?.[0]?.uri;
  }

  /** Loads every source and sends the whole state; errors become the panel's error state. */
  private async snapshot(): Promise<void> {
    this.loading?.abort();
    const controller = new AbortController();
    this.loading = controller;
    this.stale = false;
    clearTimeout(this.pollTimer);
    this.post({ type: 'loading', text: this.sources.some((s) => s.kind === 'mlflow') ? 'Reading the run from MLflow…' : 'Reading the run…' });
    let loaded;
    try {
      loaded = await Promise.all(this.sources.map((source) => loadSource(source, this.deps.store, this.deps.mlflow, controller.signal)));
    } catch (error) {
      if (controller.signal.aborted) return;
      const cancelled = error instanceof FlError && error.kind === 'cancelled';
      if (cancelled) return;
      this.deps.logger.warn(`[metrics] ${this.key}: ${messageOf(error)}`);
      this.post({ type: 'error', title: error instanceof FlError && error.kind === 'notFound' ? 'Run not found' : 'The metrics could not be read', text: messageOf(error), retry: true });
      if (this.sources.some((s) => s.kind === 'mlflow')) this.schedulePoll(true);
      return;
    }
    if (controller.signal.aborted) return;
    this.series = new Map(loaded.map((l, i) => [sourceKey(this.sources[i] as PanelSource), l.series]));
    this.running = new Set(loaded.flatMap((l, i) => (l.running ? [sourceKey(this.sources[i] as PanelSource)] : [])));
    const runs = loaded.map((l) => l.series);
    this.panel.title = runs.length === 1 ? `Metrics: ${runs[0]?.run.label ?? ''}` : `Compare ${runs.length} runs`;
    this.post(snapshotMessage(++this.seq, runs, this.sources));
    this.schedulePoll(false);
  }

  private visibilityChanged(): void {
    if (!this.panel.visible) {
      clearTimeout(this.pollTimer);
      return;
    }
    if (this.ready && this.stale) void this.snapshot();
    else this.schedulePoll(false);
  }

  /** A local run changed: send its new rounds (or note that the hidden panel must catch up). */
  private storeChanged(change: RunStoreChange): void {
    if (!this.ready || this.disposed) return;
    const source = this.sources.find((s) => s.kind === 'local' && ((change.kind === 'run' && s.runId === change.runId) || (change.kind === 'repo' && s.repo === change.repo)));
    if (source?.kind !== 'local') return;
    if (change.kind === 'run' && change.event !== undefined && !liveEvents.has(change.event.type)) return;
    if (!this.panel.visible) {
      this.stale = true;
      return;
    }
    const key = sourceKey(source);
    const before = this.series.get(key);
    const now = localSeries(this.deps.store, source);
    if (now === undefined || before === undefined) {
      if (change.kind === 'repo') void this.snapshot();
      return;
    }
    const delta = deltaMessage(this.seq + 1, before, now.series);
    this.series.set(key, now.series);
    if (now.running) this.running.add(key);
    else this.running.delete(key);
    if (delta === undefined) return;
    this.seq = delta.seq;
    this.post(delta);
  }

  /** Polls the MLflow sources that are still RUNNING, while the panel is visible. */
  private schedulePoll(failed: boolean): void {
    clearTimeout(this.pollTimer);
    const mlflow = this.sources.filter((s) => s.kind === 'mlflow' && (failed || this.running.has(sourceKey(s))));
    if (this.disposed || mlflow.length === 0 || !this.panel.visible) return;
    this.pollDelay = failed ? Math.min(pollMaxMs, this.pollDelay * 2) : this.pollDelay;
    this.pollTimer = setTimeout(() => void this.poll(mlflow), this.pollDelay);
  }

  private async poll(sources: readonly PanelSource[]): Promise<void> {
    if (failedBefore(this)) {
      await this.snapshot();
      return;
    }
    const controller = new AbortController();
    this.loading = controller;
    let changed = false;
    try {
      for (const source of sources) {
        const key = sourceKey(source);
        const before = this.series.get(key);
        const now = await loadSource(source, this.deps.store, this.deps.mlflow, controller.signal);
        if (controller.signal.aborted || before === undefined) return;
        this.series.set(key, now.series);
        if (!now.running) this.running.delete(key);
        const delta = deltaMessage(this.seq + 1, before, now.series);
        if (delta !== undefined) {
          changed = true;
          this.seq = delta.seq;
          this.post(delta);
        }
      }
      this.pollDelay = changed ? pollFirstMs : Math.min(pollMaxMs, Math.round(this.pollDelay * 1.5));
      this.post({ type: 'notice', text: '' });
      this.schedulePoll(false);
    } catch (error) {
      if (controller.signal.aborted) return;
      this.post({ type: 'notice', text: `MLflow could not be polled (${messageOf(error)}); retrying in ${Math.round(Math.min(pollMaxMs, this.pollDelay * 2) / 1000)} s.` });
      this.schedulePoll(true);
    }
  }
}

/** Whether the last snapshot failed (the page shows the error state), so a poll must load everything. */
function failedBefore(panel: MetricsPanel): boolean {
  return panel.shown().length < panel.sources.length;
}
