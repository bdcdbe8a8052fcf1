import * as vscode from 'vscode';
import { asError, FlError, messageOf } from '../../core/errors';
import type { Finding } from '../../core/lint/finding';
import type { Logger } from '../../core/ports';
import type { RunEvent } from '../../core/simulate/events';
import type { RunRecord } from '../../core/simulate/history';
import type { SimulationLauncher } from '../../core/simulate/launcher';
import type { MonitorInput, MonitorRepo } from '../../core/simulate/monitor-model';
import { latestMetric, type RunView } from '../../core/simulate/run-view';
import type { SimulationSession } from '../../core/simulate/session';
import { contextKeys, setContextKey } from '../context-keys';
import { DisposableStore } from '../disposables';
import { LogDocuments } from './log-documents';
import { SimulationLog } from './simulation-log';

export interface SimulationControllerDeps {
  readonly logger: Logger;
  /**
   * The local simulation (io/local-simulation.ts, injected by features.ts). While it is not wired in,
   * starting a run says the simulation is unavailable and there is no history to show.
   */
  readonly simulationLauncher?: SimulationLauncher | undefined;
  /** ML repositories the linter found (their history is loaded as they are found). */
  readonly roots: () => readonly vscode.Uri[];
  /** Fires with a repository root whenever the linter has linted it. */
  readonly onDidFindRepo?: vscode.Event<vscode.Uri>;
  readonly now?: () => number;
}

export interface StartOptions {
  readonly learners?: number | undefined;
  readonly rounds?: number | undefined;
  /** Simulate although lint reports errors. */
  readonly force?: boolean | undefined;
}

export type StartResult =
  | { readonly kind: 'lintErrors'; readonly errors: readonly Finding[] }
  | { readonly kind: 'invalid'; readonly message: string }
  /** The learners run; the run goes on as a session in the tree and the status bar. */
  | { readonly kind: 'started'; readonly runId: string; readonly keptEdited: readonly string[] }
  /** The run ended before its learners ran (a failed build, a stop, a cancel); already reported. */
  | { readonly kind: 'ended'; readonly runId: string; readonly view: RunView };

export type LearnerAction = 'pause' | 'resume' | 'kill' | 'restart';

/** A run of this window: active, or the last one that finished in its repository. */
interface RunEntry {
  readonly repo: vscode.Uri;
  readonly runId: string;
  readonly session: SimulationSession;
  /** Owns what lives as long as the run is active (listeners linking it to the start command). */
  readonly store: DisposableStore;
  /** Aborting it cancels the run (the start command's Cancel button); `session.stop()` stops it. */
  readonly abort: AbortController;
  view: RunView;
  active: boolean;
  stopping: boolean;
  /** Settles when `session.run()` has settled, i.e. the run's containers are gone. */
  done: Promise<void>;
  /** Set while the start command waits for the learners to run. */
  starting: { readonly report: (message: string) => void; readonly resolve: () => void; readonly reject: (error: unknown) => void } | undefined;
}

interface HistorySlot {
  readonly repo: vscode.Uri;
  records: readonly RunRecord[];
  error: string | undefined;
  /** Which load is current, so a slow earlier load cannot overwrite a later one. */
  generation: number;
}

/** How long closing VS Code waits for active runs to remove their containers. */
const shutdownWaitMs = 10_000;
const markerFiles = ['flops.json', 'model_manager.py'];

/**
 * Owns the local simulations started from this window (at most one per repository folder) and what
 * the run monitor shows: the active run or the last finished one of each repository, and each
 * repository's run history. The tree and the status bar listen to `onDidChange`, which fires from the
 * sessions' events (no polling). Every container line goes to the "FLOps Simulation" output channel,
 * and one member's tail can be opened as a read-only document. Disposing it stops every active run;
 * `shutdown()` also waits (bounded) for their containers to be removed.
 */
