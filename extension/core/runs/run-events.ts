/**
 * The one event stream of a run (architecture.md "One event stream"): everything that happens in a
 * run becomes a typed `RunEvent`. The tree, the status bar, the CLI and the run history are folds over
 * these events (run-view.ts), kept by the run store (run-store.ts); nothing reads Docker directly.
 *
 * Sources: a local simulation (core/simulate/session.ts turns container events, the ServerApp's metrics
 * lines and a few Flower log lines into events; see log-lines.ts); an Oakestra deployment is the next
 * source of the same events. `at` is milliseconds since the epoch.
 */

export type MemberRole = 'aggregator' | 'learner' | 'starter' | 'mlflow';

/** A container's state as the run monitor shows it. */
export type MemberState = 'pending' | 'starting' | 'running' | 'paused' | 'restarting' | 'exited' | 'failed' | 'removed';

/** One aggregated set of metrics of a round (numbers only; null for non-finite values). */
export type RoundMetricValues = Readonly<Record<string, number | null>>;

/** One learner's own reply metrics in a round (the metrics line's `learners`). */
export interface LearnerRoundMetrics {
  /** Its partition id; null when its reply did not carry one. */
  readonly learner: number | null;
  /** Flower's node id. */
  readonly node: string;
  readonly train: RoundMetricValues | null;
  readonly evaluate: RoundMetricValues | null;
  /** Why a reply of this learner failed in this round. */
  readonly error?: string | undefined;
}

export interface RoundMetrics {
  readonly round: number;
  readonly rounds: number;
  readonly strategy: string;
  readonly train: RoundMetricValues | null;
  readonly evaluate: RoundMetricValues | null;
  /** Replies without error, per phase. */
  readonly nodes: { readonly train: number; readonly evaluate: number };
  /** Replies with an error (or none), per phase; a round with `nodes.train` 0 failed. */
  readonly failures: { readonly train: number; readonly evaluate: number };
  /** When the ServerApp finished the round (its clock). */
  readonly timeMs: number;
  /** Per learner that was sampled; empty for apps generated before the metrics line carried it. */
  readonly learners: readonly LearnerRoundMetrics[];
  /** How long the round took, from its "[ROUND n]" log line to its metrics line (this machine's clock). */
  readonly durationMs?: number | undefined;
}

export type RunOutcome = 'succeeded' | 'failed' | 'stopped' | 'cancelled';

export type RunEvent =
  | {
      readonly type: 'runPlanned';
      readonly at: number;
      readonly runId: string;
      readonly project: string;
      readonly learners: number;
      readonly rounds: number;
      readonly strategy: string;
      /** Where the run is reachable from this machine (free host ports picked per run). */
      readonly endpoints?: { readonly control: string; readonly mlflow?: string };
      readonly members: readonly { readonly service: string; readonly role: MemberRole; readonly learner?: number; readonly profile?: string; readonly cpus?: number; readonly memoryMb?: number }[];
    }
  | { readonly type: 'imageBuildStarted'; readonly at: number; readonly tag: string }
  | { readonly type: 'imageBuildStep'; readonly at: number; readonly index: number; readonly total: number; readonly instruction: string }
  | { readonly type: 'imageReady'; readonly at: number; readonly tag: string; readonly built: boolean }
  | { readonly type: 'memberState'; readonly at: number; readonly service: string; readonly state: MemberState; readonly exitCode?: number; readonly oomKilled?: boolean }
  | { readonly type: 'memberResources'; readonly at: number; readonly service: string; readonly cpuPercent: number; readonly memoryMb: number }
  | { readonly type: 'waitingForLearners'; readonly at: number; readonly connected?: number; readonly required?: number }
  | { readonly type: 'roundStarted'; readonly at: number; readonly round: number; readonly rounds: number }
  | { readonly type: 'roundFinished'; readonly at: number; readonly metrics: RoundMetrics }
  | { readonly type: 'learnerFailed'; readonly at: number; readonly service: string; readonly learner: number; readonly exitCode?: number; readonly oomKilled: boolean; readonly reason: string }
  | { readonly type: 'runFinished'; readonly at: number; readonly outcome: RunOutcome; readonly message: string };

export type RunEventType = RunEvent['type'];
