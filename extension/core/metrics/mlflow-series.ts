import { FlError } from '../errors';
import { compareLearners, finiteOrNull, type LearnerRow, type RunSeries, type SeriesRound, type SeriesStatus } from './run-series';

/**
 * An MLflow run as a RunSeries, in either naming scheme (flower-mlflow.md §8, oakestra-api.md):
 * - ours: one run per Flower run, named `<strategy>-run-<id>` with tag `fl.role=server`, metrics
 *   `train_…`/`eval_…` logged with step = round; per-learner child runs (tag `mlflow.parentRunId`,
 *   `fl.partition_id`) become learner rows when a ServerApp logs them;
 * - FLOps' add-on: experiment `FLOps Project <id>`, one run per round carrying the aggregator's metrics.
 * The reader is the io/ client; this file only decides what to ask for and folds the answers.
 */

export interface MlflowRunInfo {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly startTime: number;
  readonly endTime?: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly params: Readonly<Record<string, string>>;
  readonly latest: Readonly<Record<string, number | null>>;
}

export interface MlflowExperiment {
  readonly id: string;
  readonly name: string;
}

export interface MlflowPoint {
  readonly step: number;
  readonly value: number | null;
  readonly timestamp: number;
}

/** What the fold reads from a tracking server (io/mlflow-client.ts implements it). */
export interface MlflowReader {
  readonly url: string;
  experiment(nameOrId: string, signal?: AbortSignal): Promise<MlflowExperiment | undefined>;
  runs(experimentId: string, signal?: AbortSignal): Promise<MlflowRunInfo[]>;
  history(runId: string, key: string, signal?: AbortSignal): Promise<MlflowPoint[]>;
}

/** A reader that also lists the experiments, for picking one. */
export interface MlflowCatalog extends MlflowReader {
  experiments(signal?: AbortSignal): Promise<MlflowExperiment[]>;
}

export type MlflowSeriesResult = { readonly kind: 'series'; readonly series: RunSeries; readonly running: boolean } | { readonly kind: 'missing'; readonly message: string };

export function isFlopsAddonExperiment(name: string): boolean {
  return /^FLOps Project\b/i.test(name);
}

function statusOf(status: string): SeriesStatus {
  switch (status) {
    case 'RUNNING':
    case 'SCHEDULED':
      return 'running';
    case 'FINISHED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'KILLED':
      return 'stopped';
    default:
      return 'unknown';
  }
}

/** Runs `work` over `items`, at most `limit` at a time, keeping the order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await work(items[index] as T);
    }
  });
  await Promise.all(lanes);
  return out;
}

/** Metric histories of one run as `{round → {key → value}}` (step = round). */
async function stepTable(reader: MlflowReader, run: MlflowRunInfo, signal: AbortSignal | undefined): Promise<Map<number, Record<string, number | null>>> {
  const keys = Object.keys(run.latest);
  const histories = await mapLimited(keys, 4, (key) => reader.history(run.id, key, signal));
  const table = new Map<number, Record<string, number | null>>();
  keys.forEach((key, i) => {
    for (const point of histories[i] ?? []) {
      const row = table.get(point.step) ?? {};
      row[key] = finiteOrNull(point.value);
      table.set(point.step, row);
    }
  });
  return table;
}

function mlflowConfig(run: MlflowRunInfo, experiment: string, url: string): Record<string, string> {
  const config: Record<string, string> = { source: `MLflow ${url}, experiment "${experiment}"` };
  for (const [key, value] of Object.entries(run.params)) config[key] = value;
  if (run.tags['fl.strategy'] !== undefined) config['strategy'] = run.tags['fl.strategy'];
  return config;
}