export class SimulationController implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly entries = new Map<string, RunEntry>();
  /** Repositories whose `prepare` is under way (a second start must not race it). */
  private readonly preparing = new Set<string>();
  private readonly history = new Map<string, HistorySlot>();
  private readonly lifetime = new AbortController();
  private readonly changed = this.store.add(new vscode.EventEmitter<void>());
  private readonly finished = this.store.add(new vscode.EventEmitter<RunView>());
  private readonly log = this.store.add(new SimulationLog());
  private readonly logDocuments = this.store.add(new LogDocuments((runId) => this.sessionOf(runId)));
  private running = false;
  private disposed = false;
  private loads = 0;

  /** Any change to what the monitor shows; fires in bursts (listeners coalesce). */
  readonly onDidChange = this.changed.event;
  /** A run of this window ended (with its final view). */
  readonly onDidFinish = this.finished.event;

  constructor(private readonly deps: SimulationControllerDeps) {
    this.store.add(vscode.workspace.registerTextDocumentContentProvider(LogDocuments.scheme, this.logDocuments));
    if (deps.onDidFindRepo !== undefined) {
      this.store.add(
        deps.onDidFindRepo((root) => {
          if (!this.history.has(root.toString())) void this.loadHistory(root);
        }),
      );
    }
    this.store.add(
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const folder of e.removed) this.forgetUnder(folder.uri);
        void this.discover(e.added.map((f) => f.uri));
      }),
    );
  }

  /** Whether the simulation can run at all in this build (see SimulationControllerDeps). */
  get available(): boolean {
    return this.deps.simulationLauncher !== undefined;
  }

  /** Loads the history of the workspace folders that are ML repositories and of the linted ones. */
  async initialize(): Promise<void> {
    await this.discover((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri));
  }

  /** Finds the repositories again and reloads every history (the Refresh button). */
  async refresh(): Promise<void> {
    const known = [...this.history.values()].map((s) => s.repo);
    await Promise.all(known.map((root) => this.loadHistory(root)));
    await this.discover((vscode.workspace.workspaceFolders ?? []).map((f) => f.uri));
  }

  /** What the run monitor shows (monitor-model.ts turns it into nodes). */
  monitorInput(): MonitorInput {
    const repos = new Map<string, vscode.Uri>();
    for (const [key, slot] of this.history) repos.set(key, slot.repo);
    for (const [key, entry] of this.entries) repos.set(key, entry.repo);
    const result: MonitorRepo[] = [...repos].map(([key, repo]) => {
      const entry = this.entries.get(key);
      const slot = this.history.get(key);
      return {
        path: repo.fsPath,
        name: repoName(repo),
        ...(entry !== undefined ? { live: { view: entry.view, active: entry.active, stopping: entry.stopping } } : {}),
        history: slot?.records ?? [],
        ...(slot?.error !== undefined ? { historyError: slot.error } : {}),
      };
    });
    return { repos: result.sort((a, b) => a.name.localeCompare(b.name)), now: this.now() };
  }

  /** Active runs, in the order they started. */
  activeRuns(): { readonly repo: vscode.Uri; readonly runId: string; readonly view: RunView }[] {
    return [...this.entries.values()].filter((e) => e.active).sort((a, b) => a.view.startedAt - b.view.startedAt);
  }

  /** Whether a run of the repository is active or being prepared. */
  isActive(root: vscode.Uri): boolean {
    return this.preparing.has(root.toString()) || this.entries.get(root.toString())?.active === true;
  }

  /** The session of a run of this window (active, or the last finished one of its repository). */
  sessionOf(runId: string): SimulationSession | undefined {
    return this.entryOf(runId)?.session;
  }

  /** Where the run's generated files are, relative to its repository (`.flops` unless the plan says otherwise). */
  generatedFolderOf(runId: string): string {
    const dockerfile = this.entryOf(runId)?.session.plan.image.dockerfile;
    const slash = dockerfile?.lastIndexOf('/') ?? -1;
    return dockerfile !== undefined && slash > 0 ? dockerfile.slice(0, slash) : '.flops';
  }

  /** Repositories with runs or history, for pickers. */
  knownRepos(): vscode.Uri[] {
    const repos = new Map<string, vscode.Uri>();
    for (const root of this.deps.roots()) repos.set(root.toString(), root);
    for (const [key, slot] of this.history) repos.set(key, slot.repo);
    for (const [key, entry] of this.entries) repos.set(key, entry.repo);
    return [...repos.values()];
  }

  /**
   * Prepares a run of the repository and starts it; resolves once its learners run (or the run ended
   * first), while the run goes on as a session. `signal` cancels it until then; `report` shows its
   * steps (generation, image build steps, containers starting). Rejects like the launcher does
   * (`dockerUnavailable`, `cancelled`, a run of the repository still alive).
   */
  async start(root: vscode.Uri, options: StartOptions, signal: AbortSignal, report: (message: string) => void): Promise<StartResult> {
    const launcher = this.deps.simulationLauncher;
    if (launcher === undefined) {
      throw new FlError('invalidInput', 'FLOps: the local simulation is unavailable in this build of the extension (no simulation launcher is wired in).');
    }
    const key = root.toString();
    if (this.isActive(root)) throw new FlError('invalidInput', `FLOps: a simulation of ${repoName(root)} is already running; stop it first.`);
    if (this.lifetime.signal.aborted) throw new FlError('cancelled', 'The extension is shutting down.');
    const hooks: { entry: RunEntry | undefined } = { entry: undefined };
    this.preparing.add(key);
    const prepared = await launcher
      .prepare(root.fsPath, {
        ...(options.learners !== undefined ? { learners: options.learners } : {}),
        ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
        ...(options.force === true ? { force: true } : {}),
        signal: AbortSignal.any([signal, this.lifetime.signal]),
        onStep: report,
        onEvent: (event, view) => {
          if (hooks.entry !== undefined) this.onEvent(hooks.entry, event, view);
        },
        onLog: (service, line) => this.onLog(hooks.entry, service, line),
      })
      .finally(() => this.preparing.delete(key));
    if (prepared.kind !== 'ready') return prepared;
    if (this.lifetime.signal.aborted) throw new FlError('cancelled', 'The extension is shutting down.');

    const { session } = prepared;
    const entry: RunEntry = {
      repo: root,
      runId: session.plan.runId,
      session,
      store: new DisposableStore(),
      abort: new AbortController(),
      view: session.view,
      active: true,
      stopping: false,
      done: Promise.resolve(),
      starting: undefined,
    };
    hooks.entry = entry;
    this.entries.get(key)?.store.dispose();
    this.entries.set(key, entry);
    if (prepared.removedLeftovers.length > 0) this.deps.logger.info(`[simulate] removed leftovers of earlier runs of ${root.fsPath}: ${prepared.removedLeftovers.join(', ')}`);
    this.log.note(`run ${entry.runId} of ${root.fsPath}: ${session.plan.learners} learners, ${session.plan.rounds} rounds, ${session.plan.strategy}; record in ${prepared.recordPath}`);
    this.deps.logger.info(`[simulate] run ${entry.runId} of ${root.fsPath} starts`);

    // Cancelling the progress notification cancels the run until its learners run; from then on the
    // run is stopped from the monitor instead.
    const cancel = (): void => entry.abort.abort();
    if (signal.aborted) cancel(); // cancelled just as prepare resolved: run() then ends at once, as cancelled
    signal.addEventListener('abort', cancel, { once: true });
    entry.store.add({ dispose: () => signal.removeEventListener('abort', cancel) });
    const started = new Promise<void>((resolve, reject) => {
      entry.starting = { report, resolve, reject };
    });
    // The history is reloaded once the run's last record is on disk.
    const settled = (view: RunView, error: unknown): Promise<void> => prepared.recorded().then(() => this.onSettled(entry, view, error));
    entry.done = session
      .run(entry.abort.signal)
      .then(
        (view) => settled(view, undefined),
        (error: unknown) => settled(session.view, error),
      )
      // Nothing awaits a run that ends on its own; a failure of the bookkeeping above goes to the log.
      .catch((error: unknown) => this.deps.logger.error(asError(error)));
    this.update();
    try {
      await started;
    } finally {
      entry.starting = undefined;
      signal.removeEventListener('abort', cancel);
    }
    return entry.active ? { kind: 'started', runId: entry.runId, keptEdited: prepared.keptEdited } : { kind: 'ended', runId: entry.runId, view: entry.view };
  }

  /** Stops an active run; resolves once its containers are removed. Unknown or finished runs are left alone. */
  async stop(runId: string): Promise<void> {
    const entry = this.entryOf(runId);
    if (entry?.active !== true) return;
    entry.stopping = true;
    this.changed.fire();
    this.log.note(`stopping run ${runId} (requested from the editor)`);
    entry.session.stop();
    await entry.done;
  }

  /** Pauses, resumes, kills or restarts a learner of an active run (what an edge device might do). */
  async learnerAction(runId: string, learner: number, action: LearnerAction): Promise<void> {
    const entry = this.entryOf(runId);
    if (entry?.active !== true) throw new FlError('invalidInput', `FLOps: run ${runId} has finished; its containers are gone.`);
    this.log.note(`${action} learner-${learner} (requested from the run monitor)`);
    if (action === 'pause') await entry.session.pauseLearner(learner);
    else if (action === 'resume') await entry.session.resumeLearner(learner);
    else if (action === 'kill') await entry.session.killLearner(learner);
    else await entry.session.restartLearner(learner);
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

  /**
   * Stops every active run and waits until their containers are removed, at most 10 s (VS Code is
   * closing; a run left behind is removed by the next start or by `flops sim down`, which find it by
   * its labels).
   */
  async shutdown(): Promise<void> {
    this.lifetime.abort();
    const running = [...this.entries.values()].filter((e) => e.active);
    for (const entry of running) {
      entry.stopping = true;
      entry.session.stop();
    }
    if (running.length === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = await Promise.race([
      Promise.allSettled(running.map((e) => e.done)).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), shutdownWaitMs);
      }),
    ]);
    clearTimeout(timer);
    if (late) {
      const ids = running.filter((e) => e.active).map((e) => e.runId);
      this.deps.logger.warn(`[simulate] ${ids.join(', ')} still removing containers after ${shutdownWaitMs / 1000} s; \`flops sim down\` (or \`docker compose -p <run id> down -v\`) removes what is left.`);
    }
  }

  /** Stops every active run (without waiting: dispose cannot; deactivate calls `shutdown` first). */
  dispose(): void {
    if (this.disposed) return;
    this.lifetime.abort();
    for (const entry of this.entries.values()) {
      if (entry.active) entry.session.stop();
      entry.store.dispose();
    }
    this.disposed = true;
    this.store.dispose();
  }

  private entryOf(runId: string): RunEntry | undefined {
    return [...this.entries.values()].find((e) => e.runId === runId);
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private onEvent(entry: RunEntry, event: RunEvent, view: RunView): void {
    entry.view = view;
    if (entry.starting !== undefined) {
      const message = progressMessage(event);
      if (message !== undefined) entry.starting.report(message);
      if (learnersStarted(view)) entry.starting.resolve();
    }
    this.changed.fire();
  }

  private onLog(entry: RunEntry | undefined, service: string, line: string): void {
    if (this.disposed) return;
    // Several runs at once (different repositories) interleave; their lines then name the run.
    const prefix = entry !== undefined && this.activeRuns().length > 1 ? `${entry.runId} ${service}` : service;
    this.log.line(prefix, line);
    if (entry !== undefined) this.logDocuments.lineArrived(entry.runId, service);
  }

  private onSettled(entry: RunEntry, view: RunView, error: unknown): void {
    entry.active = false;
    entry.stopping = false;
    entry.view = view;
    entry.store.dispose();
    const starting = entry.starting;
    entry.starting = undefined;
    if (this.disposed) return;
    this.logDocuments.runEnded(entry.runId);
    this.log.note(`run ${entry.runId} ${view.outcome ?? 'ended'}${view.message !== undefined ? `: ${view.message}` : ''}`);
    this.deps.logger.info(`[simulate] run ${entry.runId} ${view.outcome ?? 'ended'}: ${view.message ?? ''}`);
    // A run that could not start because the engine is gone rejects the start command, which
    // reports it (the one place errors reach the user); later, it is reported as the run's outcome.
    if (error !== undefined && starting !== undefined) starting.reject(error);
    else {
      starting?.resolve();
      if (error !== undefined) this.deps.logger.error(asError(error));
      this.presentOutcome(entry, view, error);
    }
    this.update();
    this.finished.fire(view);
    void this.loadHistory(entry.repo);
  }

  private presentOutcome(entry: RunEntry, view: RunView, error: unknown): void {
    const showLogs = (choice: string | undefined): void => {
      if (choice === 'Show Logs') this.log.show();
    };
    if (error !== undefined || view.outcome === 'failed') {
      const message = error instanceof Error ? error.message : (view.message ?? 'see its log');
      void vscode.window.showErrorMessage(`FLOps: the simulation ${entry.runId} failed: ${message}`, 'Show Logs').then(showLogs);
      return;
    }
    if (view.outcome !== 'succeeded') return; // stopped or cancelled: the user's own doing
    const accuracy = latestMetric(view, 'accuracy');
    const loss = latestMetric(view, 'loss');
    const metric = accuracy !== undefined ? `; final accuracy ${accuracy.toFixed(3)}` : loss !== undefined ? `; final loss ${loss.toFixed(3)}` : '';
    void vscode.window.showInformationMessage(`FLOps: the simulation ${entry.runId} finished ${view.currentRound} of ${view.rounds} rounds${metric}.`, 'Show Logs').then(showLogs);
  }

  /** Context key and listeners after a run started or ended. */
  private update(): void {
    const running = this.activeRuns().length > 0;
    if (running !== this.running) {
      this.running = running;
      void setContextKey(contextKeys.simulationRunning, running).then(undefined, (error: unknown) => this.deps.logger.warn(`[simulate] could not set ${contextKeys.simulationRunning}: ${String(error)}`));
    }
    this.changed.fire();
  }

  /** Loads the history of the given folders that are ML repositories, and of the linted repositories not loaded yet. */
  private async discover(folders: readonly vscode.Uri[]): Promise<void> {
    const candidates = await Promise.all(folders.map(async (folder) => ((await hasMarker(folder)) ? folder : undefined)));
    const roots = [...candidates.filter((c) => c !== undefined), ...this.deps.roots()].filter((root) => !this.history.has(root.toString()));
    const unique = new Map(roots.map((r) => [r.toString(), r]));
    await Promise.all([...unique.values()].map((root) => this.loadHistory(root)));
  }

  private async loadHistory(root: vscode.Uri): Promise<void> {
    const launcher = this.deps.simulationLauncher;
    if (launcher === undefined || this.disposed) return;
    const key = root.toString();
    const slot = this.history.get(key) ?? { repo: root, records: [], error: undefined, generation: 0 };
    this.history.set(key, slot);
    const generation = ++this.loads;
    slot.generation = generation;
    try {
      const records = await launcher.runs(root.fsPath, this.lifetime.signal);
      if (slot.generation !== generation) return;
      slot.records = records;
      slot.error = undefined;
    } catch (error) {
      if (slot.generation !== generation || (error instanceof FlError && error.kind === 'cancelled')) return;
      slot.error = messageOf(error);
      this.deps.logger.warn(`[simulate] could not read the run history of ${root.fsPath}: ${slot.error}`);
    }
    if (!this.disposed) this.changed.fire();
  }

  /** A workspace folder was removed: its repositories leave the monitor, unless a run of theirs is active. */
  private forgetUnder(folder: vscode.Uri): void {
    const prefix = folder.toString();
    const under = (key: string): boolean => key === prefix || key.startsWith(`${prefix}/`);
    for (const key of [...this.history.keys()]) if (under(key) && this.entries.get(key)?.active !== true) this.history.delete(key);
    for (const [key, entry] of [...this.entries]) if (under(key) && !entry.active) this.entries.delete(key);
    this.changed.fire();
  }
}


/**
 * Until every learner was started (or the run got further) the start command waits. A run that ends
 * first releases it when `run()` settles, not at its last event, so the command sees it has ended.
 */
function learnersStarted(view: RunView): boolean {
  if (view.phase === 'waiting' || view.phase === 'training') return true;
  const learners = view.members.filter((m) => m.role === 'learner');
  return view.phase === 'starting' && learners.length > 0 && learners.every((m) => m.state !== 'pending' && m.state !== 'starting');
}

/** What the start command's progress notification says about an event, if anything. */
function progressMessage(event: RunEvent): string | undefined {
  if (event.type === 'runPlanned') return `${event.learners} learners, ${event.rounds} rounds, ${event.strategy}`;
  if (event.type === 'imageBuildStarted') return `building image ${event.tag}…`;
  if (event.type === 'imageBuildStep') {
    const instruction = event.instruction.length > 60 ? `${event.instruction.slice(0, 59)}…` : event.instruction;
    return `building image: step ${event.index}/${event.total} ${instruction}`;
  }
  if (event.type === 'imageReady') return event.built ? 'image built; starting containers…' : 'image up to date; starting containers…';
  if (event.type === 'memberState' && event.state === 'starting') return `starting ${event.service}…`;
  return undefined;
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
