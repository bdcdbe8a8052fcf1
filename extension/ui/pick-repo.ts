import * as vscode from 'vscode';
import { FlError } from '../core/errors';

/**
 * Which ML repository a command works on: the only one, or the one the user picks. Rejects when the
 * workspace has none; resolves `undefined` when the user dismisses the pick.
 */
export async function pickRepo(roots: readonly vscode.Uri[], placeHolder: string): Promise<vscode.Uri | undefined> {
  const unique = [...new Map(roots.map((r) => [r.toString(), r])).values()];
  if (unique.length === 0) throw new FlError('invalidInput', 'FLOps: no ML repository found. A repository is a folder with model_manager.py or flops.json.');
  if (unique.length === 1) return unique[0];
  const pick = await vscode.window.showQuickPick(
    unique.map((root) => ({ label: vscode.workspace.asRelativePath(root, true) || root.fsPath, root })),
    { placeHolder },
  );
  return pick?.root;
}
