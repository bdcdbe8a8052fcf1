import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';
import { parseMessage, toExtensionSchema, toWebviewSchema, type PanelState, type ToExtension } from '../extension/protocol/metrics-protocol';
import { MetricsPage } from './page';

/**
 * The metrics panel's entry point: the bridge. Messages from the extension are parsed with zod and
 * folded by the page; what the page sends back is parsed before it leaves (only data crosses). The
 * replay harness (replay/) provides the same `acquireVsCodeApi` so this exact code runs in a browser.
 */

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

function send(message: ToExtension): void {
  const checked = parseMessage(toExtensionSchema, message);
  if (checked.ok) vscode.postMessage(checked.message);
}

const root = document.getElementById('app');
if (root === null) throw new Error('the metrics page has no #app element');

const page = new MetricsPage(root, {
  send,
  saveState: (state: PanelState) => vscode.setState(state),
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const parsed = parseMessage(toWebviewSchema, event.data);
  if (!parsed.ok) {
    send({ type: 'problem', text: `The metrics panel dropped a message it could not read (${parsed.problem}).` });
    return;
  }
  page.receive(parsed.message);
});

window.addEventListener('error', (event) => send({ type: 'problem', text: `metrics panel: ${String(event.message)}` }));
window.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => send({ type: 'problem', text: `metrics panel: ${String(event.reason)}` }));

send({ type: 'ready' });
