import { formatMetric } from '../../protocol/metric-names';
import { metricNames, type MetricValue, type RunSeries, type SeriesRound } from './run-series';

/**
 * A run's series as text: CSV (one row per round for the aggregate and one per learner and round),
 * JSON (`{"run", "rounds": [{"round", "aggregate", "learners": [{"learner", …metrics}]}]}`, non-finite
 * values as null) and markdown (the final round's table, for a paper or a pull request). `flops metrics`
 * prints these and the panel's exports write the same text, so both show the same numbers.
 */

export type SeriesFormat = 'csv' | 'json' | 'markdown';
export const seriesFormats: readonly SeriesFormat[] = ['csv', 'json', 'markdown'];

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function numberCell(value: MetricValue | undefined): string {
  return value === null || value === undefined ? '' : String(value);
}

/** Several runs in one CSV: `run,round,learner,…metrics,sampled,replied,failed,duration_ms`; learner is empty on aggregate rows. */
export function seriesToCsv(runs: readonly RunSeries[]): string {
  const names = new Set<string>();
  for (const series of runs) {
    const { aggregate, learner } = metricNames(series);
    for (const name of [...aggregate, ...learner]) names.add(name);
  }
  const metrics = [...names];
  const lines = [['run', 'round', 'learner', ...metrics, 'sampled', 'replied', 'failed', 'duration_ms'].map(csvCell).join(',')];
  for (const series of runs) {
    for (const round of series.rounds) {
      const p = round.participation;
      lines.push(
        [
          csvCell(series.run.label),
          String(round.round),
          '',
          ...metrics.map((m) => numberCell(round.aggregate[m])),
          numberCell(p?.sampled),
          numberCell(p?.replied),
          numberCell(p?.failed),
          numberCell(round.durationMs),
        ].join(','),
      );
      for (const row of round.learners) {
        lines.push([csvCell(series.run.label), String(round.round), csvCell(String(row.learner)), ...metrics.map((m) => numberCell(row.metrics[m])), '', '', '', ''].join(','));
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The JSON of one run: plain data, null for what is not a finite number. */
export function seriesToJson(series: RunSeries): string {
  const { run } = series;
  return `${JSON.stringify(
    {
      run: {
        id: run.runId,
        label: run.label,
        source: run.source,
        status: run.status,
        startedAt: new Date(run.startedAt).toISOString(),
        ...(run.finishedAt !== undefined ? { finishedAt: new Date(run.finishedAt).toISOString() } : {}),
        ...(run.message !== undefined ? { message: run.message } : {}),
        strategy: run.strategy,
        rounds: run.rounds,
        learners: run.learners,
        config: run.config,
      },
      rounds: series.rounds.map((round) => ({
        round: round.round,
        aggregate: round.aggregate,
        learners: round.learners.map((row) => ({ learner: row.learner, ...row.metrics, ...(row.error !== undefined ? { error: row.error } : {}) })),
        ...(round.participation !== undefined ? { participation: round.participation } : {}),
        durationMs: round.durationMs,
      })),
    },
    null,
    2,
  )}\n`;
}

function finalRound(series: RunSeries): SeriesRound | undefined {
  return series.rounds[series.rounds.length - 1];
}

/** The final round as a markdown table: the aggregate, then one row per learner. */
export function seriesToMarkdown(series: RunSeries): string {
  const round = finalRound(series);
  const title = `**${series.run.label}** (${series.run.status})`;
  if (round === undefined) return `${title}: no finished round yet.\n`;
  const { aggregate, learner } = metricNames(series);
  const metrics = [...new Set([...aggregate, ...learner])];
  const escape = (text: string): string => text.replaceAll('|', '\\|');
  const lines = [
    `${title}, round ${round.round} of ${series.run.rounds}`,
    '',
    `| | ${metrics.map(escape).join(' | ')} |`,
    `|---|${metrics.map(() => '---:').join('|')}|`,
    `| aggregate | ${metrics.map((m) => formatMetric(round.aggregate[m])).join(' | ')} |`,
    ...round.learners.map((row) => `| learner ${escape(String(row.learner))} | ${metrics.map((m) => formatMetric(row.metrics[m])).join(' | ')} |`),
  ];
  return `${lines.join('\n')}\n`;
}

export function formatSeries(series: RunSeries, format: SeriesFormat): string {
  switch (format) {
    case 'csv':
      return seriesToCsv([series]);
    case 'json':
      return seriesToJson(series);
    case 'markdown':
      return seriesToMarkdown(series);
  }
}
