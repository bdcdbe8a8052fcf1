import { FlError, messageOf } from '../errors';
import type { Clock, ContainerEvent, ContainerRuntime, Logger } from '../ports';
import { exitDescription, failureReason, parseFlowerLogLine, parseMetricsLine } from './log-lines';
import type { MemberState, RunEvent } from '../runs/run-events';
import { ensureImages } from './image-step';
import { runPlannedEvent, type PlannedMember, type SimulationPlan } from './plan';
import { exitEnding, failureEnding, isExceptionLine, removedFromOutsideEnding, startTimeoutEnding, waitedTooLongEnding, type Ending } from './run-endings';
import { emptyRunView, reduceRun, type RunView } from '../runs/run-view';

/**
 * One local simulation run (style.md "A running simulation is a session"): it owns the abort controller,
 * the containers and the event stream. `run()` builds the image if its content hash is new, creates the
 * network and volume, starts MLflow (optional), the aggregator, the learners and the starter, turns
 * container events and log lines into `RunEvent`s, and always removes everything it created before it
 * resolves, whatever ended the run: the last round, a failure, `stop()`, or the caller's signal.
 */

export interface SessionDeps {
  readonly runtime: ContainerRuntime;
  /** Time and timers (the start timeout, the removal poll), so tests step them instead of sleeping. */
  readonly clock: Clock;
  readonly logger?: Logger;
}

export interface SessionOptions {
  /** The build context (io/build-context.ts): used only when the image tag is not on the engine yet. */
  readonly build: { readonly contextDir: string; readonly files: readonly string[] };
  /** How long round 1 may take to start once the starter runs, and how long the aggregator may wait for learners before a later round (default 180 s). */
  readonly startTimeoutMs?: number;
  /** Sample CPU/memory of each container (default true). */
  readonly sampleResources?: boolean;
  readonly onEvent?: (event: RunEvent, view: RunView) => void;
  /** Every log line of every container (and of the image build, as service "build"). */
  readonly onLog?: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
}

const tailLines = 60;
const defaultStartTimeoutMs = 180_000;
const learnerStartConcurrency = 4;

export class SimulationSession {
  private current: RunView;
  private readonly controller = new AbortController();
  private readonly watchController = new AbortController();
  /** Short waits under way; teardown ends them (they end the run's last promises). */
  private readonly pauses = new Set<() => void>();
  private readonly tails = new Map<string, string[]>();
  private readonly seenRounds = new Set<string>();
  private readonly startedRounds = new Set<number>();
  private readonly reportedFailures = new Map<string, string>();
  private readonly followers = new Set<string>();
  private readonly userKilled = new Set<string>();
  /** Start events per service: an exit handled after a newer start (a restart) is stale. */
  private readonly starts = new Map<string, number>();
  private readonly byName: Map<string, PlannedMember>;
  private ending: Ending | undefined;
  private resolveEnding: ((ending: Ending) => void) | undefined;
  private tearingDown = false;
  private unsupportedVersionReported = false;
  /** Since when the aggregator has been waiting for learners (Flower logs it every second while it does). */
  private waitingSince: number | undefined;
  private lastWaitingLine = 0;

  constructor(
    readonly plan: SimulationPlan,
    private readonly deps: SessionDeps,
    private readonly options: SessionOptions,
  ) {
    this.current = emptyRunView(plan.runId, deps.clock.now());
    this.byName = new Map(plan.members.map((m) => [m.spec.name, m]));
  }

  get view(): RunView {
    return this.current;
  }

  /** Whether the run has not finished yet (containers may exist). */
  get active(): boolean {
    return this.current.phase !== 'finished';
  }

  /** Ends the run as "stopped" and removes its containers; `run()` resolves once they are gone. */
  stop(): void {
    this.end({ outcome: 'stopped', message: 'Stopped on request.' });
    this.controller.abort();
  }

  async pauseLearner(learner: number): Promise<void> {
    return this.deps.runtime.pauseContainer(this.learner(learner).spec.name);
  }

  async resumeLearner(learner: number): Promise<void> {
    return this.deps.runtime.unpauseContainer(this.learner(learner).spec.name);
  }

  /** Kills a learner as an edge device dropping out would: the run goes on without it. */
  async killLearner(learner: number): Promise<void> {
    const member = this.learner(learner);
    this.userKilled.add(member.service);
    return this.deps.runtime.killContainer(member.spec.name);
  }

  async restartLearner(learner: number): Promise<void> {
    const member = this.learner(learner);
    this.userKilled.delete(member.service);
    this.reportedFailures.delete(member.service);
    return this.deps.runtime.restartContainer(member.spec.name);
  }

  /** The container name of a service of this run (for `docker logs` and the like). */
  containerName(service: string): string | undefined {
    return this.plan.members.find((m) => m.service === service)?.spec.name;
  }

