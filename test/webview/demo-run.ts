import type { RunSeries } from '../../extension/core/metrics/run-series';
import { seriesFromRecord } from '../../extension/core/metrics/run-series';
import type { RoundMetrics, RunEvent } from '../../extension/core/runs/run-events';
import { recordFromView } from '../../extension/core/runs/run-record';
import { emptyRunView, reduceRun, type RunView } from '../../extension/core/runs/run-view';
import type { PanelSource, ToWebview } from '../../extension/protocol/metrics-protocol';
import { deltaMessage, snapshotMessage } from '../../extension/ui/metrics/panel-messages';

/**
 * A federated run as the run store folds it (real RunEvents → run view → record → series), and the
 * protocol messages a panel watching it sends (the same functions the panel uses), for the replay
 * harness, its browser tests and the benchmark. Deterministic: a seeded generator makes the numbers.
 * Learners drift apart (non-IID partitions), one is a straggler, one fails a round and one is paused.
 */

export interface DemoOptions {
  readonly runId?: string;
  readonly learners?: number;
  readonly rounds?: number;
  readonly strategy?: string;
  /** Learner (1-based) whose reply fails in `failRound`. */
  readonly failRound?: number;
  readonly seed?: number;
  readonly t0?: number;
}

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;

export function demoEvents(options: DemoOptions = {}): RunEvent[] {
  const { runId = 'mnist-sklearn-m3x1', learners = 4, rounds = 12, strategy = 'FedAvg', failRound = Math.min(5, rounds), seed = 7, t0 = 1_764_000_000_000 } = options;
  const rand = random(seed);
  const events: RunEvent[] = [];
  const members = [{ service: 'aggregator', role: 'aggregator' as const }, ...Array.from({ length: learners }, (_, i) => ({ service: `learner-${i + 1}`, role: 'learner' as const, learner: i + 1, profile: i === learners - 1 ? 'pi-class' : 'laptop', cpus: i === learners - 1 ? 0.5 : 2, memoryMb: i === learners - 1 ? 512 : 4096 }))];
  let at = t0;
  events.push({ type: 'runPlanned', at, runId, project: 'mnist-sklearn', learners, rounds, strategy, members });
  events.push({ type: 'imageBuildStarted', at: (at += 40), tag: 'flops-sim/mnist-sklearn:3f9a1c0b2e7d' });
  events.push({ type: 'imageReady', at: (at += 6200), tag: 'flops-sim/mnist-sklearn:3f9a1c0b2e7d', built: true });
  events.push({ type: 'memberState', at: (at += 300), service: 'aggregator', state: 'running' });
  for (let i = 1; i <= learners; i++) events.push({ type: 'memberState', at: (at += 120), service: `learner-${i}`, state: 'running' });
  const drift = Array.from({ length: learners }, () => 0.6 + rand() * 0.8);
  for (let round = 1; round <= rounds; round++) {
    events.push({ type: 'roundStarted', at: (at += 200), round, rounds });
    const progress = 1 - Math.exp(-round / Math.max(2, rounds / 4));
    const replies = Array.from({ length: learners }, (_, i) => {
      const failed = round === failRound && i === 1;
      const straggler = i === learners - 1;
      const loss = round4((2.3 - 2.0 * progress) * drift[i]! * (0.95 + rand() * 0.1));
      return {
        learner: i,
        node: String(1000 + i * 7919),
        train: failed ? null : { 'num-examples': 1200 + i * 150, 'train-seconds': round4((straggler ? 3.2 : 0.9) * (0.9 + rand() * 0.2)), loss: round4(loss * 0.92) },
        evaluate: failed ? null : { loss, accuracy: round4(Math.min(0.99, 0.1 + 0.85 * progress / drift[i]! ** 0.25) * (0.98 + rand() * 0.02)), 'num-examples': 300 + i * 40 },
        ...(failed ? { error: 'ValueError: Input contains NaN' } : {}),
      };
    });
    const ok = replies.filter((r) => r.evaluate !== null);
    const weight = (r: (typeof replies)[number]) => r.evaluate?.['num-examples'] ?? 0;
    const total = ok.reduce((s, r) => s + weight(r), 0);
    const mean = (key: 'loss' | 'accuracy') => round4(ok.reduce((s, r) => s + (r.evaluate?.[key] ?? 0) * weight(r), 0) / total);
    const duration = 1800 + rand() * 600 + (round === failRound ? 1500 : 0);
    const metrics: RoundMetrics = {
      round,
      rounds,
      strategy,
      train: { 'num-examples': ok.reduce((s, r) => s + (r.train?.['num-examples'] ?? 0), 0), loss: round4(mean('loss') * 0.92) },
      evaluate: { loss: mean('loss'), accuracy: mean('accuracy'), 'num-examples': total },
      nodes: { train: ok.length, evaluate: ok.length },
      failures: { train: learners - ok.length, evaluate: learners - ok.length },
      timeMs: (at += duration),
      learners: replies,
    };
    if (round === failRound) events.push({ type: 'learnerFailed', at: at - 400, service: 'learner-2', learner: 2, oomKilled: false, reason: 'ValueError: Input contains NaN (train.py, line 42)' });
    events.push({ type: 'roundFinished', at, metrics });
    if (round === failRound + 2 && learners > 2) events.push({ type: 'memberState', at: (at += 50), service: 'learner-3', state: 'paused' });
    if (round === failRound + 3 && learners > 2) events.push({ type: 'memberState', at: (at += 50), service: 'learner-3', state: 'running' });
  }
  events.push({ type: 'runFinished', at: (at += 900), outcome: 'succeeded', message: `Finished ${rounds} rounds.` });
  return events;
}

