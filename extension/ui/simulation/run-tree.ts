import * as vscode from 'vscode';
import { buildMonitorTree, type MonitorNode } from '../../core/runs/monitor-model';
import { DisposableStore } from '../disposables';
import { treeItemOf } from '../tree-item';
import type { Clock } from '../../core/ports';
import type { RunStore } from '../../core/runs/run-store';
import { Throttle } from './throttle';

/** The view's id in package.json (contributes.views.flops). */
export const runMonitorViewId = 'flops.runMonitor';

/**
 * At most about four repaints a second: a run with ten learners reports a resource sample per
 * container every second, on top of state and round events.
 */
const refreshMs = 250;

/**
 * The "Runs" tree: monitor-model.ts's nodes as TreeItems. Elements are the model's plain node
 * objects, so commands invoked from a node's menu receive the node (run id, repository, service,
 * learner) as their argument. Children come from the node itself; the whole tree is rebuilt from the
 * run store on each (coalesced) change.
 */
export class RunTree implements vscode.TreeDataProvider<MonitorNode>, vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly changed = this.store.add(new vscode.EventEmitter<undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly refresher = this.store.add(new Throttle(refreshMs, () => this.changed.fire(undefined)));

  constructor(
    private readonly runs: RunStore,
    private readonly clock: Clock,
  ) {
    this.store.add({ dispose: runs.subscribe(() => this.refresher.schedule()) });
  }

  getChildren(element?: MonitorNode): MonitorNode[] {
    if (element !== undefined) return [...element.children];
    return buildMonitorTree(this.runs.monitorInput(this.clock.now()));
  }

  getTreeItem(node: MonitorNode): vscode.TreeItem {
    return treeItemOf(node);
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** Registers the tree under its view id; the returned disposable owns both. */
export function registerRunMonitor(runs: RunStore, clock: Clock): vscode.Disposable {
  const store = new DisposableStore();
  const tree = store.add(new RunTree(runs, clock));
  store.add(vscode.window.createTreeView(runMonitorViewId, { treeDataProvider: tree, showCollapseAll: true }));
  return store;
}
