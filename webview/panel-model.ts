import { sortMetricNames } from '../extension/protocol/metric-names';
import type { DeltaMessage, PanelState, SnapshotMessage, ToWebview } from '../extension/protocol/metrics-protocol';

/**
 * The metrics panel's state, folded from the extension's messages. A snapshot replaces everything; a
 * delta upserts rounds of one run. Deltas carry sequence numbers: one not newer than the snapshot, or
 * seen before, is dropped; deltas that arrive out of order still merge, because each round keeps the
 * sequence number that wrote it and only a newer one replaces it (the same for a run's status and
 * timeline). Pure: no DOM, so it is unit-tested in Node.
 */

type Series = SnapshotMessage['runs'][number];
export type Round = Series['rounds'][number];
export type RunInfo = Series['run'];
export type Mark = Series['timeline'][number];

export interface RunModel {
  readonly run: RunInfo;
  /** In round order, unique by round. */
  readonly rounds: readonly Round[];
  readonly timeline: readonly Mark[];
  /** Sequence number that last wrote each round / the summary. */
  readonly roundSeq: ReadonlyMap<number, number>;
  readonly summarySeq: number;
}

export interface PanelModel {
  readonly phase: 'loading' | 'ready' | 'error';
  readonly loadingText: string;
  readonly error?: { readonly title: string; readonly text: string; readonly retry: boolean };
  readonly notice?: string;
  readonly title: string;
  readonly snapshotSeq: number;
  readonly seen: ReadonlySet<number>;
  readonly runs: readonly RunModel[];
  readonly differences: SnapshotMessage['differences'];
  readonly state?: PanelState;
}

/** What a message changed, so the page redraws only that. */
export type Change = { readonly kind: 'none' } | { readonly kind: 'all' } | { readonly kind: 'rounds'; readonly runKey: string; readonly appended: boolean } | { readonly kind: 'chrome' };

export function initialModel(loadingText = 'Loading metrics…'): PanelModel {
  return { phase: 'loading', loadingText, title: 'FLOps Metrics', snapshotSeq: -1, seen: new Set(), runs: [], differences: [] };
}

function runFromSeries(series: Series, seq: number): RunModel {
  const byRound = new Map<number, Round>();
  for (const round of series.rounds) byRound.set(round.round, round);
  const rounds = [...byRound.values()].sort((a, b) => a.round - b.round);
  return { run: series.run, rounds, timeline: series.timeline, roundSeq: new Map(rounds.map((r) => [r.round, seq])), summarySeq: seq };
}

/** Upserts `incoming` rounds into `rounds` (sorted); the common case, rounds after the last one, is an append. */
function mergeRounds(run: RunModel, incoming: readonly Round[], seq: number): { rounds: Round[]; roundSeq: Map<number, number>; appended: boolean } {
  const rounds = [...run.rounds];
  const roundSeq = new Map(run.roundSeq);
  let appended = true;
  for (const round of [...incoming].sort((a, b) => a.round - b.round)) {
    const known = roundSeq.get(round.round);
    if (known !== undefined && known >= seq) continue;
    roundSeq.set(round.round, seq);
    const last = rounds[rounds.length - 1];
    if (last === undefined || round.round > last.round) {
      rounds.push(round);
      continue;
    }
    appended = false;
    let lo = 0;
    let hi = rounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((rounds[mid]?.round ?? 0) < round.round) lo = mid + 1;
      else hi = mid;
    }
    if (rounds[lo]?.round === round.round) rounds[lo] = round;
    else rounds.splice(lo, 0, round);
  }
  return { rounds, roundSeq, appended };
}

function applyDelta(model: PanelModel, delta: DeltaMessage): { model: PanelModel; change: Change } {
  if (model.phase !== 'ready' || delta.seq <= model.snapshotSeq || model.seen.has(delta.seq)) return { model, change: { kind: 'none' } };
  const index = model.runs.findIndex((r) => r.run.key === delta.runKey);
  const seen = new Set(model.seen).add(delta.seq);
  const current = model.runs[index];
  if (current === undefined) return { model: { ...model, seen }, change: { kind: 'none' } };
  const merged = mergeRounds(current, delta.rounds, delta.seq);
  const newerSummary = delta.seq > current.summarySeq;
  const next: RunModel = {
    run: newerSummary && delta.run !== undefined ? delta.run : current.run,
    timeline: newerSummary && delta.timeline !== undefined ? delta.timeline : current.timeline,
    rounds: merged.rounds,
    roundSeq: merged.roundSeq,
    summarySeq: newerSummary && (delta.run !== undefined || delta.timeline !== undefined) ? delta.seq : current.summarySeq,
  };
  const runs = model.runs.map((r, i) => (i === index ? next : r));
  return { model: { ...model, seen, runs }, change: { kind: 'rounds', runKey: delta.runKey, appended: merged.appended } };
}

export function reduce(model: PanelModel, message: ToWebview): { model: PanelModel; change: Change } {
  switch (message.type) {
    case 'loading': {
      const { error: _e, notice: _n, ...rest } = model;
      return { model: { ...rest, phase: 'loading', loadingText: message.text }, change: { kind: 'all' } };
    }
    case 'snapshot': {
      if (message.seq < model.snapshotSeq) return { model, change: { kind: 'none' } };
      const { error: _e, notice: _n, ...rest } = model;
      return {
        model: { ...rest, phase: 'ready', title: message.title, snapshotSeq: message.seq, seen: new Set(), runs: message.runs.map((s) => runFromSeries(s, message.seq)), differences: message.differences, state: message.state },
        change: { kind: 'all' },
      };
    }
    case 'delta':
      return applyDelta(model, message);
    case 'error':
      return { model: { ...model, phase: 'error', error: { title: message.title, text: message.text, retry: message.retry } }, change: { kind: 'all' } };
    case 'notice':
      return { model: { ...model, notice: message.text }, change: { kind: 'chrome' } };
  }
}

/** Metric names over every run, aggregate and per learner, loss and accuracy first. */
export function metricNames(runs: readonly RunModel[]): { aggregate: string[]; learner: string[] } {
  const aggregate = new Set<string>();
  const learner = new Set<string>();
  for (const run of runs) {
    for (const round of run.rounds) {
      for (const name of Object.keys(round.aggregate)) aggregate.add(name);
      for (const row of round.learners) for (const name of Object.keys(row.metrics)) learner.add(name);
    }
  }
  return { aggregate: sortMetricNames(aggregate), learner: sortMetricNames(learner) };
}
