import * as vscode from 'vscode';
import type { OakestraMonitor } from '../../core/deploy/oakestra-monitor';
import { buildOakestraTree, type OakNode } from '../../core/deploy/oakestra-tree';
import type { Clock } from '../../core/ports';
import { DisposableStore } from '../disposables';
import { treeItemOf } from '../tree-item';
import { Throttle } from '../simulation/throttle';

/** The view's id in package.json (contributes.views.flops). */
export const oakestraViewId = 'flops.oakestra';

/**
 * The "Oakestra" tree: core/deploy/oakestra-tree.ts's nodes as TreeItems, rebuilt from the monitor's
 * state on each (coalesced) change. The monitor polls only while the view is visible.
 */
export class OakestraTree implements vscode.TreeDataProvider<OakNode>, vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly changed = this.store.add(new vscode.EventEmitter<undefined>());
  readonly onDidChangeTreeData = this.changed.event;
  private readonly refresher = this.store.add(new Throttle(250, () => this.changed.fire(undefined)));

  constructor(
    private readonly monitor: OakestraMonitor,
    private readonly clock: Clock,
  ) {
    this.store.add({ dispose: monitor.subscribe(() => this.refresher.schedule()) });
  }

  getChildren(element?: OakNode): OakNode[] {
    if (element !== undefined) return [...element.children];
    return buildOakestraTree(this.monitor.state(), this.clock.now());
  }

  getTreeItem(node: OakNode): vscode.TreeItem {
    return treeItemOf(node);
  }

  dispose(): void {
    this.store.dispose();
  }
}

export function registerOakestraView(monitor: OakestraMonitor, clock: Clock): vscode.Disposable {
  const store = new DisposableStore();
  const tree = store.add(new OakestraTree(monitor, clock));
  const view = store.add(vscode.window.createTreeView(oakestraViewId, { treeDataProvider: tree, showCollapseAll: true }));
  monitor.setVisible(view.visible);
  store.add(view.onDidChangeVisibility((e) => monitor.setVisible(e.visible)));
  store.add({ dispose: () => monitor.dispose() });
  return store;
}
