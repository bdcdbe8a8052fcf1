/**
 * The replay harness: a static page that runs the real metrics webview (../webview/metrics.js) with
 * the bridge VS Code would give it, fed from a recorded JSONL of protocol messages
 * (`{"at": <ms from start>, "message": {...}}` per line). `?theme=light|dark|high-contrast` picks the
 * theme variables (themes.css, VS Code's default themes). Browser tests, screenshots and the benchmark
 * drive it through `window.flopsReplay`.
 */

interface ReplayApi {
  readonly posted: unknown[];
  readonly violations: string[];
  state: unknown;
  /** Delivers one message as VS Code does (a `message` event), synchronously, so its cost can be timed. */
  deliver(message: unknown): void;
  /** Plays a recording; `speed` > 1 plays faster; resolves when the last message was delivered. */
  play(url: string, speed?: number): Promise<number>;
}

declare global {
  interface Window {
    flopsReplay: ReplayApi;
    acquireVsCodeApi: () => { postMessage(message: unknown): void; getState(): unknown; setState(state: unknown): void };
  }
}

const themes: Record<string, string[]> = { light: ['vscode-light'], dark: ['vscode-dark'], 'high-contrast': ['vscode-high-contrast'] };
const theme = new URLSearchParams(location.search).get('theme') ?? 'dark';
document.body.classList.add(...(themes[theme] ?? ['vscode-dark']));
document.body.dataset['vscodeThemeKind'] = themes[theme]?.[0] ?? 'vscode-dark';

const api: ReplayApi = {
  posted: [],
  violations: [],
  state: undefined,
  deliver(message) {
    window.dispatchEvent(new MessageEvent('message', { data: message }));
  },
  async play(url, speed = 1) {
    const response = await fetch(url);
    const lines = (await response.text()).split('\n').filter((line) => line.trim() !== '');
    const start = performance.now();
    for (const line of lines) {
      const { at, message } = JSON.parse(line) as { at: number; message: unknown };
      const wait = at / speed - (performance.now() - start);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      api.deliver(message);
    }
    return lines.length;
  },
};

document.addEventListener('securitypolicyviolation', (event) => api.violations.push(`${event.violatedDirective}: ${event.blockedURI}`));
window.flopsReplay = api;
window.acquireVsCodeApi = () => ({
  postMessage: (message) => api.posted.push(message),
  getState: () => api.state,
  setState: (state) => {
    api.state = state;
  },
});

export {};
