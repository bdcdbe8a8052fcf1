import * as vscode from 'vscode';
import type { FileEdit, Fix } from '../core/findings/finding';

/** Turns a core Fix into a WorkspaceEdit on the repo at `root`. Creates never overwrite a file. */
export function toWorkspaceEdit(root: vscode.Uri, fix: Fix): vscode.WorkspaceEdit {
  const edit = new vscode.WorkspaceEdit();
  const uri = (file: string): vscode.Uri => vscode.Uri.joinPath(root, file);
  for (const e of fix.edits as FileEdit[]) {
    switch (e.kind) {
      case 'create':
        edit.createFile(uri(e.file), { ignoreIfExists: true, contents: new TextEncoder().encode(e.content) });
        break;
      case 'rename':
        edit.renameFile(uri(e.from), uri(e.to), { overwrite: false });
        break;
      case 'replace':
        edit.replace(uri(e.file), new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.text);
        break;
      case 'rewrite':
        edit.createFile(uri(e.file), { overwrite: true, contents: new TextEncoder().encode(e.content) });
        break;
    }
  }
  return edit;
}

/** Quick fixes for flops diagnostics, from the fixes the core attached to each finding. */
export class FlopsCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly fixesFor: (uri: vscode.Uri, diagnostic: vscode.Diagnostic) => readonly Fix[],
    private readonly rootOf: (uri: vscode.Uri) => vscode.Uri | undefined,
  ) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const root = this.rootOf(document.uri);
    if (root === undefined) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== 'flops') continue;
      this.fixesFor(document.uri, diagnostic).forEach((fix, i) => {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [diagnostic];
        action.edit = toWorkspaceEdit(root, fix);
        action.isPreferred = i === 0;
        actions.push(action);
      });
    }
    return actions;
  }
}
