import * as vscode from 'vscode';
import { FlError } from '../../core/errors';
import type { MlflowCatalog } from '../../core/metrics/mlflow-series';
import type { Logger } from '../../core/ports';
import type { RunStore } from '../../core/runs/run-store';
import { panelStateSchema, parseMessage, type PanelSource } from '../../protocol/metrics-protocol';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { parseNodeArg } from '../simulation/node-args';
import { MetricsPanel, metricsViewType } from './metrics-panel';
import { panelKey, sourceKey, type MlflowAccess } from './metrics-sources';

/**
 * The metrics panels of this window (one per run or compared set; opening the same again reveals it),
 * their restore after a reload, and the commands: Open Metrics (palette, a run in the Runs view, the
 * status bar while a run is active), Compare Runs, Open MLflow Experiment, Set MLflow Token.
 */

export type MlflowReaderFactory = (target: { readonly url: string; readonly token?: string }) => MlflowCatalog;

export interface MetricsDeps {
  readonly store: RunStore;
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
  readonly secrets: vscode.SecretStorage;
  readonly mlflowReader: MlflowReaderFactory;
}

export function mlflowTokenKey(url: string): string {
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // Not a URL: the reader reports it; the key is only for looking up a token.
  }
  return `flops.mlflow.token:${origin}`;
}

export class MetricsPanels implements vscode.Disposable {
  private readonly panels = new Map<string, MetricsPanel>();
  readonly mlflow: MlflowAccess;

  constructor(private readonly deps: MetricsDeps) {
    this.mlflow = {
      reader: async (url) => {
        const token = await deps.secrets.get(mlflowTokenKey(url));
        return deps.mlflowReader({ url, ...(token !== undefined && token !== '' ? { token } : {}) });
      },
    };
  }

  /** Opens (or reveals) the panel of these sources. */
  open(sources: readonly PanelSource[]): MetricsPanel {
    const key = panelKey(sources);
    const known = this.panels.get(key);
    if (known !== undefined) {
      known.reveal();
      return known;
    }
    const panel = vscode.window.createWebviewPanel(metricsViewType, 'FLOps Metrics', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.deps.extensionUri, 'dist', 'webview')] });
    return this.track(new MetricsPanel(panel, sources, this.panelDeps()));
  }

  /** A panel VS Code restored after a reload, with the state the page saved (parsed: it is input). */
  restore(panel: vscode.WebviewPanel, state: unknown): void {
    const parsed = parseMessage(panelStateSchema, state);
    if (!parsed.ok) {
      this.deps.logger.warn(`[metrics] a restored panel had no usable state (${parsed.problem}); closing it`);
      panel.dispose();
      return;
    }
    this.track(new MetricsPanel(panel, parsed.message.sources, this.panelDeps()));
  }

  /** The open panels (for tests). */
  list(): MetricsPanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
  }

  private panelDeps() {
    return { store: this.deps.store, mlflow: this.mlflow, logger: this.deps.logger, extensionUri: this.deps.extensionUri, compare: (sources: readonly PanelSource[]) => this.compareWith(sources) };
  }

  private track(panel: MetricsPanel): MetricsPanel {
    this.panels.set(panel.key, panel);
    panel.onDidDispose(() => this.panels.delete(panel.key));
    return panel;
  }

  /** Every local run the store knows, live runs first, for a quick pick. */
  runItems(exclude: readonly PanelSource[] = []): (vscode.QuickPickItem & { source: PanelSource })[] {
    const skip = new Set(exclude.map(sourceKey));
    const items: (vscode.QuickPickItem & { source: PanelSource })[] = [];
    for (const run of this.deps.store.activeRuns()) {
      items.push({ label: `$(pulse) ${run.runId}`, description: `${this.repoName(run.repo)} · running · round ${run.view.currentRound}/${run.view.rounds}`, source: { kind: 'local', repo: run.repo, runId: run.runId } });
    }
    for (const repo of this.deps.store.repoList()) {
      for (const record of repo.history) {
        if (items.some((i) => i.source.kind === 'local' && i.source.runId === record.runId)) continue;
        const accuracy = record.rounds.at(-1)?.evaluate?.['accuracy'];
        items.push({
          label: record.runId,
          description: `${repo.name} · ${record.outcome ?? 'running'} · ${record.rounds.length}/${record.config.rounds} rounds · ${record.config.strategy}${typeof accuracy === 'number' ? ` · accuracy ${accuracy.toFixed(3)}` : ''}`,
          detail: new Date(record.startedAt).toLocaleString(),
          source: { kind: 'local', repo: repo.path, runId: record.runId },
        });
      }
    }
    return items.filter((i) => !skip.has(sourceKey(i.source)));
  }

  private repoName(path: string): string {
    return this.deps.store.repoList().find((r) => r.path === path)?.name ?? path;
  }

  /** Asks for the runs to overlay on `base` (and MLflow runs), then opens the compare panel. */
  async compareWith(base: readonly PanelSource[]): Promise<void> {
    const mlflowItem = { label: '$(cloud) An MLflow run…', description: 'pick an experiment and a run from the MLflow server', source: undefined };
    const picked = await vscode.window.showQuickPick([...this.runItems(base), mlflowItem], { canPickMany: true, title: base.length > 0 ? 'Compare with which runs?' : 'Compare which runs? (two or more)', matchOnDescription: true });
    if (picked === undefined) throw new FlError('cancelled', 'Compare cancelled.');
    const sources = [...base, ...picked.flatMap((p) => (p.source !== undefined ? [p.source] : []))];
    if (picked.some((p) => p.source === undefined)) sources.push(await this.pickMlflowRun());
    if (sources.length < 2) throw new FlError('invalidInput', 'Pick at least two runs to compare (or one besides the run the panel shows).');
    this.open(sources);
  }

  /** Asks for an MLflow experiment and run of `server` (default: the configured one). */
  async pickMlflowRun(server?: string): Promise<PanelSource & { kind: 'mlflow' }> {
    const url = server ?? (await mlflowUrl());
    const reader = await this.mlflow.reader(url);
    const experiments = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading MLflow experiments from ${url}`, cancellable: true }, (_p, token) => reader.experiments(abortOn(token)));
    if (experiments.length === 0) throw new FlError('notFound', `MLflow at ${url} has no experiments yet.`);
    const experiment = await vscode.window.showQuickPick(experiments.map((e) => ({ label: e.name, description: `id ${e.id}`, id: e.id })), { title: 'MLflow experiment' });
    if (experiment === undefined) throw new FlError('cancelled', 'Cancelled.');
    const runs = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading the runs of "${experiment.label}"`, cancellable: true }, (_p, token) => reader.runs(experiment.id, abortOn(token)));
    const whole = { label: '$(list-flat) The whole experiment', description: 'FLOps add-on experiments keep one run per round', run: undefined };
    const choice = await vscode.window.showQuickPick([...(/^FLOps Project\b/i.test(experiment.label) ? [whole] : []), ...runs.filter((r) => r.tags['fl.role'] !== 'client').map((r) => ({ label: r.name, description: `${r.status} · ${new Date(r.startTime).toLocaleString()}`, run: r.id }))], { title: 'MLflow run' });
    if (choice === undefined) throw new FlError('cancelled', 'Cancelled.');
    return { kind: 'mlflow', url, experiment: experiment.label, ...(choice.run !== undefined ? { run: choice.run } : {}) };
  }
}

