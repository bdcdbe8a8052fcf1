import * as vscode from 'vscode';
import { renderStarterProject, type RepoFacts } from '../../core/config/starter-project';
import { projectFileName } from '../../core/config/project-input';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';

export interface NewProjectDeps {
  /** Repo roots the linter knows. */
  readonly roots: () => readonly vscode.Uri[];
  /** What the last lint learnt about a repo. */
  readonly factsFor: (root: vscode.Uri) => RepoFacts | undefined;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    // stat rejects with FileNotFound (a FileSystemError) when nothing is there.
    return false;
  }
}

/**
 * "FLOps: New Project File": writes a starter flops.json into an ML repo (the folder given as argument,
 * else the one picked among the linted repos and workspace folders), filled with what the linter
 * detected there. Never overwrites: an existing flops.json is opened instead. Returns the file's URI.
 */
export function newProjectFileCommand(deps: NewProjectDeps): CommandSpec {
  return {
    id: commandIds.newProjectFile,
    run: async (target?: unknown) => {
      let folder = target instanceof vscode.Uri ? target : undefined;
      if (folder === undefined) {
        const seen = new Set<string>();
        const candidates = [...deps.roots(), ...(vscode.workspace.workspaceFolders ?? []).map((f) => f.uri)].filter((u) => !seen.has(u.toString()) && seen.add(u.toString()));
        if (candidates.length === 0) {
          void vscode.window.showWarningMessage('FLOps: open the folder of an ML repository first.');
          return undefined;
        }
        if (candidates.length === 1) folder = candidates[0];
        else {
          const items = await Promise.all(
            candidates.map(async (uri): Promise<vscode.QuickPickItem & { uri: vscode.Uri }> => ({
              label: vscode.workspace.asRelativePath(uri, true) || uri.fsPath,
              description: (await exists(vscode.Uri.joinPath(uri, projectFileName))) ? 'has flops.json' : '',
              uri,
            })),
          );
          folder = (await vscode.window.showQuickPick(items, { placeHolder: 'Which ML repository gets the project file?' }))?.uri;
        }
      }
      if (folder === undefined) return undefined;
      const file = vscode.Uri.joinPath(folder, projectFileName);
      if (!(await exists(file))) {
        const content = renderStarterProject(deps.factsFor(folder) ?? { flavor: undefined, originUrl: undefined, dataFiles: [] });
        const edit = new vscode.WorkspaceEdit();
        edit.createFile(file, { overwrite: false, ignoreIfExists: true, contents: new TextEncoder().encode(content) });
        if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`could not create ${file.fsPath}`);
      } else {
        void vscode.window.showInformationMessage(`FLOps: ${vscode.workspace.asRelativePath(file)} already exists; it was left unchanged.`);
      }
      await vscode.window.showTextDocument(file);
      return file;
    },
  };
}
