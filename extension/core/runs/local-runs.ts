import { asError, FlError, messageOf } from '../errors';
import type { Finding } from '../findings/finding';
import type { Clock, Logger } from '../ports';
import type { SimulationLauncher } from '../simulate/launcher';
import type { SimulationSession } from '../simulate/session';
import type { RunEvent } from './run-events';
import type { RunStore } from './run-store';
import type { RunView } from './run-view';

/**
 * The local runs of one editor window, over the simulation launcher: starting a run of a repository
 * (at most one at a time each), stopping it, acting on its learners, reading each repository's
 * history, and stopping everything on shutdown. State goes to the run store, which the views read;
 * what only the editor can do (notifications, the output channel) is left to the callbacks.
 */

export interface LocalRunsDeps {
  readonly launcher: SimulationLauncher;
  readonly store: RunStore;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Every container line of every run (`runId` undefined while the run is being prepared). */
  readonly onLog?: (runId: string | undefined, service: string, line: string) => void;
  /** A line for the simulation log (the run started, stopping, the outcome). */
  readonly onNote?: (text: string) => void;
  /** A run ended after its learners ran; `error` when its bookkeeping or the engine failed. */
  readonly onFinished?: (runId: string, view: RunView, error: unknown) => void;
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
  /** The learners run; the run goes on in the store. */
  | { readonly kind: 'started'; readonly runId: string; readonly keptEdited: readonly string[] }
  /** The run ended before its learners ran (a failed build, a stop, a cancel); already reported. */
  | { readonly kind: 'ended'; readonly runId: string; readonly view: RunView };

export type LearnerAction = 'pause' | 'resume' | 'kill' | 'restart';

/** What the store does not hold: the session, and the start command waiting for the learners. */
interface Running {
  readonly repo: string;
  readonly session: SimulationSession;
  /** Aborting it cancels the run (the start command's Cancel button); `session.stop()` stops it. */
  readonly abort: AbortController;
  /** Settles when `session.run()` has settled, i.e. the run's containers are gone. */
  done: Promise<void>;
  starting: { readonly report: (message: string) => void; readonly resolve: () => void; readonly reject: (error: unknown) => void } | undefined;
}

/** How long shutdown waits for active runs to remove their containers. */
export const shutdownWaitMs = 10_000;

export class LocalRuns {
  /** Sessions of this window by run id: active, or the last finished one of each repository. */
  private readonly sessions = new Map<string, Running>();
  /** Repositories whose `prepare` is under way (a second start must not race it). */
  private readonly preparing = new Set<string>();
  /** Which history load of each repository is current, so a slow earlier load cannot overwrite a later one. */
  private readonly loads = new Map<string, number>();
  private loadCount = 0;
  private readonly lifetime = new AbortController();

  constructor(private readonly deps: LocalRunsDeps) {}

  /** Whether a run of the repository is active or being prepared. */
  isActive(repo: string): boolean {
    return this.preparing.has(repo) || this.deps.store.liveRunOf(repo)?.active === true;
  }

  sessionOf(runId: string): SimulationSession | undefined {
    return this.sessions.get(runId)?.session;
  }

