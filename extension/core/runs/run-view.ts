import type { MemberRole, MemberState, RoundMetrics, RunEvent, RunOutcome } from './run-events';

/**
 * What a run looks like, folded from its events: the run monitor's tree, the status bar, `flops sim up`'s
 * progress lines and the run history all render this. Pure: `reduceRun(view, event)` returns a new view.
 */

export type RunPhase = 'planned' | 'building' | 'starting' | 'waiting' | 'training' | 'finished';

export interface MemberView {
  readonly service: string;
  readonly role: MemberRole;
  readonly learner?: number;
  readonly profile?: string;
  readonly cpus?: number;
  readonly memoryMb?: number;
  readonly state: MemberState;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  /** Why it failed (the exception line of its traceback, OOM, exit code). */
  readonly reason?: string;
  readonly cpuPercent?: number;
  readonly memoryUsedMb?: number;
}

/** One moment of a run worth a mark on the metrics panel's timeline. */
export interface TimelineEntry {
  readonly at: number;
  readonly kind: 'build' | 'start' | 'pause' | 'resume' | 'stop' | 'failure' | 'outcome';
  readonly text: string;
  readonly service?: string;
}

export interface RunView {
  readonly runId: string;
  readonly project: string;
  readonly phase: RunPhase;
  readonly learners: number;
  readonly rounds: number;
  readonly strategy: string;
  /** The round in progress or last finished (0 before round 1). */
  readonly currentRound: number;
  readonly image?: { readonly tag: string; readonly built?: boolean; readonly step?: string };
  readonly members: readonly MemberView[];
  /** Finished rounds in order, one entry per round (a repeated line replaces the earlier one). */
  readonly history: readonly RoundMetrics[];
  readonly waiting?: { readonly connected?: number; readonly required?: number };
  /** The host addresses the run publishes (Control API, MLflow UI). */
  readonly endpoints?: { readonly control: string; readonly mlflow?: string };
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly outcome?: RunOutcome;
  readonly message?: string;
  /** When the round in progress started (this machine's clock), for its duration. */
  readonly roundStartedAt?: { readonly round: number; readonly at: number };
  /** Image build, learners started, pauses, failures and the outcome, in order. */
  readonly timeline: readonly TimelineEntry[];
}

export function emptyRunView(runId: string, at: number): RunView {
  return { runId, project: runId, phase: 'planned', learners: 0, rounds: 0, strategy: '', currentRound: 0, members: [], history: [], startedAt: at, timeline: [] };
}

function updateMember(view: RunView, service: string, change: (member: MemberView) => MemberView): RunView {
  return { ...view, members: view.members.map((m) => (m.service === service ? change(m) : m)) };
}

function mark(view: RunView, entry: TimelineEntry): RunView {
  return { ...view, timeline: [...view.timeline, entry] };
}

/** The timeline entry a member's new state makes, if any (starts of learners are counted in one entry). */
function memberMark(view: RunView, before: MemberView | undefined, event: RunEvent & { readonly type: 'memberState' }): RunView {
  if (before === undefined || before.state === event.state) return view;
  const name = before.role === 'learner' && before.learner !== undefined ? `learner ${before.learner}` : before.service;
  if (event.state === 'running' && before.state === 'paused') return mark(view, { at: event.at, kind: 'resume', text: `${name} resumed`, service: event.service });
  if (event.state === 'paused') return mark(view, { at: event.at, kind: 'pause', text: `${name} paused`, service: event.service });
  if (event.state === 'running' && before.role === 'learner') {
    const learners = view.members.filter((m) => m.role === 'learner');
    const running = learners.filter((m) => m.state === 'running' || m.state === 'paused').length;
    const last = view.timeline[view.timeline.length - 1];
    const text = `${running}/${learners.length} learners running`;
    if (last?.kind === 'start' && last.service === undefined) return { ...view, timeline: [...view.timeline.slice(0, -1), { at: last.at, kind: 'start', text }] };
    return mark(view, { at: event.at, kind: 'start', text });
  }
  if ((event.state === 'exited' || event.state === 'failed') && before.role !== 'starter' && view.phase !== 'finished') {
    const how = event.oomKilled === true ? 'killed: out of memory' : event.exitCode !== undefined ? `exit code ${event.exitCode}` : event.state;
    return mark(view, { at: event.at, kind: 'stop', text: `${name} stopped (${how})`, service: event.service });
  }
  return view;
}

export function reduceRun(view: RunView, event: RunEvent): RunView {
  const next = reduceState(view, event);
  switch (event.type) {
    case 'imageBuildStarted':
      return mark(next, { at: event.at, kind: 'build', text: `Image build started (${event.tag})` });
    case 'imageReady':
      return mark(next, { at: event.at, kind: 'build', text: event.built ? 'Image built' : 'Image up to date (not rebuilt)' });
    case 'memberState':
      return memberMark(next, view.members.find((m) => m.service === event.service), event);
    case 'learnerFailed':
      return mark(next, { at: event.at, kind: 'failure', text: `learner ${event.learner} failed: ${event.reason}`, service: event.service });
    case 'runFinished':
      return mark(next, { at: event.at, kind: 'outcome', text: `Run ${event.outcome}: ${event.message}` });
    case 'runPlanned':
    case 'imageBuildStep':
    case 'memberResources':
    case 'waitingForLearners':
    case 'roundStarted':
    case 'roundFinished':
      return next;
  }
}