const settings = { 'Flower version': '1.27.0', 'strategy parameters': 'fraction_train=1, fraction_evaluate=1', partitioning: 'dirichlet (alpha 0.5, by label)', 'partition seed': '42', 'round config': 'local_epochs=1, learning_rate=0.01, batch_size=32' };

function seriesOf(view: RunView, active: boolean, extra: Record<string, string> = {}): RunSeries {
  return seriesFromRecord(recordFromView(view, { repo: '/work/mnist-sklearn', owner: '1@host', git: { commit: '8c1f2a9d4b7e6a5c3d2e1f0a', dirtyFiles: 0 }, settings: { ...settings, ...extra } }), active);
}

/** The series of a finished demo run. */
export function demoSeries(options: DemoOptions = {}, extraSettings: Record<string, string> = {}): RunSeries {
  return seriesOf(demoEvents(options).reduce(reduceRun, emptyRunView(options.runId ?? 'run', options.t0 ?? 0)), false, extraSettings);
}

/** What a panel opened on the run before it starts sends: loading, a snapshot, then a delta per change, with times. */
export function liveRecording(options: DemoOptions = {}, speedup = 20): { at: number; message: ToWebview }[] {
  const events = demoEvents(options);
  const source: PanelSource = { kind: 'local', repo: '/work/mnist-sklearn', runId: options.runId ?? 'mnist-sklearn-m3x1' };
  const t0 = events[0]?.at ?? 0;
  let view = emptyRunView(source.runId, t0);
  const out: { at: number; message: ToWebview }[] = [{ at: 0, message: { type: 'loading', text: 'Reading the run…' } }];
  view = reduceRun(view, events[0] as RunEvent);
  let shown = seriesOf(view, true);
  let seq = 1;
  out.push({ at: 30, message: snapshotMessage(seq, [shown], [source]) });
  for (const event of events.slice(1)) {
    view = reduceRun(view, event);
    const now = seriesOf(view, event.type !== 'runFinished');
    const delta = deltaMessage(seq + 1, shown, now);
    shown = now;
    if (delta === undefined) continue;
    seq = delta.seq;
    out.push({ at: Math.round((event.at - t0) / speedup), message: delta });
  }
  return out;
}
