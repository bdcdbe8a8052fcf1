import * as vscode from 'vscode';
import type { OakestraMonitor } from '../../core/deploy/oakestra-monitor';
import { DisposableStore } from '../disposables';

/**
 * Read-only documents with everything the monitor has seen of an instance's output
 * (`flops-oakestra-log:/<target>/<service id>/<instance>`), updated on every poll while they are open.
 * Oakestra keeps only the last 1 KiB per instance, refreshed about every 15 s: the header says so.
 */
export class InstanceLogDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  static readonly scheme = 'flops-oakestra-log';
  private readonly store = new DisposableStore();
  private readonly changed = this.store.add(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;
  private readonly shown = new Map<string, string>();

  constructor(private readonly monitor: OakestraMonitor) {
    this.store.add({
      dispose: monitor.subscribe(() => {
        for (const document of vscode.workspace.textDocuments) {
          if (document.uri.scheme !== InstanceLogDocuments.scheme) continue;
          if (this.shown.get(document.uri.toString()) !== this.render(document.uri)) this.changed.fire(document.uri);
        }
      }),
    });
    this.store.add(vscode.workspace.registerTextDocumentContentProvider(InstanceLogDocuments.scheme, this));
  }

  static uri(target: string, serviceId: string, instance: number): vscode.Uri {
    return vscode.Uri.from({ scheme: InstanceLogDocuments.scheme, path: `/${encodeURIComponent(target)}/${encodeURIComponent(serviceId)}/${instance}.log` });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const body = this.render(uri);
    this.shown.set(uri.toString(), body);
    return body;
  }

  private render(uri: vscode.Uri): string {
    const [target = '', serviceId = '', file = ''] = uri.path.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
    const instance = Number(file.replace(/\.log$/, ''));
    const text = this.monitor.log(target, serviceId, instance);
    return `# Output of instance ${instance} of service ${serviceId} on ${target}, as seen by polling (it follows while this is open).\n# Oakestra keeps only the last 1 KiB of each instance's output and refreshes it about every 15 s, so lines between two polls may be missing.\n\n${text === '' ? '(no output yet)\n' : text}`;
  }

  dispose(): void {
    this.store.dispose();
  }
}
