import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * The replay harness served over HTTP on 127.0.0.1 (a free port) and opened in Debian's Chromium
 * through playwright-core: `dist/` (the bundle and the harness next to it) plus a folder of
 * recordings. Used by the browser tests and by the benchmark.
 */

export const chromiumPath = '/usr/bin/chromium';

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.jsonl': 'application/x-ndjson', '.map': 'application/json' };

export class ReplayHarness {
  private server: Server | undefined;
  private browser: Browser | undefined;
  readonly recordings: string;
  private readonly home: string;

  constructor(private readonly distDir: string) {
    this.home = mkdtempSync(path.join(tmpdir(), 'flops-replay-'));
    this.recordings = path.join(this.home, 'recordings');
    mkdirSync(this.recordings);
  }

  static available(): boolean {
    return existsSync(chromiumPath);
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (address === undefined || address === null) throw new Error('the replay server is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://replay');
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const inRecordings = url.pathname.startsWith('/recordings/');
      const base = inRecordings ? this.recordings : this.distDir;
      const file = path.normalize(path.join(base, decodeURIComponent(url.pathname.replace(/^\/recordings\//, '/'))));
      if (!file.startsWith(base) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      env: { ...process.env, HOME: this.home, XDG_CONFIG_HOME: path.join(this.home, '.config'), XDG_CACHE_HOME: path.join(this.home, '.cache') },
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'],
    });
    return this;
  }

  record(name: string, lines: readonly { at: number; message: unknown }[]): string {
    writeFileSync(path.join(this.recordings, name), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    return `/recordings/${name}`;
  }

  /** A new page on the harness in `theme`, with its console errors collected. */
  async open(theme: 'light' | 'dark' | 'high-contrast', viewport = { width: 1280, height: 900 }): Promise<{ page: Page; errors: string[] }> {
    if (this.browser === undefined) throw new Error('the replay harness is not started');
    const context = await this.browser.newContext({ viewport, deviceScaleFactor: 1 });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${this.url}/webview-replay/index.html?theme=${theme}`);
    await page.waitForFunction(() => window.flopsReplay.posted.length > 0);
    return { page, errors };
  }

  async stop(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    const server = this.server;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    rmSync(this.home, { recursive: true, force: true });
  }
}

declare global {
  interface Window {
    flopsReplay: { posted: unknown[]; violations: string[]; state: unknown; deliver(message: unknown): void; play(url: string, speed?: number): Promise<number> };
  }
}
