import * as vscode from 'vscode';
import { FlError } from '../../core/errors';
import type { Clock, Logger } from '../../core/ports';
import { LocalRuns, type LearnerAction, type StartOptions, type StartResult } from '../../core/runs/local-runs';
import { RunStore } from '../../core/runs/run-store';
import { latestMetric, type RunView } from '../../core/runs/run-view';
import type { SimulationLauncher } from '../../core/simulate/launcher';
import type { SimulationSession } from '../../core/simulate/session';
import { contextKeys, setContextKey } from '../context-keys';
import { DisposableStore } from '../disposables';
import { LogDocuments } from './log-documents';
import { SimulationLog } from './simulation-log';

export type { LearnerAction, StartOptions, StartResult } from '../../core/runs/local-runs';

export interface SimulationControllerDeps {
  readonly logger: Logger;
  /**
   * The local simulation (core/simulate/local-simulation.ts over io's ports, wired by the editor's
   * composition root). While it is not wired in, starting a run says the simulation is unavailable
   * and there is no history to show.
   */
  readonly simulationLauncher?: SimulationLauncher | undefined;
  /** ML repositories the linter found (their history is loaded as they are found). */
  readonly roots: () => readonly vscode.Uri[];
  /** Fires with a repository root whenever the linter has linted it. */
  readonly onDidFindRepo?: vscode.Event<vscode.Uri>;
  readonly clock: Clock;
}

const markerFiles = ['flops.json', 'model_manager.py'];

/**
 * The VS Code side of the local runs (core/runs/local-runs.ts) and their store (core/runs/run-store.ts):
 * repositories found in the workspace, the "FLOps Simulation" output channel and the member log
 * documents, the outcome notifications and the `flops.simulationRunning` context key. The tree and the
 * status bar read `store`. Disposing it stops every active run; `shutdown()` also waits (bounded) for
 * their containers to be removed.
 */
export class SimulationController implements vscode.Disposable {
  readonly store = new RunStore();
  private readonly disposables = new DisposableStore();
  private readonly runs: LocalRuns | undefined;
  private readonly changed = this.disposables.add(new vscode.EventEmitter<void>());
  private readonly finished = this.disposables.add(new vscode.EventEmitter<RunView>());
  private readonly log = this.disposables.add(new SimulationLog());
  private readonly logDocuments = this.disposables.add(new LogDocuments((runId) => this.sessionOf(runId)));
  private running = false;
  private disposed = false;

  /** Any change to what the monitor shows; fires in bursts (listeners coalesce). */
  readonly onDidChange = this.changed.event;
  /** A run of this window ended (with its final view). */
  readonly onDidFinish = this.finished.event;

