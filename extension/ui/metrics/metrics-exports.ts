import * as vscode from 'vscode';
import { FlError } from '../../core/errors';
import type { RunSeries } from '../../core/metrics/run-series';
import { seriesToCsv, seriesToMarkdown } from '../../core/metrics/series-formats';

/**
 * The panel's exports, done by the extension (the webview cannot write files): the shown series as
 * CSV (the same text as `flops metrics --format csv`), a chart's PNG (rendered by the page, sent as a
 * data URL), and the final round as a markdown table on the clipboard.
 */

function fileName(text: string): string {
  return text.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'metrics';
}

async function saveAs(defaultName: string, folder: vscode.Uri | undefined, filters: Record<string, string[]>, bytes: Uint8Array): Promise<void> {
  const target = await vscode.window.showSaveDialog({ ...(folder !== undefined ? { defaultUri: vscode.Uri.joinPath(folder, defaultName) } : {}), filters, saveLabel: 'Export' });
  if (target === undefined) throw new FlError('cancelled', 'Export cancelled.');
  await vscode.workspace.fs.writeFile(target, bytes);
  const choice = await vscode.window.showInformationMessage(`Exported ${vscode.workspace.asRelativePath(target)}.`, 'Open');
  if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
}

export async function exportCsv(series: readonly RunSeries[], folder: vscode.Uri | undefined): Promise<void> {
  if (series.length === 0) throw new FlError('invalidInput', 'There is nothing to export yet: the panel shows no run.');
  const name = series.length === 1 ? `${fileName(series[0]?.run.label ?? 'metrics')}.csv` : 'compared-runs.csv';
  await saveAs(name, folder, { CSV: ['csv'] }, new TextEncoder().encode(seriesToCsv(series)));
}

export async function copyMarkdown(series: readonly RunSeries[]): Promise<void> {
  if (series.length === 0) throw new FlError('invalidInput', 'There is nothing to copy yet: the panel shows no run.');
  await vscode.env.clipboard.writeText(series.map(seriesToMarkdown).join('\n'));
  void vscode.window.showInformationMessage(`Copied the final round of ${series.length === 1 ? (series[0]?.run.label ?? 'the run') : `${series.length} runs`} as a markdown table.`);
}

export async function savePng(name: string, dataUrl: string, folder: vscode.Uri | undefined): Promise<void> {
  const base64 = dataUrl.slice('data:image/png;base64,'.length);
  const bytes = Buffer.from(base64, 'base64');
  // A PNG starts with its 8-byte signature; anything else is not what the page should have sent.
  if (bytes.length < 8 || bytes.readUInt32BE(0) !== 0x89504e47) throw new FlError('invalidInput', 'The chart image the panel sent is not a PNG.');
  await saveAs(`${fileName(name)}.png`, folder, { PNG: ['png'] }, bytes);
}