  /**
   * Prepares a run of the repository (registered in the store under `name`) and starts it; resolves
   * once its learners run (or the run ended first), while the run goes on. `signal` cancels it until
   * then; `report` shows its steps. Rejects like the launcher does (`dockerUnavailable`, `cancelled`,
   * a run of the repository still alive).
   */
  async start(repo: string, name: string, options: StartOptions, signal: AbortSignal, report: (message: string) => void): Promise<StartResult> {
    const { store, launcher } = this.deps;
    if (this.isActive(repo)) throw new FlError('invalidInput', `FLOps: a simulation of ${name} is already running; stop it first.`);
    if (this.lifetime.signal.aborted) throw new FlError('cancelled', 'The extension is shutting down.');
    store.addRepo(repo, name);
    const hooks: { running: Running | undefined; runId: string | undefined } = { running: undefined, runId: undefined };
    this.preparing.add(repo);
    const prepared = await launcher
      .prepare(repo, {
        ...(options.learners !== undefined ? { learners: options.learners } : {}),
        ...(options.rounds !== undefined ? { rounds: options.rounds } : {}),
        ...(options.force === true ? { force: true } : {}),
        signal: AbortSignal.any([signal, this.lifetime.signal]),
        onStep: report,
        onEvent: (event) => {
          if (hooks.running !== undefined && hooks.runId !== undefined) this.onEvent(hooks.runId, hooks.running, event);
        },
        onLog: (service, line) => this.deps.onLog?.(hooks.runId, service, line),
      })
      .finally(() => this.preparing.delete(repo));
    if (prepared.kind !== 'ready') return prepared;
    if (this.lifetime.signal.aborted) throw new FlError('cancelled', 'The extension is shutting down.');

    const { session } = prepared;
    const runId = session.plan.runId;
    const running: Running = { repo, session, abort: new AbortController(), done: Promise.resolve(), starting: undefined };
    const previous = store.liveRunOf(repo);
    if (previous !== undefined) this.sessions.delete(previous.runId);
    this.sessions.set(runId, running);
    store.addRun({ runId, repo, source: 'local', view: session.view });
    hooks.running = running;
    hooks.runId = runId;
    if (prepared.removedLeftovers.length > 0) this.deps.logger.info(`[simulate] removed leftovers of earlier runs of ${repo}: ${prepared.removedLeftovers.join(', ')}`);
    this.deps.onNote?.(`run ${runId} of ${repo}: ${session.plan.learners} learners, ${session.plan.rounds} rounds, ${session.plan.strategy}; record in ${prepared.recordPath}`);
    this.deps.logger.info(`[simulate] run ${runId} of ${repo} starts`);

    // Cancelling the start command cancels the run until its learners run; from then on the run is
    // stopped from the monitor instead.
    const cancel = (): void => running.abort.abort();
    if (signal.aborted) cancel(); // cancelled just as prepare resolved: run() then ends at once, as cancelled
    signal.addEventListener('abort', cancel, { once: true });
    const started = new Promise<void>((resolve, reject) => {
      running.starting = { report, resolve, reject };
    });
    // The history is reloaded once the run's last record is on disk.
    const settled = (view: RunView, error: unknown): Promise<void> => prepared.recorded().then(() => this.onSettled(runId, running, view, error));
    running.done = session
      .run(running.abort.signal)
      .then(
        (view) => settled(view, undefined),
        (error: unknown) => settled(session.view, error),
      )
      // Nothing awaits a run that ends on its own; a failure of the bookkeeping above goes to the log.
      .catch((error: unknown) => this.deps.logger.error(asError(error)));
    try {
      await started;
    } finally {
      running.starting = undefined;
      signal.removeEventListener('abort', cancel);
    }
    const stored = store.runOf(runId);
    return stored?.active === true ? { kind: 'started', runId, keptEdited: prepared.keptEdited } : { kind: 'ended', runId, view: stored?.view ?? session.view };
  }

  /** Stops an active run; resolves once its containers are removed. Unknown or finished runs are left alone. */
  async stop(runId: string): Promise<void> {
    const running = this.sessions.get(runId);
    if (running === undefined || this.deps.store.runOf(runId)?.active !== true) return;
    this.deps.store.markStopping(runId);
    this.deps.onNote?.(`stopping run ${runId} (requested from the editor)`);
    running.session.stop();
    await running.done;
  }

  /** Pauses, resumes, kills or restarts a learner of an active run (what an edge device might do). */
  async learnerAction(runId: string, learner: number, action: LearnerAction): Promise<void> {
    const running = this.sessions.get(runId);
    if (running === undefined || this.deps.store.runOf(runId)?.active !== true) throw new FlError('invalidInput', `FLOps: run ${runId} has finished; its containers are gone.`);
    this.deps.onNote?.(`${action} learner-${learner} (requested from the run monitor)`);
    if (action === 'pause') await running.session.pauseLearner(learner);
    else if (action === 'resume') await running.session.resumeLearner(learner);
    else if (action === 'kill') await running.session.killLearner(learner);
    else await running.session.restartLearner(learner);
  }