  constructor(private readonly deps: SimulationControllerDeps) {
    const launcher = deps.simulationLauncher;
    this.runs =
      launcher === undefined
        ? undefined
        : new LocalRuns({
            launcher,
            store: this.store,
            logger: deps.logger,
            clock: deps.clock,
            onLog: (runId, service, line) => this.onLog(runId, service, line),
            onNote: (text) => {
              if (!this.disposed) this.log.note(text);
            },
            onFinished: (runId, view, error) => this.onFinished(runId, view, error),
          });
    const unsubscribe = this.store.subscribe((change) => {
      if (this.disposed) return;
      if (change.kind === 'run') this.updateRunning();
      this.changed.fire();
    });
    this.disposables.add({ dispose: unsubscribe });
    this.disposables.add(vscode.workspace.registerTextDocumentContentProvider(LogDocuments.scheme, this.logDocuments));
    if (deps.onDidFindRepo !== undefined) {
      this.disposables.add(
        deps.onDidFindRepo((root) => {
          if (!this.store.hasRepo(root.fsPath)) void this.loadHistory(root);
        }),
      );
    }
    this.disposables.add(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const folder of e.removed) this.forgetUnder(folder.uri);
        void this.discover(e.added.map((f) => f.uri));
      }),
    );
  }

  /** Whether the simulation can run at all in this build (see SimulationControllerDeps). */
  get available(): boolean {
    return this.runs !== undefined;
  }

  /** Loads the history of the workspace folders that are ML repositories and of the linted ones. */
  async initialize(): Promise<void> {
    await this.discover((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri));
  }

  /** Finds the repositories again and reloads every history (the Refresh button). */
  async refresh(): Promise<void> {
    await Promise.all(this.store.repoList().map((repo) => this.loadHistory(vscode.Uri.file(repo.path))));
    await this.discover((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri));
  }

  /** Active runs, in the order they started. */
  activeRuns(): { readonly repo: vscode.Uri; readonly runId: string; readonly view: RunView }[] {
    return this.store.activeRuns().map((r) => ({ repo: vscode.Uri.file(r.repo), runId: r.runId, view: r.view }));
  }

  /** Whether a run of the repository is active or being prepared. */
  isActive(root: vscode.Uri): boolean {
    return this.runs?.isActive(root.fsPath) === true;
  }

  /** The session of a run of this window (active, or the last finished one of its repository). */
  sessionOf(runId: string): SimulationSession | undefined {
    return this.runs?.sessionOf(runId);
  }

  /** Where the run's generated files are, relative to its repository (`.flops` unless the plan says otherwise). */
  generatedFolderOf(runId: string): string {
    const dockerfile = this.sessionOf(runId)?.plan.image.dockerfile;
    const slash = dockerfile?.lastIndexOf('/') ?? -1;
    return dockerfile !== undefined && slash > 0 ? dockerfile.slice(0, slash) : '.flops';
  }

  /** Repositories with runs or history, for pickers. */
  knownRepos(): vscode.Uri[] {
    const repos = new Map<string, vscode.Uri>();
    for (const root of this.deps.roots()) repos.set(root.fsPath, root);
    for (const repo of this.store.repoList()) if (!repos.has(repo.path)) repos.set(repo.path, vscode.Uri.file(repo.path));
    return [...repos.values()];
  }

  /** Starts a run of the repository (LocalRuns.start): resolves once its learners run or it ended. */
  async start(root: vscode.Uri, options: StartOptions, signal: AbortSignal, report: (message: string) => void): Promise<StartResult> {
    if (this.runs === undefined) {
      throw new FlError('invalidInput', 'FLOps: the local simulation is unavailable in this build of the extension (no simulation launcher is wired in).');
    }
    return this.runs.start(root.fsPath, repoName(root), options, signal, report);
  }

  /** Stops an active run; resolves once its containers are removed. Unknown or finished runs are left alone. */
  async stop(runId: string): Promise<void> {
    await this.runs?.stop(runId);
  }

  /** Pauses, resumes, kills or restarts a learner of an active run (what an edge device might do). */
  async learnerAction(runId: string, learner: number, action: LearnerAction): Promise<void> {
    if (this.runs === undefined) throw new FlError('invalidInput', `FLOps: run ${runId} has finished; its containers are gone.`);
    await this.runs.learnerAction(runId, learner, action);
  }

  /** Shows the "FLOps Simulation" output channel. */
  showOutput(): void {
    this.log.show();
  }

  /** Opens the tail of one member's log as a read-only document that follows new lines. */
  async showMemberLog(runId: string, service: string): Promise<void> {
    this.log.flushNow();
    await vscode.window.showTextDocument(LogDocuments.uri(runId, service), { preview: true });
  }

  /** Stops every active run and waits (at most 10 s) until their containers are removed: VS Code is closing. */
  async shutdown(): Promise<void> {
    await this.runs?.shutdown();
  }

  /** Stops every active run (without waiting: dispose cannot; deactivate calls `shutdown` first). */
  dispose(): void {
    if (this.disposed) return;
    this.runs?.dispose();
    this.disposed = true;
    this.disposables.dispose();
  }

  private onLog(runId: string | undefined, service: string, line: string): void {
    if (this.disposed) return;
    // Several runs at once (different repositories) interleave; their lines then name the run.
    const prefix = runId !== undefined && this.store.activeRuns().length > 1 ? `${runId} ${service}` : service;
    this.log.line(prefix, line);
    if (runId !== undefined) this.logDocuments.lineArrived(runId, service);
  }

  private onFinished(runId: string, view: RunView, error: unknown): void {
    if (this.disposed) return;
    this.logDocuments.runEnded(runId);
    this.presentOutcome(runId, view, error);
    this.finished.fire(view);
  }

  private presentOutcome(runId: string, view: RunView, error: unknown): void {
    const showLogs = (choice: string | undefined): void => {
      if (choice === 'Show Logs') this.log.show();
    };
    if (error !== undefined || view.outcome === 'failed') {
      const message = error instanceof Error ? error.message : (view.message ?? 'see its log');
      void vscode.window.showErrorMessage(`FLOps: the simulation ${runId} failed: ${message}`, 'Show Logs').then(showLogs);
      return;
    }
    if (view.outcome !== 'succeeded') return; // stopped or cancelled: the user's own doing
    const accuracy = latestMetric(view, 'accuracy');
    const loss = latestMetric(view, 'loss');
    const metric = accuracy !== undefined ? `; final accuracy ${accuracy.toFixed(3)}` : loss !== undefined ? `; final loss ${loss.toFixed(3)}` : '';
    void vscode.window.showInformationMessage(`FLOps: the simulation ${runId} finished ${view.currentRound} of ${view.rounds} rounds${metric}.`, 'Show Logs').then(showLogs);
  }

  /** The context key after a run started or ended. */
  private updateRunning(): void {
    const running = this.store.activeRuns().length > 0;
    if (running === this.running) return;
    this.running = running;
    void setContextKey(contextKeys.simulationRunning, running).then(undefined, (error: unknown) => this.deps.logger.warn(`[simulate] could not set ${contextKeys.simulationRunning}: ${String(error)}`));
  }

  /** Loads the history of the given folders that are ML repositories, and of the linted repositories not loaded yet. */
  private async discover(folders: readonly vscode.Uri[]): Promise<void> {
    const candidates = await Promise.all(folders.map(async (folder) => ((await hasMarker(folder)) ? folder : undefined)));
    const roots = [...candidates.filter((c) => c !== undefined), ...this.deps.roots()].filter((root) => !this.store.hasRepo(root.fsPath));
    const unique = new Map(roots.map((r) => [r.fsPath, r]));
    await Promise.all([...unique.values()].map((root) => this.loadHistory(root)));
  }

  private async loadHistory(root: vscode.Uri): Promise<void> {
    if (this.disposed) return;
    await this.runs?.loadHistory(root.fsPath, repoName(root));
  }

  /** A workspace folder was removed: its repositories leave the monitor, unless a run of theirs is active. */
  private forgetUnder(folder: vscode.Uri): void {
    const prefix = folder.fsPath;
    this.store.forgetRepos((path) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}\\`));
  }
}

/** The name the monitor shows: the workspace folder's name, or the path relative to the workspace. */
function repoName(repo: vscode.Uri): string {
  const folder = vscode.workspace.getWorkspaceFolder(repo);
  if (folder !== undefined && folder.uri.toString() === repo.toString()) return folder.name;
  return vscode.workspace.asRelativePath(repo, true);
}

async function hasMarker(folder: vscode.Uri): Promise<boolean> {
  for (const name of markerFiles) {
    try {
      await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, name));
      return true;
    } catch {
      // stat rejects with FileNotFound when the marker is not there; try the next one.
    }
  }
  return false;
}
