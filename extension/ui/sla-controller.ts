import * as vscode from 'vscode';
import { isSlaFileName } from '../core/config/oakestra-sla';
import type { Finding } from '../core/findings/finding';
import { slaFindings } from '../core/lint/validate-document';
import type { Logger } from '../core/ports';
import { DisposableStore } from './disposables';

export interface SlaControllerDeps {
  readonly logger: Logger;
  /** Link target for an SLA check's documentation. */
  readonly checkDocUri: (checkId: string) => vscode.Uri;
}

const severities = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
} as const;

/** Re-check at most this often while the user types. */
const debounceMs = 250;

/**
 * The lint layer of Oakestra SLAs in the editor: open `*.sla.json` / `sla*.json` documents (the files
 * package.json's jsonValidation gives the SLA schema) are checked as they change, and the findings are
 * published as diagnostics. Schema errors come from VS Code's JSON language service, which reads the
 * same generated schema, so this controller publishes only what the schema cannot say.
 */
export class SlaController implements vscode.Disposable {
  private readonly store = new DisposableStore();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly diagnostics: vscode.DiagnosticCollection;
  private readonly checked = new vscode.EventEmitter<vscode.Uri>();
  /** Fires with a document's URI after its diagnostics were published (tests await it). */
  readonly onDidCheck = this.checked.event;

  constructor(private readonly deps: SlaControllerDeps) {
    this.diagnostics = this.store.add(vscode.languages.createDiagnosticCollection('flops-sla'));
    this.store.add(this.checked);
    this.store.add(vscode.workspace.onDidOpenTextDocument((doc) => this.check(doc)));
    this.store.add(vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document)));
    this.store.add(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        this.cancel(doc.uri);
        this.diagnostics.delete(doc.uri);
      }),
    );
    this.store.add({ dispose: () => [...this.timers.keys()].forEach((key) => this.cancel(vscode.Uri.parse(key))) });
    for (const doc of vscode.workspace.textDocuments) this.check(doc);
  }

  /** True for documents this controller checks. */
  static handles(doc: vscode.TextDocument): boolean {
    return isSlaFileName(doc.uri.path.split('/').pop() ?? '');
  }

  dispose(): void {
    this.store.dispose();
  }

  private schedule(doc: vscode.TextDocument): void {
    if (!SlaController.handles(doc)) return;
    this.cancel(doc.uri);
    this.timers.set(
      doc.uri.toString(),
      setTimeout(() => {
        this.timers.delete(doc.uri.toString());
        this.check(doc);
      }, debounceMs),
    );
  }

  private cancel(uri: vscode.Uri): void {
    const timer = this.timers.get(uri.toString());
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(uri.toString());
  }

  private check(doc: vscode.TextDocument): void {
    if (!SlaController.handles(doc) || doc.isClosed) return;
    const file = vscode.workspace.asRelativePath(doc.uri);
    const findings = slaFindings(file, doc.getText(), { schema: false });
    this.diagnostics.set(doc.uri, findings.map((f) => this.toDiagnostic(f)));
    this.deps.logger.debug(`[sla] ${file}: ${findings.length} findings`);
    this.checked.fire(doc.uri);
  }

  private toDiagnostic(f: Finding): vscode.Diagnostic {
    const range = new vscode.Range(f.range.start.line, f.range.start.character, f.range.end.line, f.range.end.character);
    const diagnostic = new vscode.Diagnostic(range, f.message, severities[f.severity]);
    diagnostic.source = 'flops';
    diagnostic.code = { value: f.rule, target: this.deps.checkDocUri(f.rule) };
    return diagnostic;
  }
}