/** Reads one run of an experiment (ours: `runRef` is an id or name, default the newest server run; FLOps': the whole experiment). */
export async function mlflowSeries(reader: MlflowReader, experimentRef: string, runRef: string | undefined, signal?: AbortSignal): Promise<MlflowSeriesResult> {
  const experiment = await reader.experiment(experimentRef, signal);
  if (experiment === undefined) return { kind: 'missing', message: `MLflow at ${reader.url} has no experiment "${experimentRef}". Check its name (the MLflow UI lists them).` };
  const runs = await reader.runs(experiment.id, signal);
  if (runs.length === 0) return { kind: 'missing', message: `The MLflow experiment "${experiment.name}" has no runs yet.` };

  if (isFlopsAddonExperiment(experiment.name) && runRef === undefined) return { kind: 'series', ...flopsAddonSeries(runs, experiment, reader.url) };

  const servers = runs.filter((r) => r.tags['fl.role'] !== 'client');
  const run = runRef !== undefined ? runs.find((r) => r.id === runRef) ?? runs.find((r) => r.name === runRef) : (servers.find((r) => r.tags['fl.role'] === 'server') ?? servers[0]);
  if (run === undefined) {
    return { kind: 'missing', message: `The MLflow experiment "${experiment.name}" has no run "${runRef ?? ''}"; its runs: ${servers.slice(0, 5).map((r) => r.name).join(', ')}${servers.length > 5 ? ', …' : ''}.` };
  }
  const aggregate = await stepTable(reader, run, signal);
  const children = runs.filter((r) => r.tags['mlflow.parentRunId'] === run.id);
  const learnerTables = await mapLimited(children, 2, async (child) => ({ child, table: await stepTable(reader, child, signal) }));
  const steps = new Set<number>(aggregate.keys());
  for (const { table } of learnerTables) for (const step of table.keys()) steps.add(step);

  const rounds: SeriesRound[] = [...steps]
    .sort((a, b) => a - b)
    .map((step) => {
      const learners: LearnerRow[] = learnerTables
        .filter(({ table }) => table.has(step))
        .map(({ child, table }) => {
          const partition = child.tags['fl.partition_id'];
          return { learner: partition !== undefined && /^\d+$/.test(partition) ? Number(partition) + 1 : child.name, metrics: table.get(step) ?? {} };
        })
        .sort(compareLearners);
      return { round: step, aggregate: aggregate.get(step) ?? {}, learners, durationMs: null, timeMs: null };
    });
  const planned = Number(run.params['rounds'] ?? run.params['num_rounds'] ?? rounds.length);
  const status = statusOf(run.status);
  if (signal?.aborted === true) throw new FlError('cancelled', 'Cancelled.');
  return {
    kind: 'series',
    running: status === 'running',
    series: {
      run: {
        key: `mlflow:${run.id}`,
        runId: run.id,
        label: run.name,
        source: 'mlflow',
        status,
        startedAt: run.startTime,
        ...(run.endTime !== undefined ? { finishedAt: run.endTime } : {}),
        strategy: run.tags['fl.strategy'] ?? run.params['strategy'] ?? 'unknown',
        rounds: Number.isFinite(planned) ? planned : rounds.length,
        learners: Number(run.params['learners'] ?? run.params['min_available_clients'] ?? children.length) || children.length,
        config: mlflowConfig(run, experiment.name, reader.url),
      },
      rounds,
      timeline: [],
    },
  };
}

/** FLOps' add-on scheme: every run of the experiment is one round (oldest first), its latest metrics the aggregate. */
function flopsAddonSeries(runs: readonly MlflowRunInfo[], experiment: { id: string; name: string }, url: string): { series: RunSeries; running: boolean } {
  const ordered = [...runs].sort((a, b) => a.startTime - b.startTime);
  const rounds: SeriesRound[] = ordered.map((run, index) => {
    let previous = index > 0 ? ordered[index - 1]?.endTime : undefined;
    if (previous === undefined && run.endTime !== undefined) previous = run.startTime;
    return {
      round: index + 1,
      aggregate: Object.fromEntries(Object.entries(run.latest).map(([k, v]) => [k, finiteOrNull(v)])),
      learners: [],
      durationMs: run.endTime !== undefined ? finiteOrNull(run.endTime - run.startTime) : null,
      timeMs: run.endTime ?? null,
    };
  });
  const running = ordered.some((r) => statusOf(r.status) === 'running');
  const failed = ordered.some((r) => statusOf(r.status) === 'failed');
  const first = ordered[0];
  const last = ordered[ordered.length - 1];
  return {
    running,
    series: {
      run: {
        key: `mlflow:experiment:${experiment.id}`,
        runId: experiment.id,
        label: experiment.name,
        source: 'mlflow',
        status: running ? 'running' : failed ? 'failed' : 'succeeded',
        startedAt: first?.startTime ?? 0,
        ...(!running && last?.endTime !== undefined ? { finishedAt: last.endTime } : {}),
        strategy: 'FedAvg',
        rounds: rounds.length,
        learners: 0,
        config: { source: `MLflow ${url}, FLOps add-on experiment "${experiment.name}"`, strategy: 'FedAvg', ...(first !== undefined ? first.params : {}) },
      },
      rounds,
      timeline: [],
    },
  };
}
