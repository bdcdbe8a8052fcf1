import * as vscode from 'vscode';
import { activeStatus, finishedStatus, type StatusSummary } from '../../core/runs/status-summary';
import type { RunView } from '../../core/runs/run-view';
import { commandIds } from '../command-ids';
import { DisposableStore } from '../disposables';
import { runMonitorViewId } from './run-tree';
import type { RunStore, RunStoreChange } from '../../core/runs/run-store';
import { Throttle } from './throttle';

/** How long the outcome of a finished run stays in the status bar. */
const lingerMs = 15_000;
const refreshMs = 250;

/**
 * One status bar item: "$(sync~spin) FL round 2/3 · acc 0.913" while a run is active, the outcome for
 * a little while after it ended, hidden otherwise. Clicking it opens the active run's metrics panel
 * (or, after the run, reveals the run monitor).
 */
export class SimulationStatusBar implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly item: vscode.StatusBarItem;
  private readonly refresher = this.store.add(new Throttle(refreshMs, () => this.render()));
  private lingering: StatusSummary | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly runs: RunStore) {
    this.item = this.store.add(vscode.window.createStatusBarItem('flops.simulation', vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'FLOps Simulation';
    // VS Code creates a `<view id>.focus` command for every contributed view.
    this.item.command = { command: `${runMonitorViewId}.focus`, title: 'Show Run Monitor' };
    this.store.add({ dispose: runs.subscribe((change) => this.onChange(change)) });
    this.store.add({ dispose: () => clearTimeout(this.lingerTimer) });
    this.render();
  }

  dispose(): void {
    this.store.dispose();
  }

  private onChange(change: RunStoreChange): void {
    const ended = change.kind === 'run' && change.ended === true ? this.runs.runOf(change.runId) : undefined;
    if (ended !== undefined) this.linger(ended.view);
    this.refresher.schedule();
  }

  private linger(view: RunView): void {
    this.lingering = finishedStatus(view);
    clearTimeout(this.lingerTimer);
    this.lingerTimer = setTimeout(() => {
      this.lingering = undefined;
      this.render();
    }, lingerMs);
    this.render();
  }

  private render(): void {
    const summary = activeStatus(this.runs.activeRuns().map((r) => r.view)) ?? this.lingering;
    if (summary === undefined) {
      this.item.hide();
      return;
    }
    this.item.text = summary.text;
    this.item.tooltip = summary.tooltip;
    // While a run is active the item opens its metrics; after it, the run monitor.
    const active = this.runs.activeRuns()[0];
    this.item.command =
      active !== undefined
        ? { command: commandIds.metricsOpen, title: 'Open Metrics', arguments: [{ kind: 'run', repo: active.repo, runId: active.runId }] }
        : { command: `${runMonitorViewId}.focus`, title: 'Show Run Monitor' };
    this.item.show();
  }
}