function abortOn(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

/** The MLflow URL setting, or one asked for (and offered to be saved for this workspace). */
async function mlflowUrl(): Promise<string> {
  const config = vscode.workspace.getConfiguration('flops');
  const configured = config.get<string>('metrics.mlflowUrl', '').trim();
  if (configured !== '') return configured;
  const typed = await vscode.window.showInputBox({
    title: 'MLflow tracking server',
    prompt: 'The tracking server URL (saved as flops.metrics.mlflowUrl for this workspace)',
    placeHolder: 'http://127.0.0.1:5000',
    validateInput: (value) => (/^https?:\/\/[^\s/]+/.test(value.trim()) ? undefined : 'An http:// or https:// URL, such as http://127.0.0.1:5000'),
  });
  if (typed === undefined) throw new FlError('cancelled', 'Cancelled.');
  await config.update('metrics.mlflowUrl', typed.trim(), vscode.ConfigurationTarget.Workspace);
  return typed.trim();
}

/** The commands of the metrics panel. */
export function metricsCommands(panels: MetricsPanels, store: RunStore, secrets: vscode.SecretStorage): CommandSpec[] {
  return [
    {
      id: commandIds.metricsOpen,
      run: async (arg?: unknown) => {
        const node = parseNodeArg(arg);
        if (node !== undefined && node.kind !== 'repo') return panels.open([{ kind: 'local', repo: node.repo, runId: node.runId }]);
        const repo = node?.kind === 'repo' ? node.repo : undefined;
        const live = store.activeRuns().filter((r) => repo === undefined || r.repo === repo);
        if (live.length === 1 && live[0] !== undefined) return panels.open([{ kind: 'local', repo: live[0].repo, runId: live[0].runId }]);
        const items = panels.runItems().filter((i) => repo === undefined || (i.source.kind === 'local' && i.source.repo === repo));
        if (items.length === 0) throw new FlError('invalidInput', 'No runs yet: start a local simulation ("FLOps: Start Local Simulation"), or open an MLflow experiment ("FLOps: Open MLflow Experiment").');
        const picked = await vscode.window.showQuickPick(items, { title: 'Open the metrics of which run?', matchOnDescription: true });
        if (picked === undefined) throw new FlError('cancelled', 'Cancelled.');
        return panels.open([picked.source]);
      },
    },
    { id: commandIds.metricsCompare, run: () => panels.compareWith([]) },
    {
      id: commandIds.metricsOpenMlflow,
      // From an Oakestra deployment node of a FLOps add-on project: the tracking server FLOps gave.
      run: async (arg?: unknown) => {
        const trackingUrl = (arg as { ref?: { trackingUrl?: unknown } } | undefined)?.ref?.trackingUrl;
        return panels.open([await panels.pickMlflowRun(typeof trackingUrl === 'string' ? trackingUrl : undefined)]);
      },
    },
    {
      id: commandIds.metricsSetMlflowToken,
      run: async () => {
        const url = await mlflowUrl();
        const token = await vscode.window.showInputBox({ title: `MLflow token for ${new URL(url).origin}`, prompt: 'Sent as "Authorization: Bearer <token>"; kept in VS Code\'s secret storage. Leave empty to remove it.', password: true, ignoreFocusOut: true });
        if (token === undefined) throw new FlError('cancelled', 'Cancelled.');
        if (token === '') await secrets.delete(mlflowTokenKey(url));
        else await secrets.store(mlflowTokenKey(url), token);
        void vscode.window.showInformationMessage(token === '' ? `Removed the MLflow token for ${url}.` : `Saved the MLflow token for ${url} in secret storage.`);
      },
    },
  ];
}
