import type { LearnerRoundMetrics, RoundMetricValues } from '../runs/run-events';
import type { RunRecord } from '../runs/run-record';
import { sortMetricNames } from '../../protocol/metric-names';

/**
 * A run as the metrics panel and `flops metrics` show it: its summary and configuration, and one row per
 * round with the aggregate and each learner's metrics under flat names (`train_loss`, `eval_accuracy`,
 * … the same names the generated ServerApp logs to MLflow), participation and duration, plus the run's
 * timeline. One fold from a run record (a local run's history, or a live run's record so far) and one
 * from MLflow's metric histories (mlflow-series.ts) produce it; the panel, the CSV/JSON/markdown exports
 * and the CLI all read only this.
 */

export type SeriesSource = 'local' | 'mlflow';
export type SeriesStatus = 'running' | 'succeeded' | 'failed' | 'stopped' | 'cancelled' | 'interrupted' | 'unknown';

/** A metric value: null for non-finite or missing values. */
export type MetricValue = number | null;

export interface SeriesRun {
  /** Unique among the runs a panel shows: `<source>:<run id>`. */
  readonly key: string;
  readonly runId: string;
  readonly label: string;
  readonly source: SeriesSource;
  readonly status: SeriesStatus;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly message?: string;
  readonly strategy: string;
  readonly rounds: number;
  readonly learners: number;
  /** Everything a comparison lists, by name (strategy, rounds, learners, profiles, Flower version, image, commit…). */
  readonly config: Readonly<Record<string, string>>;
}

export interface LearnerRow {
  /**
   * The learner's number as the run monitor shows it (service `learner-N`, 1-based: its partition id
   * plus one), or `node <id>` when the reply did not carry a partition id.
   */
  readonly learner: number | string;
  readonly metrics: Readonly<Record<string, MetricValue>>;
  readonly error?: string;
}

export interface SeriesRound {
  readonly round: number;
  readonly aggregate: Readonly<Record<string, MetricValue>>;
  readonly learners: readonly LearnerRow[];
  /** Learners asked to train, replies without error, and failed or missing replies. */
  readonly participation?: { readonly sampled: number; readonly replied: number; readonly failed: number };
  readonly durationMs: MetricValue;
  /** When the round finished (ms since the epoch), if known. */
  readonly timeMs: MetricValue;
}

export interface SeriesMark {
  readonly at: number;
  readonly kind: 'build' | 'start' | 'pause' | 'resume' | 'stop' | 'failure' | 'outcome';
  readonly text: string;
}

export interface RunSeries {
  readonly run: SeriesRun;
  /** In round order, one per round. */
  readonly rounds: readonly SeriesRound[];
  readonly timeline: readonly SeriesMark[];
}

/** The metric names a run reports, aggregate and per learner, in a stable order (loss and accuracy first). */
export function metricNames(series: RunSeries): { readonly aggregate: string[]; readonly learner: string[] } {
  const aggregate = new Set<string>();
  const learner = new Set<string>();
  for (const round of series.rounds) {
    for (const name of Object.keys(round.aggregate)) aggregate.add(name);
    for (const row of round.learners) for (const name of Object.keys(row.metrics)) learner.add(name);
  }
  return { aggregate: sortMetricNames([...aggregate]), learner: sortMetricNames([...learner]) };
}

/** `{loss: 0.4}` of phase `evaluate` as `{eval_loss: 0.4}`; non-finite values as null. */
export function flatMetrics(train: RoundMetricValues | null, evaluate: RoundMetricValues | null): Record<string, MetricValue> {
  const out: Record<string, MetricValue> = {};
  for (const [prefix, values] of [['train', train], ['eval', evaluate]] as const) {
    if (values === null) continue;
    for (const [name, value] of Object.entries(values)) out[`${prefix}_${name.replaceAll('-', '_')}`] = finiteOrNull(value);
  }
  return out;
}