  /** The last log lines of a service, oldest first. */
  logTail(service: string): readonly string[] {
    return this.tails.get(service) ?? [];
  }

  /**
   * Runs to the end and resolves with the final view. Rejects only when the engine cannot be reached
   * (`FlError('dockerUnavailable')`), after reporting the run as failed; every other failure is the
   * view's `outcome` and `message`.
   */
  async run(signal?: AbortSignal): Promise<RunView> {
    const { plan } = this;
    const { runtime } = this.deps;
    const onAbort = (): void => {
      this.end({ outcome: 'cancelled', message: 'Cancelled.' });
      this.controller.abort();
    };
    if (signal?.aborted === true) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const endingPromise = new Promise<Ending>((resolve) => {
      if (this.ending !== undefined) resolve(this.ending);
      else this.resolveEnding = resolve;
    });
    let created = false;
    let engineError: FlError | undefined;
    try {
      this.emit(runPlannedEvent(plan, this.deps.clock.now()));
      const abort = this.controller.signal;
      await runtime.ping(abort);
      await ensureImages(plan, { ...this.deps, build: this.options.build, emit: (event) => this.emit(event), ...(this.options.onLog !== undefined ? { onLog: this.options.onLog } : {}) }, abort);
      abort.throwIfAborted();
      created = true;
      await runtime.createNetwork(plan.network, plan.runLabels, abort);
      await runtime.createVolume(plan.outputVolume, plan.runLabels, abort);
      void runtime.watchEvents(plan.runLabels, this.watchController.signal, (event) => this.onContainerEvent(event)).catch((error: unknown) => {
        this.deps.logger?.warn(`simulation ${plan.runId}: the engine's event stream ended: ${String(error)}`);
      });
      const starter = plan.members.find((m) => m.role === 'starter');
      const before = plan.members.filter((m) => m.role !== 'learner' && m.role !== 'starter');
      const learners = plan.members.filter((m) => m.role === 'learner');
      for (const member of before) await this.startMember(member, abort);
      for (let i = 0; i < learners.length; i += learnerStartConcurrency) {
        await Promise.all(learners.slice(i, i + learnerStartConcurrency).map((m) => this.startMember(m, abort)));
      }
      if (starter !== undefined) {
        await this.startMember(starter, abort);
        this.watchExit(starter);
      }
      const aggregator = plan.members.find((m) => m.role === 'aggregator');
      if (aggregator !== undefined) this.watchExit(aggregator);
      this.armStartTimeout();
    } catch (error) {
      if (error instanceof FlError && error.kind === 'dockerUnavailable') engineError = error;
      if (this.ending === undefined) this.end(failureEnding(error));
    }
    const ending = await endingPromise;
    signal?.removeEventListener('abort', onAbort);
    await this.teardown(created);
    this.emit({ type: 'runFinished', at: this.deps.clock.now(), outcome: ending.outcome, message: ending.message });
    if (engineError !== undefined) throw engineError;
    return this.current;
  }

  private learner(learner: number): PlannedMember {
    const member = this.plan.members.find((m) => m.role === 'learner' && m.learner === learner);
    if (member === undefined) throw new FlError('invalidInput', `This run has learners 1 to ${this.plan.learners}; there is no learner ${learner}.`);
    if (!this.active) throw new FlError('invalidInput', `Run ${this.plan.runId} has finished.`);
    return member;
  }

  private emit(event: RunEvent): void {
    this.current = reduceRun(this.current, event);
    this.options.onEvent?.(event, this.current);
  }

  private end(ending: Ending): void {
    if (this.ending !== undefined) return;
    this.ending = ending;
    this.resolveEnding?.(ending);
  }

  private async startMember(member: PlannedMember, signal: AbortSignal): Promise<void> {
    this.setState(member, 'starting');
    try {
      await this.deps.runtime.startContainer(member.spec, signal);
    } catch (error) {
      if (error instanceof FlError) throw error;
      // Name the member and its limits: "Range of CPUs is from 0.01 to 2.00" alone does not say which profile asked for more.
      const limits = member.spec.cpus !== undefined ? ` (${member.profile ?? 'profile'}: ${member.spec.cpus} CPU, ${String(member.spec.memoryMb ?? '?')} MB)` : '';
      throw new Error(`Could not start ${member.service}${limits}: ${messageOf(error)}`);
    }
    this.setState(member, 'running');
    this.follow(member, undefined);
    if (this.options.sampleResources !== false && member.role !== 'starter') {
      void this.deps.runtime
        .watchResources(member.spec.name, this.watchController.signal, (sample) => {
          this.emit({ type: 'memberResources', at: this.deps.clock.now(), service: member.service, cpuPercent: sample.cpuPercent, memoryMb: sample.memoryMb });
        })
        .catch((error: unknown) => this.deps.logger?.debug(`resource stream of ${member.service} ended: ${String(error)}`));
    }
  }

