import type { MonitorInput, MonitorRepo } from './monitor-model';
import type { RunEvent } from './run-events';
import type { RunRecord } from './run-record';
import { reduceRun, type RunView } from './run-view';

/**
 * Every run the editor knows, as plain data keyed by plain ids: each repository (its absolute path)
 * with its run history, and the runs started from this window with their state folded from their
 * events. The views (the Runs tree, the status bar, the metrics panel, the deployments tree) read it
 * and subscribe to its changes; the sources write to it: a local simulation now (local-runs.ts), an
 * Oakestra deployment next, both through the same `RunEvent`s.
 */

/** Where a run's events come from. */
export type RunSource = 'local';

export interface StoredRun {
  readonly runId: string;
  /** The repository's path. */
  readonly repo: string;
  readonly source: RunSource;
  /** Folded from every event so far (run-view.ts). */
  readonly view: RunView;
  readonly active: boolean;
  /** A stop was asked for and the run has not ended yet. */
  readonly stopping: boolean;
}

export interface StoredRepo {
  readonly path: string;
  /** What views call it (the workspace folder name, or its path relative to the workspace). */
  readonly name: string;
  /** Newest first; empty until it was read. */
  readonly history: readonly RunRecord[];
  /** Why the history could not be read, when it could not. */
  readonly historyError?: string;
}

/**
 * What changed: one run (with the event that changed it, if one did; `ended` when it just stopped being
 * active), or one repository's history or presence.
 */
export type RunStoreChange =
  | { readonly kind: 'run'; readonly runId: string; readonly event?: RunEvent; readonly ended?: true }
  | { readonly kind: 'repo'; readonly repo: string };

export type RunStoreListener = (change: RunStoreChange) => void;

export class RunStore {
  private readonly repos = new Map<string, StoredRepo>();
  /** The run of each repository started from this window: active, or the last one that finished. */
  private readonly runs = new Map<string, StoredRun>();
  private readonly listeners = new Set<RunStoreListener>();

  /** Calls `listener` after every change; the returned function unsubscribes. */
  subscribe(listener: RunStoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Registers a repository (or renames it); its history stays. */
  addRepo(path: string, name: string): void {
    const known = this.repos.get(path);
    if (known?.name === name) return;
    this.repos.set(path, { history: [], ...known, path, name });
    this.emit({ kind: 'repo', repo: path });
  }

  hasRepo(path: string): boolean {
    return this.repos.has(path);
  }

  /** A run starts: it becomes the repository's live run, replacing the last finished one. */
  addRun(run: { readonly runId: string; readonly repo: string; readonly source: RunSource; readonly view: RunView }): void {
    const previous = this.runs.get(run.repo);
    if (previous?.active === true) throw new Error(`run ${previous.runId} of ${run.repo} is still active`);
    this.runs.set(run.repo, { ...run, active: true, stopping: false });
    this.emit({ kind: 'run', runId: run.runId });
  }

  /** Folds one event of an active run into its view. Events of unknown or ended runs are ignored. */
  applyEvent(runId: string, event: RunEvent): void {
    const run = this.runOf(runId);
    if (run?.active !== true) return;
    this.runs.set(run.repo, { ...run, view: reduceRun(run.view, event) });
    this.emit({ kind: 'run', runId, event });
  }

  markStopping(runId: string): void {
    const run = this.runOf(runId);
    if (run?.active !== true || run.stopping) return;
    this.runs.set(run.repo, { ...run, stopping: true });
    this.emit({ kind: 'run', runId });
  }

  /** The run has ended (its containers are gone); `view` replaces the folded one when the source has a final view. */
  endRun(runId: string, view?: RunView): void {
    const run = this.runOf(runId);
    if (run === undefined) return;
    this.runs.set(run.repo, { ...run, ...(view !== undefined ? { view } : {}), active: false, stopping: false });
    this.emit(run.active ? { kind: 'run', runId, ended: true } : { kind: 'run', runId });
  }

  setHistory(repo: string, history: readonly RunRecord[]): void {
    const known = this.repos.get(repo);
    if (known === undefined) return;
    this.repos.set(repo, { path: known.path, name: known.name, history });
    this.emit({ kind: 'repo', repo });
  }

  setHistoryError(repo: string, message: string): void {
    const known = this.repos.get(repo);
    if (known === undefined) return;
    this.repos.set(repo, { ...known, historyError: message });
    this.emit({ kind: 'repo', repo });
  }

  /** Forgets the repositories `under` says go (a removed workspace folder), except those with an active run. */
  forgetRepos(under: (path: string) => boolean): void {
    const gone = [...this.repos.keys()].filter((path) => under(path) && this.runs.get(path)?.active !== true);
    for (const path of gone) {
      this.repos.delete(path);
      this.runs.delete(path);
      this.emit({ kind: 'repo', repo: path });
    }
  }

  runOf(runId: string): StoredRun | undefined {
    for (const run of this.runs.values()) if (run.runId === runId) return run;
    return undefined;
  }

  liveRunOf(repo: string): StoredRun | undefined {
    return this.runs.get(repo);
  }

  /** Active runs, in the order they started. */
  activeRuns(): StoredRun[] {
    return [...this.runs.values()].filter((r) => r.active).sort((a, b) => a.view.startedAt - b.view.startedAt);
  }

  repoList(): StoredRepo[] {
    return [...this.repos.values()];
  }

  /** What the run monitor shows (monitor-model.ts turns it into nodes), repositories by name. */
  monitorInput(now: number): MonitorInput {
    const repos: MonitorRepo[] = [...this.repos.values()].map((repo) => {
      const run = this.runs.get(repo.path);
      return {
        path: repo.path,
        name: repo.name,
        ...(run !== undefined ? { live: { view: run.view, active: run.active, stopping: run.stopping } } : {}),
        history: repo.history,
        ...(repo.historyError !== undefined ? { historyError: repo.historyError } : {}),
      };
    });
    return { repos: repos.sort((a, b) => a.name.localeCompare(b.name)), now };
  }

  private emit(change: RunStoreChange): void {
    for (const listener of [...this.listeners]) listener(change);
  }
}
