import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import type { CleanupStack } from './cleanup-stack';
import { hostLog } from './host-log';

export const chromiumPath = '/usr/bin/chromium';

export interface DriveWorkbenchOptions {
  url: string;
  /** A fresh, empty dir for the browser profile. */
  profileDir: string;
  /** A fresh dir Chromium gets as HOME (its crash reporter writes to ~/.config/chromium otherwise). */
  homeDir: string;
  /** Where `@@screenshot <name>` and the timeout/end shots go. */
  screenshotsDir: string;
  /** Every line the workbench forwards, noise included, with its level. */
  logFile: string;
  timeoutMs: number;
  screenshotAtEnd: boolean;
  cleanup: CleanupStack;
}

const screenshotMarker = /^@@screenshot ([\w.-]+)$/;

/**
 * Lines the workbench logs on every offline run that say nothing about our tests. They still go
 * to the log file. The extension host's own console output is never matched here.
 */
const noise = [
  /vsda/i, // the proprietary signing module is absent from code-server: 404s
  /^Ignoring fetching additional builtin extensions from gallery/,
  /^Updating additional builtin extensions cache/,
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket \(renderer-/,
  /^\[(reconnection-grace-time|Service Worker|AgentHost:remote|AccountPolicyGate)\]/,
  // Something in the workbench asks for GitHub sessions; no GitHub auth provider exists offline.
  /authentication provider 'github'/,
  // Workbench calls into the extension host that it cancels when the test run ends it.
  /^Canceled: Canceled/,
  /^No search provider registered for scheme: vscode-remote/,
  /^Creation of workbench contribution '[^']*' took \d+ms/,
];

function isNoise(line: string): boolean {
  return noise.some((pattern) => pattern.test(line));
}

async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  // Write then rename, so a test waiting for the file never sees half of it.
  const partial = path.join(dir, `.${name}.png.partial`);
  await page.screenshot({ path: partial, type: 'png' });
  renameSync(partial, file);
  return file;
}

/**
 * Opens the payload URL in Debian's Chromium through playwright-core (testing.md §2.5) and
 * resolves with the extension host's exit code from `codeAutomationExit` (0 passed, 1 failed),
 * or 124 when `timeoutMs` passes first (after a screenshot of what blocked). Forwards the
 * extension host's console through `codeAutomationLog`, and answers `@@screenshot <name>` lines.
 */
export async function driveWorkbench(options: DriveWorkbenchOptions): Promise<number> {
  mkdirSync(path.join(options.homeDir, 'tmp'), { recursive: true });
  const launching = chromium.launchPersistentContext(options.profileDir, {
    executablePath: chromiumPath,
    headless: true,
    env: {
      ...process.env,
      HOME: options.homeDir,
      XDG_CONFIG_HOME: path.join(options.homeDir, '.config'),
      XDG_CACHE_HOME: path.join(options.homeDir, '.cache'),
      TMPDIR: path.join(options.homeDir, 'tmp'),
    },
    viewport: { width: 1400, height: 900 },
    // The runner's own handlers do the cleanup, in order; Playwright's would exit mid-way.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  // Registered before the launch settles: a SIGINT during the launch must still close the browser
  // (and only then may the scratch dir holding its profile go).
  options.cleanup.add('close browser', async () => {
    const launched = await launching.catch(() => undefined);
    await launched?.close();
  });
  const context = await launching;
  const page = context.pages()[0] ?? (await context.newPage());

  let screenshots = Promise.resolve();
  let finished = false;
  let settle: (code: number) => void = () => undefined;
  const exit = new Promise<number>((resolve) => {
    settle = resolve;
  });

  mkdirSync(path.dirname(options.logFile), { recursive: true });
  writeFileSync(options.logFile, '');
  await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
    const line = Array.isArray(args) ? format(...(args as unknown[])) : format(args);
    appendFileSync(options.logFile, `${new Date().toISOString()} [${String(type)}] ${line}\n`);
    if (isNoise(line) || finished) return; // after the exit, only shutdown chatter follows
    const marker = screenshotMarker.exec(line.trim());
    if (marker?.[1] !== undefined) {
      const name = marker[1];
      screenshots = screenshots
        .then(() => screenshot(page, options.screenshotsDir, name))
        .then((file) => hostLog(`screenshot ${path.relative(process.cwd(), file)}`))
        .catch((error: unknown) => hostLog(`screenshot ${name} failed: ${String(error)}`));
      return;
    }
    const prefix = type === 'error' || type === 'warn' ? `[${String(type)}] ` : '';
    for (const part of line.split('\n')) console.log(`${prefix}${part}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: unknown) => {
    appendFileSync(options.logFile, `${new Date().toISOString()} codeAutomationExit(${String(code)})\n`);
    finished = true;
    settle(typeof code === 'number' ? code : 1);
  });
  page.on('pageerror', (error) => {
    if (!isNoise(error.message)) hostLog(`page error: ${error.message}`);
  });

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutMs);
  });
  try {
    // Only a failed navigation settles this; a finished one leaves the race to exit and timeout.
    const navigationFailed = page.goto(options.url, { timeout: options.timeoutMs }).then(() => new Promise<never>(() => undefined));
    const outcome = await Promise.race([exit, timedOut, navigationFailed]);
    await screenshots;
    if (outcome === 'timeout') {
      hostLog(`TIMEOUT: the extension host did not finish within ${options.timeoutMs / 1000} s`);
      const file = await screenshot(page, options.screenshotsDir, 'timeout').catch(() => undefined);
      if (file !== undefined) hostLog(`screenshot of the workbench at the timeout: ${path.relative(process.cwd(), file)}`);
      return 124;
    }
    if (options.screenshotAtEnd) {
      const file = await screenshot(page, options.screenshotsDir, 'end');
      hostLog(`screenshot ${path.relative(process.cwd(), file)}`);
    }
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}
