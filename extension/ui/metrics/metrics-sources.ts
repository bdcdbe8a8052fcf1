import { FlError } from '../../core/errors';
import { mlflowSeries, type MlflowCatalog } from '../../core/metrics/mlflow-series';
import { seriesFromRecord, type RunSeries } from '../../core/metrics/run-series';
import { recordFromView, type RunRecord } from '../../core/runs/run-record';
import type { RunStore } from '../../core/runs/run-store';
import type { PanelSource } from '../../protocol/metrics-protocol';

/**
 * Where a metrics panel's runs come from: a local run (the run store: the live run's view while it
 * goes, its history record after) or an MLflow run (the undici client, never the webview). Each source
 * loads as a RunSeries; `running` says whether it may still change.
 */

export interface MlflowAccess {
  /** A reader for the server, with the token from SecretStorage. */
  reader(url: string): Promise<MlflowCatalog>;
}

export interface LoadedSource {
  readonly series: RunSeries;
  readonly running: boolean;
}

export function sourceKey(source: PanelSource): string {
  return source.kind === 'local' ? `local:${source.runId}` : `mlflow:${source.url}|${source.experiment}|${source.run ?? ''}`;
}

/** One panel per set of sources: the key the panels are found by. */
export function panelKey(sources: readonly PanelSource[]): string {
  return sources.map(sourceKey).join(' + ');
}

/** A local run's series now: the live view while its run is active (with its record's settings), else its history record. */
export function localSeries(store: RunStore, source: PanelSource & { kind: 'local' }): LoadedSource | undefined {
  const repo = store.repoList().find((r) => r.path === source.repo);
  const recorded: RunRecord | undefined = repo?.history.find((r) => r.runId === source.runId);
  const live = store.liveRunOf(source.repo);
  if (live !== undefined && live.runId === source.runId) {
    const record = recordFromView(live.view, { repo: source.repo, owner: '' });
    const merged: RunRecord = { ...record, ...(recorded?.settings !== undefined ? { settings: recorded.settings } : {}), ...(recorded?.git !== undefined ? { git: recorded.git } : {}) };
    return { series: seriesFromRecord(merged, live.active), running: live.active };
  }
  if (recorded !== undefined) return { series: seriesFromRecord(recorded, recorded.outcome === undefined), running: false };
  return undefined;
}

export async function loadSource(source: PanelSource, store: RunStore, mlflow: MlflowAccess, signal: AbortSignal): Promise<LoadedSource> {
  if (source.kind === 'local') {
    const loaded = localSeries(store, source);
    if (loaded !== undefined) return loaded;
    const repo = store.repoList().find((r) => r.path === source.repo);
    if (repo === undefined) throw new FlError('notFound', `The repository ${source.repo} is not open in this window any more. Open its folder, then open the metrics again.`);
    if (repo.historyError !== undefined) throw new FlError('unreadable', `The run history of ${repo.name} could not be read: ${repo.historyError}`);
    throw new FlError('notFound', `The run ${source.runId} is not in the run history of ${repo.name} (was ${source.repo}/.flops/runs/${source.runId}.json deleted?).`);
  }
  const reader = await mlflow.reader(source.url);
  const result = await mlflowSeries(reader, source.experiment, source.run, signal);
  if (result.kind === 'missing') throw new FlError('notFound', result.message);
  return { series: result.series, running: result.running };
}