  private setState(member: PlannedMember, state: MemberState, extra: { exitCode?: number; oomKilled?: boolean } = {}): void {
    this.emit({ type: 'memberState', at: this.deps.clock.now(), service: member.service, state, ...extra });
  }

  /** Follows a container's log from its start (or, after a restart, from now on). */
  private follow(member: PlannedMember, tail: number | undefined): void {
    if (this.followers.has(member.service)) return;
    this.followers.add(member.service);
    void this.deps.runtime
      .readLogs(member.spec.name, { follow: true, ...(tail !== undefined ? { tail } : {}), signal: this.watchController.signal }, (line, stream) => this.onLine(member, line, stream))
      .catch((error: unknown) => this.deps.logger?.debug(`log stream of ${member.service} ended: ${String(error)}`))
      .finally(() => this.followers.delete(member.service));
  }

  private onLine(member: PlannedMember, line: string, stream: 'stdout' | 'stderr'): void {
    const tail = this.tails.get(member.service) ?? [];
    tail.push(line);
    if (tail.length > tailLines) tail.splice(0, tail.length - tailLines);
    this.tails.set(member.service, tail);
    this.options.onLog?.(member.service, line, stream);
    if (member.role === 'aggregator' || member.role === 'starter') this.onServerLine(line);
    if (member.role === 'learner' && member.learner !== undefined && isExceptionLine(line) && tail.some((l) => l.startsWith('Traceback (most recent call last)'))) {
      const reason = failureReason(tail) ?? line;
      if (this.reportedFailures.get(member.service) !== reason) {
        this.reportedFailures.set(member.service, reason);
        this.emit({ type: 'learnerFailed', at: this.deps.clock.now(), service: member.service, learner: member.learner, oomKilled: false, reason });
      }
    }
  }

  /** Metrics and progress lines; the aggregator and the starter (`flwr run --stream`) may both carry them. */
  private onServerLine(line: string): void {
    const metrics = parseMetricsLine(line);
    if (metrics.kind === 'metrics') {
      const key = `${metrics.metrics.round}@${metrics.metrics.timeMs}`;
      if (this.seenRounds.has(key)) return;
      this.seenRounds.add(key);
      this.waitingSince = undefined;
      this.emit({ type: 'roundFinished', at: this.deps.clock.now(), metrics: metrics.metrics });
      return;
    }
    if (metrics.kind === 'malformed') {
      this.deps.logger?.warn(`Ignored a malformed metrics line from the aggregator (${metrics.reason}): ${line.slice(0, 300)}`);
      return;
    }
    if (metrics.kind === 'unsupported') {
      if (!this.unsupportedVersionReported) {
        this.unsupportedVersionReported = true;
        this.deps.logger?.warn(`The aggregator prints metrics lines of format version ${String(metrics.version)}; this extension reads version 1. Generate the wrappers again with this version of the extension.`);
      }
      return;
    }
    const signal = parseFlowerLogLine(line);
    if (signal?.kind === 'roundStarted' && !this.startedRounds.has(signal.round)) {
      this.startedRounds.add(signal.round);
      this.waitingSince = undefined;
      this.emit({ type: 'roundStarted', at: this.deps.clock.now(), round: signal.round, rounds: signal.rounds });
    } else if (signal?.kind === 'waiting') {
      this.onWaiting(signal.connected, signal.required);
    }
  }

  /**
   * Flower waits for min_available learners without a deadline, at the start and before any later
   * round (after drop-outs). A wait longer than the start timeout ends the run with a message instead
   * of hanging; the check runs on the waiting lines themselves, which Flower repeats every second.
   */
  private onWaiting(connected: number | undefined, required: number | undefined): void {
    const now = this.deps.clock.now();
    // A pause of more than 15 s between waiting lines means the earlier wait ended.
    if (this.waitingSince === undefined || now - this.lastWaitingLine > 15_000) this.waitingSince = now;
    this.lastWaitingLine = now;
    this.emit({ type: 'waitingForLearners', at: now, ...(connected !== undefined ? { connected } : {}), ...(required !== undefined ? { required } : {}) });
    const limit = this.options.startTimeoutMs ?? defaultStartTimeoutMs;
    if (this.current.history.length === 0 || now - this.waitingSince < limit) return;
    this.end(waitedTooLongEnding(this.current, now - this.waitingSince, required ?? this.plan.minAvailable, connected));
  }

