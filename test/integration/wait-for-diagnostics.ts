import * as vscode from 'vscode';

/**
 * Resolves with the flops diagnostics of `uri` once `accept` holds for them: checks now, then on every
 * `languages.onDidChangeDiagnostics` event for that file. Fails after `timeoutMs` naming what it awaited.
 */
export async function waitForDiagnostics(
  uri: vscode.Uri,
  accept: (diagnostics: vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<vscode.Diagnostic[]> {
  const current = (): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'flops');
  if (accept(current())) return current();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      listener.dispose();
      const seen = current().map((d) => `${ruleOf(d)}@${d.range.start.line + 1}`).join(', ');
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${uri.fsPath}; diagnostics now: [${seen}]`));
    }, timeoutMs);
    const listener = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === uri.toString())) return;
      if (accept(current())) {
        clearTimeout(timer);
        listener.dispose();
        resolve(current());
      }
    });
  });
}

export function ruleOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' ? String(d.code.value) : String(d.code);
}
