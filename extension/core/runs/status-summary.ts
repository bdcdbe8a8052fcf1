import type { RunOutcome } from './run-events';
import { activeProgress, metricsText } from './run-text';
import type { RunView } from './run-view';

/** What the status bar item shows: codicon syntax in `text`, plain `tooltip`. */
export interface StatusSummary {
  readonly text: string;
  readonly tooltip: string;
}

/**
 * The status bar while runs are active: "$(sync~spin) FL round 2/3 · acc 0.913" for the first active
 * run, "(+1)" when more are; `undefined` when none is (the item hides).
 */
export function activeStatus(views: readonly RunView[]): StatusSummary | undefined {
  const [first, ...more] = views;
  if (first === undefined) return undefined;
  const others = more.length > 0 ? ` (+${more.length})` : '';
  return {
    text: `$(sync~spin) FL ${activeProgress(first)}${others}`,
    tooltip: [`${first.runId}: ${activeProgress(first)}`, ...more.map((v) => `${v.runId}: ${activeProgress(v)}`), 'Click to show the run monitor.'].join('\n'),
  };
}

const outcomeCodicons: Record<RunOutcome, string> = { succeeded: '$(pass)', failed: '$(error)', stopped: '$(debug-stop)', cancelled: '$(circle-slash)' };

/** The status bar for a while after a run ended: "$(pass) FL succeeded · 3/3 rounds · acc 0.913". */
export function finishedStatus(view: RunView): StatusSummary {
  const outcome = view.outcome ?? 'failed';
  const metrics = metricsText(view.history, false);
  return {
    text: [`${outcomeCodicons[outcome]} FL ${outcome}`, `${view.currentRound}/${view.rounds} rounds`, metrics].filter((p) => p !== '').join(' · '),
    tooltip: `${view.runId}: ${outcome}${view.message !== undefined ? ` — ${view.message}` : ''}\nClick to show the run monitor.`,
  };
}