  private onContainerEvent(event: ContainerEvent): void {
    const member = this.byName.get(event.name);
    if (member === undefined || this.tearingDown) return;
    switch (event.action) {
      case 'start':
        this.starts.set(member.service, (this.starts.get(member.service) ?? 0) + 1);
        this.setState(member, 'running');
        this.follow(member, 0);
        return;
      case 'pause':
        this.setState(member, 'paused');
        return;
      case 'unpause':
        this.setState(member, 'running');
        return;
      case 'restart':
        this.setState(member, 'running');
        return;
      case 'die':
        void this.onDie(member, event.exitCode);
        return;
      default:
        return;
    }
  }

  private async onDie(member: PlannedMember, exitCode: number | undefined): Promise<void> {
    const starts = this.starts.get(member.service);
    const info = await this.deps.runtime.inspectContainer(member.spec.name).catch(() => undefined);
    // A restart dies and starts again: once it runs again, this exit is history.
    if (this.tearingDown || this.starts.get(member.service) !== starts || info?.status === 'running' || info?.status === 'restarting') return;
    const code = info?.exitCode ?? exitCode;
    const oomKilled = info?.oomKilled === true;
    this.setState(member, code === 0 ? 'exited' : 'failed', { ...(code !== undefined ? { exitCode: code } : {}), oomKilled });
    if (member.role !== 'learner' || member.learner === undefined) return;
    if (code === 0 && !oomKilled) return;
    const reason = this.userKilled.has(member.service)
      ? 'killed from the run monitor (a simulated drop-out)'
      : oomKilled
        ? `out of memory: killed at its ${String(member.spec.memoryMb ?? '?')} MB limit (raise memory_mb for its profile)`
        : (failureReason(this.logTail(member.service)) ?? exitDescription(code));
    this.reportedFailures.set(member.service, reason);
    this.emit({ type: 'learnerFailed', at: this.deps.clock.now(), service: member.service, learner: member.learner, ...(code !== undefined ? { exitCode: code } : {}), oomKilled, reason });
  }

  /** The starter's and the aggregator's exits end the run; `wait` does not miss an exit the event stream raced. */
  private watchExit(member: PlannedMember): void {
    void this.deps.runtime
      .waitContainer(member.spec.name, this.watchController.signal)
      .then(async ({ exitCode, oomKilled }) => {
        if (this.tearingDown || this.ending !== undefined) return;
        // Killed by a signal we did not send: `flops sim down`, `docker compose down` or `docker rm -f`
        // from elsewhere removes the containers right after. That is a stop, not a failure of the run.
        if (exitCode === 137 || exitCode === 143) {
          const removed = await this.removedFromOutside(member);
          if (this.tearingDown || this.ending !== undefined) return;
          if (removed) {
            this.end(removedFromOutsideEnding);
            return;
          }
        }
        this.end(exitEnding(this.current, member, exitCode, oomKilled, (service) => this.logTail(service)));
      })
      .catch((error: unknown) => {
        if (this.tearingDown || this.ending !== undefined) return;
        this.end({ outcome: 'failed', message: `Lost track of the ${member.service} container: ${messageOf(error)}` });
      });
  }

  /** Whether a container disappears (or is being removed) within 2 s: removal follows a forced kill at once. */
  private async removedFromOutside(member: PlannedMember): Promise<boolean> {
    const watching = this.watchController.signal;
    for (let i = 0; i < 8 && !watching.aborted; i++) {
      const info = await this.deps.runtime.inspectContainer(member.spec.name).catch(() => undefined);
      if (info === undefined || info.status === 'removing' || info.status === 'dead') return true;
      // The engine offers no "about to be removed" event before the kill: a short wait (ended by teardown).
      await new Promise<void>((resolve) => {
        const done = (): void => void (cancel(), this.pauses.delete(done), resolve());
        const cancel = this.deps.clock.setTimer(250, done);
        this.pauses.add(done);
      });
    }
    return false;
  }

  private armStartTimeout(): void {
    const ms = this.options.startTimeoutMs ?? defaultStartTimeoutMs;
    const cancel = this.deps.clock.setTimer(ms, () => {
      if (this.ending !== undefined || this.startedRounds.size > 0 || this.current.history.length > 0) return;
      this.end(startTimeoutEnding(this.current, ms, this.plan.minAvailable));
    });
    this.watchController.signal.addEventListener('abort', cancel, { once: true });
  }

  private async teardown(created: boolean): Promise<void> {
    this.tearingDown = true;
    this.watchController.abort();
    for (const end of [...this.pauses]) end();
    if (!created) return;
    const report = await this.deps.runtime.removeLabelled({ 'flops.run': this.plan.runId });
    for (const member of this.plan.members) this.setState(member, 'removed');
    if (report.failures.length > 0) {
      this.deps.logger?.error(`Could not remove everything of run ${this.plan.runId}: ${report.failures.join('; ')}. Run \`flops sim down\` or \`docker compose -p ${this.plan.project} down -v\`.`);
    }
  }
}
