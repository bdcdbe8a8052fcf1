import path from 'node:path';
import { seriesFromRecord, type RunSeries } from '../core/metrics/run-series';
import { formatSeries, seriesFormats, type SeriesFormat } from '../core/metrics/series-formats';
import { parseCommandArgs, type CliIo, UsageError } from './cli-io';
import type { CliServices } from './cli-root';

/**
 * `flops metrics`: a run's series (aggregate and per learner, per round) as CSV, JSON or a markdown
 * table: a local run from the run history, or an MLflow run through the same client the panel uses.
 * The numbers are the panel's: both read core/metrics.
 */

export const metricsUsage = `Usage: flops metrics [DIR] [--run ID|latest] [--format csv|json|markdown]
       flops metrics --mlflow URL --experiment NAME [--run ID] [--format csv|json|markdown]

Prints a run's metrics per round: the aggregate and each learner's (train_*, eval_*), participation
and round durations.

  DIR                 The repository (default: the current folder); its run history is DIR/.flops/runs.
  --run ID|latest     The run (default: latest). With --mlflow, an MLflow run id or name.
  --format F          csv (default: one row per round and learner), json (non-finite values as null)
                      or markdown (the final round's table, for a paper or a pull request).
  --mlflow URL        Read the run from an MLflow tracking server instead (token: FLOPS_MLFLOW_TOKEN).
  --experiment NAME   The MLflow experiment (its name, e.g. "FLOps Project 42", or its id).

Exit codes: 0 printed, 1 the run or experiment does not exist, 2 usage error or unreadable input.`;

function usage(message: string): UsageError {
  return new UsageError(message, metricsUsage);
}

export async function metricsCommand(args: string[], io: CliIo, services: CliServices): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    {
      args,
      allowPositionals: true,
      options: {
        run: { type: 'string' },
        format: { type: 'string', short: 'f', default: 'csv' },
        mlflow: { type: 'string' },
        experiment: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    },
    metricsUsage,
  );
  if (values.help === true) {
    io.out.write(`${metricsUsage}\n`);
    return 0;
  }
  const format = seriesFormats.find((f) => f === values.format);
  if (format === undefined) throw usage(`Unknown format "${values.format}"; use csv, json or markdown.`);
  if (positionals.length > 1) throw usage(`expected one folder, got ${positionals.length}: ${positionals.join(' ')}`);

  if (values.mlflow !== undefined) {
    if (positionals.length > 0) throw usage('--mlflow reads a tracking server; leave out DIR.');
    if (values.experiment === undefined) throw usage('--mlflow needs --experiment NAME.');
    const token = io.env['FLOPS_MLFLOW_TOKEN'];
    const series = await services.mlflowSeries({ url: values.mlflow, ...(token !== undefined && token !== '' ? { token } : {}) }, values.experiment, values.run);
    if (series.kind === 'missing') {
      io.err.write(`flops metrics: ${series.message}\n`);
      return 1;
    }
    return print(series.series, format, io);
  }
  if (values.experiment !== undefined) throw usage('--experiment goes with --mlflow URL.');

  const dir = path.resolve(positionals[0] ?? '.');
  const records = await services.history.read(dir, (problem) => io.err.write(`flops metrics: ${problem}\n`));
  const wanted = values.run ?? 'latest';
  const record = wanted === 'latest' ? records[0] : records.find((r) => r.runId === wanted);
  if (record === undefined) {
    io.err.write(
      records.length === 0
        ? `flops metrics: no runs recorded for ${dir} yet (flops sim up starts one).\n`
        : `flops metrics: no run "${wanted}" in ${dir}; recorded runs: ${records.slice(0, 5).map((r) => r.runId).join(', ')}${records.length > 5 ? ', …' : ''} (flops sim runs lists them all).\n`,
    );
    return 1;
  }
  return print(seriesFromRecord(record), format, io);
}

function print(series: RunSeries, format: SeriesFormat, io: CliIo): number {
  io.out.write(formatSeries(series, format));
  if (series.rounds.length === 0) io.err.write(`flops metrics: ${series.run.label} has no finished round yet.\n`);
  return 0;
}