  /** Reads the repository's history into the store (registering it under `name`). */
  async loadHistory(repo: string, name: string): Promise<void> {
    if (this.lifetime.signal.aborted) return;
    const { store } = this.deps;
    store.addRepo(repo, name);
    const generation = ++this.loadCount;
    this.loads.set(repo, generation);
    try {
      const records = await this.deps.launcher.runs(repo, this.lifetime.signal);
      if (this.loads.get(repo) === generation) store.setHistory(repo, records);
    } catch (error) {
      if (this.loads.get(repo) !== generation || (error instanceof FlError && error.kind === 'cancelled')) return;
      const message = messageOf(error);
      this.deps.logger.warn(`[simulate] could not read the run history of ${repo}: ${message}`);
      store.setHistoryError(repo, message);
    }
  }

  /**
   * Stops every active run and waits until their containers are removed, at most `shutdownWaitMs`
   * (a run left behind is removed by the next start or by `flops sim down`, which find it by its labels).
   */
  async shutdown(): Promise<void> {
    this.lifetime.abort();
    const active = this.deps.store.activeRuns().map((r) => [r.runId, this.sessions.get(r.runId)] as const);
    for (const [runId, running] of active) {
      this.deps.store.markStopping(runId);
      running?.session.stop();
    }
    if (active.length === 0) return;
    let cancel = (): void => undefined;
    const late = await Promise.race([
      Promise.allSettled(active.map(([, running]) => running?.done ?? Promise.resolve())).then(() => false),
      new Promise<boolean>((resolve) => {
        cancel = this.deps.clock.setTimer(shutdownWaitMs, () => resolve(true));
      }),
    ]);
    cancel();
    if (late) {
      const ids = this.deps.store.activeRuns().map((r) => r.runId);
      this.deps.logger.warn(`[simulate] ${ids.join(', ')} still removing containers after ${shutdownWaitMs / 1000} s; \`flops sim down\` (or \`docker compose -p <run id> down -v\`) removes what is left.`);
    }
  }

  /** Stops every active run without waiting (dispose cannot wait; deactivate calls `shutdown` first). */
  dispose(): void {
    this.lifetime.abort();
    for (const run of this.deps.store.activeRuns()) this.sessions.get(run.runId)?.session.stop();
  }

  private onEvent(runId: string, running: Running, event: RunEvent): void {
    this.deps.store.applyEvent(runId, event);
    if (running.starting === undefined) return;
    const message = progressMessage(event);
    if (message !== undefined) running.starting.report(message);
    const view = this.deps.store.runOf(runId)?.view;
    if (view !== undefined && learnersStarted(view)) running.starting.resolve();
  }

  private onSettled(runId: string, running: Running, view: RunView, error: unknown): void {
    this.deps.store.endRun(runId, view);
    const starting = running.starting;
    running.starting = undefined;
    this.deps.onNote?.(`run ${runId} ${view.outcome ?? 'ended'}${view.message !== undefined ? `: ${view.message}` : ''}`);
    this.deps.logger.info(`[simulate] run ${runId} ${view.outcome ?? 'ended'}: ${view.message ?? ''}`);
    // A run that could not start because the engine is gone rejects the start command, which reports
    // it (the one place errors reach the user); later, it is reported as the run's outcome.
    if (error !== undefined && starting !== undefined) starting.reject(error);
    else {
      starting?.resolve();
      if (error !== undefined) this.deps.logger.error(asError(error));
      this.deps.onFinished?.(runId, view, error);
    }
    const name = this.deps.store.repoList().find((r) => r.path === running.repo)?.name ?? running.repo;
    void this.loadHistory(running.repo, name);
  }
}

/**
 * Until every learner was started (or the run got further) the start command waits. A run that ends
 * first releases it when `run()` settles, not at its last event, so the command sees it has ended.
 */
export function learnersStarted(view: RunView): boolean {
  if (view.phase === 'waiting' || view.phase === 'training') return true;
  const learners = view.members.filter((m) => m.role === 'learner');
  return view.phase === 'starting' && learners.length > 0 && learners.every((m) => m.state !== 'pending' && m.state !== 'starting');
}

/** What the start command's progress notification says about an event, if anything. */
export function progressMessage(event: RunEvent): string | undefined {
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
