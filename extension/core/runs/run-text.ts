import type { RoundMetrics } from './run-events';
import type { RunView } from './run-view';

/** How runs read in words, shared by the run monitor and the status bar (pure, unit-tested). */

export function finishedLabel(runId: string, reached: number, rounds: number, history: readonly RoundMetrics[]): string {
  return [runId, `${reached}/${rounds} rounds`, metricsText(history, false)].filter((p) => p !== '').join(' · ');
}

/** The part after the run id while it runs: "round 2/3 · acc 0.913", "building image (step 3/12)". */
export function activeProgress(view: RunView): string {
  switch (view.phase) {
    case 'planned':
      return 'preparing';
    case 'building': {
      const step = view.image?.step?.split(' ')[0];
      return step !== undefined ? `building image (step ${step})` : 'building image';
    }
    case 'starting':
      return `starting ${view.learners} learner${view.learners === 1 ? '' : 's'}`;
    case 'waiting': {
      const w = view.waiting;
      return w?.connected !== undefined && w.required !== undefined ? `waiting for learners (${w.connected}/${w.required})` : 'waiting for learners';
    }
    case 'training':
    case 'finished':
      return [`round ${view.currentRound}/${view.rounds}`, metricsText(view.history, false)].filter((p) => p !== '').join(' · ');
    default: {
      const unknown: never = view.phase;
      throw new Error(`unhandled phase ${String(unknown)}`);
    }
  }
}

/** The latest value of a metric over finished rounds: evaluate first, then train (as run-view's latestMetric). */
export function latestOf(history: readonly RoundMetrics[], key: string): number | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const round = history[i];
    const value = round?.evaluate?.[key] ?? round?.train?.[key];
    if (typeof value === 'number') return value;
  }
  return undefined;
}

/**
 * "acc 0.913" (accuracy when reported, else loss); with `both` "loss 0.412 · acc 0.913"; `words`
 * spells "accuracy" out (tooltips).
 */
export function metricsText(history: readonly RoundMetrics[], both: boolean, words = false): string {
  const accuracy = latestOf(history, 'accuracy');
  const loss = latestOf(history, 'loss');
  const parts: string[] = [];
  if (loss !== undefined && (both || accuracy === undefined)) parts.push(`loss ${loss.toFixed(3)}`);
  if (accuracy !== undefined) parts.push(`${words ? 'accuracy' : 'acc'} ${accuracy.toFixed(3)}`);
  return parts.join(' · ');
}

export function roundsLine(reached: number, rounds: number, history: readonly RoundMetrics[]): string {
  const metrics = metricsText(history, true, true);
  return `Round ${reached} of ${rounds}${metrics !== '' ? `; last ${metrics}` : ''}${replyFailuresText(history)}`;
}

/** "; learner replies failed in round 2 (1 of 2 train), round 3 (1 of 2 evaluate)", or "" when none did. */
export function replyFailuresText(history: readonly RoundMetrics[]): string {
  const parts = history
    .filter((r) => r.failures.train > 0 || r.failures.evaluate > 0)
    .map((r) => {
      const phases = [
        r.failures.train > 0 ? `${r.failures.train} of ${r.failures.train + r.nodes.train} train` : undefined,
        r.failures.evaluate > 0 ? `${r.failures.evaluate} of ${r.failures.evaluate + r.nodes.evaluate} evaluate` : undefined,
      ].filter((p) => p !== undefined);
      return `round ${r.round} (${phases.join(', ')})`;
    });
  return parts.length > 0 ? `; learner replies failed in ${parts.join(', ')}` : '';
}

/** "just now", "5 min ago", "3 h ago", "2 days ago", then the UTC date. */
export function relativeTime(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 45) return 'just now';
  if (seconds < 90 * 60) return `${Math.max(1, Math.round(seconds / 60))} min ago`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h ago`;
  const days = Math.round(seconds / 86_400);
  if (days < 14) return `${days} day${days === 1 ? '' : 's'} ago`;
  return new Date(at).toISOString().slice(0, 10);
}

export function isoTime(at: number): string {
  return `${new Date(at).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

export function shorten(text: string, max: number): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

export function lines(parts: readonly (string | undefined)[]): string {
  return parts.filter((p) => p !== undefined).join('\n');
}