function reduceState(view: RunView, event: RunEvent): RunView {
  switch (event.type) {
    case 'runPlanned':
      return {
        ...view,
        runId: event.runId,
        project: event.project,
        learners: event.learners,
        rounds: event.rounds,
        strategy: event.strategy,
        ...(event.endpoints !== undefined ? { endpoints: event.endpoints } : {}),
        startedAt: event.at,
        members: event.members.map((m) => ({ ...m, state: 'pending' as const })),
      };
    case 'imageBuildStarted':
      return { ...view, phase: 'building', image: { tag: event.tag } };
    case 'imageBuildStep':
      return { ...view, image: { tag: view.image?.tag ?? '', step: `${event.index}/${event.total} ${event.instruction}` } };
    case 'imageReady':
      return { ...view, phase: 'starting', image: { tag: event.tag, built: event.built } };
    case 'memberState':
      return updateMember(view, event.service, (m) => {
        // A restarted member starts clean: its old exit code and reason no longer describe it.
        const wasStopped = m.state === 'exited' || m.state === 'failed' || m.state === 'restarting';
        const fresh = wasStopped && (event.state === 'starting' || event.state === 'running');
        const { exitCode: _e, oomKilled: _o, reason: _r, ...rest } = m;
        const base = fresh ? rest : m;
        const stopped = event.state === 'exited' || event.state === 'failed' || event.state === 'removed';
        const { cpuPercent: _c, memoryUsedMb: _u, ...withoutUse } = base;
        return {
          ...(stopped ? withoutUse : base),
          state: event.state,
          ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
          ...(event.oomKilled !== undefined ? { oomKilled: event.oomKilled } : {}),
        };
      });
    case 'memberResources':
      return updateMember(view, event.service, (m) => ({ ...m, cpuPercent: event.cpuPercent, memoryUsedMb: event.memoryMb }));
    case 'waitingForLearners':
      return {
        ...view,
        phase: view.phase === 'training' ? view.phase : 'waiting',
        waiting: { ...(event.connected !== undefined ? { connected: event.connected } : {}), ...(event.required !== undefined ? { required: event.required } : {}) },
      };
    case 'roundStarted': {
      const { waiting: _w, ...rest } = view;
      return { ...rest, phase: 'training', currentRound: Math.max(view.currentRound, event.round), rounds: event.rounds, roundStartedAt: { round: event.round, at: event.at } };
    }
    case 'roundFinished': {
      const { waiting: _w, ...rest } = view;
      const started = view.roundStartedAt?.round === event.metrics.round ? view.roundStartedAt.at : undefined;
      const metrics = started !== undefined && event.metrics.durationMs === undefined ? { ...event.metrics, durationMs: Math.max(0, event.at - started) } : event.metrics;
      const history = [...view.history.filter((r) => r.round !== metrics.round), metrics].sort((a, b) => a.round - b.round);
      return { ...rest, phase: 'training', currentRound: Math.max(view.currentRound, event.metrics.round), rounds: event.metrics.rounds, history };
    }
    case 'learnerFailed':
      return updateMember(view, event.service, (m) => ({
        ...m,
        reason: event.reason,
        ...(event.exitCode !== undefined ? { exitCode: event.exitCode } : {}),
        oomKilled: event.oomKilled,
        ...(m.state === 'running' ? {} : { state: 'failed' as const }),
      }));
    case 'runFinished':
      return { ...view, phase: 'finished', outcome: event.outcome, message: event.message, finishedAt: event.at };
    default: {
      const unknown: never = event;
      throw new Error(`unhandled run event ${JSON.stringify(unknown)}`);
    }
  }
}

/** The latest value of an evaluate (else train) metric, e.g. `latestMetric(view, 'accuracy')`. */
export function latestMetric(view: RunView, key: string): number | undefined {
  for (let i = view.history.length - 1; i >= 0; i--) {
    const round = view.history[i];
    const value = round?.evaluate?.[key] ?? round?.train?.[key];
    if (typeof value === 'number') return value;
  }
  return undefined;
}

/** One short line for a status bar or a terminal: "round 2/3 · loss 0.412 · accuracy 0.913". */
export function runSummary(view: RunView): string {
  switch (view.phase) {
    case 'planned':
      return 'preparing';
    case 'building':
      return view.image?.step !== undefined ? `building image (step ${view.image.step.split(' ')[0] ?? ''})` : 'building image';
    case 'starting':
      return `starting ${view.learners} learners`;
    case 'waiting': {
      const w = view.waiting;
      return w?.connected !== undefined && w.required !== undefined ? `waiting for learners (${w.connected}/${w.required})` : 'waiting for learners';
    }
    case 'training':
    case 'finished': {
      const parts = [view.phase === 'finished' ? `${view.outcome ?? 'finished'} after round ${view.currentRound}/${view.rounds}` : `round ${view.currentRound}/${view.rounds}`];
      const w = view.waiting;
      if (view.phase === 'training' && w !== undefined) parts.push(w.connected !== undefined && w.required !== undefined ? `waiting for learners (${w.connected}/${w.required})` : 'waiting for learners');
      const loss = latestMetric(view, 'loss');
      const accuracy = latestMetric(view, 'accuracy');
      if (loss !== undefined) parts.push(`loss ${loss.toFixed(3)}`);
      if (accuracy !== undefined) parts.push(`accuracy ${accuracy.toFixed(3)}`);
      return parts.join(' · ');
    }
    default: {
      const unknown: never = view.phase;
      throw new Error(`unhandled phase ${String(unknown)}`);
    }
  }
}
