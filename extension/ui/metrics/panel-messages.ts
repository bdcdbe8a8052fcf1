import { configDifferences, type RunSeries } from '../../core/metrics/run-series';
import type { DeltaMessage, PanelSource, SnapshotMessage } from '../../protocol/metrics-protocol';

/**
 * The messages a metrics panel sends, built from series (no VS Code here, so the replay harness's
 * recordings and the unit tests use exactly what the panel sends).
 */

type WireSeries = SnapshotMessage['runs'][number];

/** Rounds as the protocol carries them (mutable arrays; the same data). */
export function wireRounds(rounds: RunSeries['rounds']): WireSeries['rounds'] {
  return rounds.map((r) => ({ ...r, learners: r.learners.map((l) => ({ ...l })) }));
}

export function snapshotMessage(seq: number, runs: readonly RunSeries[], sources: readonly PanelSource[]): SnapshotMessage {
  return {
    type: 'snapshot',
    seq,
    title: runs.length === 1 ? (runs[0]?.run.label ?? 'FLOps Metrics') : `Comparing ${runs.map((r) => r.run.label).join(' · ')}`,
    runs: runs.map((s) => ({ run: s.run, rounds: wireRounds(s.rounds), timeline: [...s.timeline] })),
    differences: runs.length > 1 ? configDifferences(runs.map((r) => r.run)).map((d) => ({ setting: d.setting, values: [...d.values] })) : [],
    state: { sources: [...sources] },
  };
}

/** What changed from `before` to `now` of one run: rounds after the last one sent, the summary and timeline; undefined when nothing did. */
export function deltaMessage(seq: number, before: RunSeries, now: RunSeries): DeltaMessage | undefined {
  const last = before.rounds[before.rounds.length - 1]?.round ?? -Infinity;
  const fresh = now.rounds.filter((r) => r.round > last);
  const summaryChanged = JSON.stringify(before.run) !== JSON.stringify(now.run) || before.timeline.length !== now.timeline.length;
  if (fresh.length === 0 && !summaryChanged) return undefined;
  return { type: 'delta', seq, runKey: now.run.key, rounds: wireRounds(fresh), run: now.run, timeline: [...now.timeline] };
}