export function finiteOrNull(value: unknown): MetricValue {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function learnerRow(learner: LearnerRoundMetrics): LearnerRow {
  return { learner: learner.learner !== null ? learner.learner + 1 : `node ${learner.node}`, metrics: flatMetrics(learner.train, learner.evaluate), ...(learner.error !== undefined ? { error: learner.error } : {}) };
}

function statusOf(record: RunRecord, active: boolean): SeriesStatus {
  if (active) return 'running';
  return record.outcome ?? 'unknown';
}

/** The comparison configuration of a local run. */
function localConfig(record: RunRecord): Record<string, string> {
  const profiles = new Map<string, number>();
  for (const p of record.config.profiles) {
    const text = `${p.profile}${p.cpus !== undefined || p.memoryMb !== undefined ? ` (${[p.cpus !== undefined ? `${p.cpus} CPU` : '', p.memoryMb !== undefined ? `${p.memoryMb} MB` : ''].filter(Boolean).join(', ')})` : ''}`;
    profiles.set(text, (profiles.get(text) ?? 0) + 1);
  }
  return {
    strategy: record.config.strategy,
    rounds: String(record.config.rounds),
    learners: String(record.config.learners),
    'learner profiles': [...profiles].map(([text, count]) => `${count}× ${text}`).join(', ') || 'default',
    ...record.settings,
    image: record.image || 'unknown',
    'git commit': record.git?.commit !== undefined ? `${record.git.commit.slice(0, 12)}${record.git.dirtyFiles > 0 ? ` (+${record.git.dirtyFiles} changed files)` : ''}` : 'not a git repository',
  };
}

/** A local run's series, from its record (`active` while its run is still going). */
export function seriesFromRecord(record: RunRecord, active = false): RunSeries {
  let previousTime: number | undefined;
  const rounds = [...record.rounds]
    .sort((a, b) => a.round - b.round)
    .map((r): SeriesRound => {
      // Without a "[ROUND n]" line the time since the previous round's line is the best duration there is.
      const duration = r.durationMs ?? (previousTime !== undefined ? r.timeMs - previousTime : undefined);
      previousTime = r.timeMs;
      const sampled = r.learners.length > 0 ? r.learners.length : r.nodes.train + r.failures.train;
      return {
        round: r.round,
        aggregate: flatMetrics(r.train, r.evaluate),
        learners: r.learners.map(learnerRow).sort(compareLearners),
        participation: { sampled, replied: r.nodes.train, failed: r.failures.train },
        durationMs: finiteOrNull(duration),
        timeMs: finiteOrNull(r.timeMs),
      };
    });
  const status = statusOf(record, active);
  return {
    run: {
      key: `local:${record.runId}`,
      runId: record.runId,
      label: `${record.config.strategy}-run-${record.runId}`,
      source: 'local',
      status,
      startedAt: record.startedAt,
      ...(record.finishedAt !== undefined ? { finishedAt: record.finishedAt } : {}),
      ...(record.message !== undefined ? { message: record.message } : {}),
      strategy: record.config.strategy,
      rounds: record.config.rounds,
      learners: record.config.learners,
      config: localConfig(record),
    },
    rounds,
    timeline: record.timeline.map(({ at, kind, text }) => ({ at, kind, text })),
  };
}

export function compareLearners(a: LearnerRow, b: LearnerRow): number {
  if (typeof a.learner === 'number' && typeof b.learner === 'number') return a.learner - b.learner;
  if (typeof a.learner === 'number') return -1;
  if (typeof b.learner === 'number') return 1;
  return a.learner.localeCompare(b.learner);
}

/** What differs between runs' configurations: one row per setting whose values are not all equal. */
export function configDifferences(runs: readonly SeriesRun[]): { readonly setting: string; readonly values: readonly string[] }[] {
  const settings = new Set<string>();
  for (const run of runs) for (const name of Object.keys(run.config)) settings.add(name);
  const rows: { setting: string; values: string[] }[] = [];
  for (const setting of settings) {
    const values = runs.map((run) => run.config[setting] ?? '—');
    if (new Set(values).size > 1) rows.push({ setting, values });
  }
  return rows;
}
