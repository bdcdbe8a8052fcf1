import * as vscode from 'vscode';
import type { TreeNodeShape } from '../core/runs/monitor-model';

const collapsible = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

/** A node of a view model (core/runs/monitor-model.ts, core/deploy/oakestra-tree.ts) as a TreeItem, one to one. */
export function treeItemOf(node: TreeNodeShape): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, collapsible[node.expand]);
  item.id = node.id;
  if (node.description !== undefined) item.description = node.description;
  if (node.tooltip !== undefined) item.tooltip = node.tooltip;
  if (node.icon !== undefined) item.iconPath = new vscode.ThemeIcon(node.icon.id, node.icon.color !== undefined ? new vscode.ThemeColor(node.icon.color) : undefined);
  item.contextValue = node.contextValue;
  return item;
}
