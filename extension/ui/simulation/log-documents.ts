import * as vscode from 'vscode';
import type { SimulationSession } from '../../core/simulate/session';
import { DisposableStore } from '../disposables';
import { Throttle } from './throttle';

/** Open log documents are refreshed at most this often while lines arrive. */
const refreshMs = 250;

/**
 * Read-only documents (`flops-log:/<run id>/<service>.log`) with the last lines one member of a run
 * printed (SimulationSession.logTail), refreshed as lines arrive. A virtual document rather than a
 * file: nothing is written into the repository, and VS Code keeps it read-only. Only documents VS Code
 * has open are refreshed; the rest cost nothing.
 */
export class LogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'flops-log';
  private readonly store = new DisposableStore();
  private readonly changed = this.store.add(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  /** URIs VS Code asked for and has not closed, by their string form. */
  private readonly open = new Map<string, vscode.Uri>();
  private readonly dirty = new Set<string>();
  private readonly refresher = this.store.add(new Throttle(refreshMs, () => this.refresh()));

  /** `session` finds the session of a run id: the active one or the last finished one of its repository. */
  constructor(private readonly session: (runId: string) => SimulationSession | undefined) {
    this.store.add(
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.uri.scheme === LogDocuments.scheme) this.open.delete(doc.uri.toString());
      }),
    );
  }

  static uri(runId: string, service: string): vscode.Uri {
    return vscode.Uri.from({ scheme: LogDocuments.scheme, path: `/${runId}/${service}.log` });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    this.open.set(uri.toString(), uri);
    const [runId, file] = uri.path.replace(/^\//, '').split('/');
    const service = file?.replace(/\.log$/, '') ?? '';
    const session = runId !== undefined ? this.session(runId) : undefined;
    if (session === undefined) {
      return `The log of ${service} in run ${runId ?? '?'} is no longer held in memory: only the current and the last finished run of each repository are.\nThe "FLOps Simulation" output has every line of the runs started in this window.\n`;
    }
    const tail = session.logTail(service);
    const container = session.containerName(service);
    const where = session.active && container !== undefined ? `# \`docker logs ${container}\` has the whole log.` : '# The "FLOps Simulation" output has every line.';
    const header = `# ${service} of run ${runId}: the last ${tail.length} lines${session.active ? ', updated as they arrive' : ' (the run has finished)'}.`;
    return `${header}\n${where}\n${tail.join('\n')}\n`;
  }

  /** A member printed a line: its document, when open, is refreshed with the next batch. */
  lineArrived(runId: string, service: string): void {
    const key = LogDocuments.uri(runId, service).toString();
    if (!this.open.has(key)) return;
    this.dirty.add(key);
    this.refresher.schedule();
  }

  /** A run ended: its open documents are refreshed (their header says so). */
  runEnded(runId: string): void {
    for (const [key, uri] of this.open) if (uri.path.startsWith(`/${runId}/`)) this.dirty.add(key);
    this.refresher.schedule();
  }

  dispose(): void {
    this.store.dispose();
  }

  private refresh(): void {
    for (const key of this.dirty) {
      const uri = this.open.get(key);
      if (uri !== undefined) this.changed.fire(uri);
    }
    this.dirty.clear();
  }
}
