import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CleanupStack } from './cleanup-stack';
import type { CodeServerInstall } from './ensure-code-server';
import { freePort } from './free-port';
import type { ScratchDir } from './scratch-dir';
import { processExit, stopProcessGroup } from './stop-process-group';
import { toolEnv } from './tool-env';

export interface RunningCodeServer {
  /** `http://127.0.0.1:<port>`, the origin the browser must open. */
  origin: string;
  child: ChildProcess;
  /** The last lines code-server printed, for error reports. */
  recentOutput(): string;
}

export interface StartCodeServerOptions {
  install: CodeServerInstall;
  /** Holds HOME, the XDG dirs, user data, extensions and TMPDIR; records the process group. */
  scratch: ScratchDir;
  /** Gets the stop step the moment the process exists. */
  cleanup: CleanupStack;
  /** Variables for the extension host (FLOPS_TEST_*). */
  env: Record<string, string>;
  /** code-server's whole output. */
  logFile: string;
  readyTimeoutMs?: number;
}

const userSettings = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  // The empty chat side bar would take a fifth of every screenshot.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * Starts code-server hermetically (testing.md §2.3): its own config file, a free port, HOME and
 * XDG dirs inside `scratch`, seeded user settings, the gallery off, the smoke-test driver on.
 * It runs detached, in its own process group, stopped by `cleanup` (SIGTERM, SIGKILL after 5 s,
 * then waiting for the exit). Resolves once /healthz answers 200.
 */
export async function startCodeServer(options: StartCodeServerOptions): Promise<RunningCodeServer> {
  const dir = (...parts: string[]): string => {
    const full = path.join(options.scratch.path, ...parts);
    mkdirSync(full, { recursive: true });
    return full;
  };
  const home = dir('home');
  const userData = dir('user-data');
  const extensionsDir = dir('extensions');
  writeFileSync(path.join(dir('user-data', 'User'), 'settings.json'), `${JSON.stringify(userSettings, null, 2)}\n`);
  const port = await freePort();
  const configFile = path.join(options.scratch.path, 'code-server.yaml');
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);

  const env = toolEnv(options.install.nodeBin, {
    HOME: home,
    XDG_CONFIG_HOME: dir('home', '.config'),
    XDG_DATA_HOME: dir('home', '.local', 'share'),
    XDG_CACHE_HOME: dir('home', '.cache'),
    TMPDIR: dir('tmp'),
    EXTENSIONS_GALLERY: '{}',
    ...options.env,
  });
  // IPC sockets would otherwise land in the user's runtime dir and outlive a SIGKILLed run.
  delete env['XDG_RUNTIME_DIR'];

  const child = spawn(options.install.nodeBin, [
    options.install.entry,
    '--config', configFile,
    '--user-data-dir', userData,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver',
  ], { cwd: home, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) options.scratch.recordGroup(child.pid);
  options.cleanup.add('stop code-server', () => stopProcessGroup(child));

  const output: string[] = [];
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  writeFileSync(options.logFile, '');
  const collect = (chunk: Buffer): void => {
    appendFileSync(options.logFile, chunk);
    output.push(...chunk.toString('utf8').split('\n').filter((line) => line.trim() !== ''));
    if (output.length > 300) output.splice(0, output.length - 300);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const exited = processExit(child).then(() => {
    throw new Error(`code-server exited early (${child.exitCode ?? child.signalCode}):\n${output.slice(-40).join('\n')}`);
  });
  const origin = `http://127.0.0.1:${port}`;
  const server: RunningCodeServer = {
    origin,
    child,
    recentOutput: () => output.slice(-25).join('\n'),
  };
  try {
    await Promise.race([waitForHealthz(origin, options.readyTimeoutMs ?? 30_000), exited, spawnError]);
  } finally {
    exited.catch(() => undefined);
    spawnError.catch(() => undefined);
  }
  return server;
}

/** Polls /healthz (no event exists for readiness) every 100 ms until a 200 or the deadline. */
async function waitForHealthz(origin: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`code-server did not answer ${origin}/healthz with 200 within ${timeoutMs} ms (last: ${last})`);
}
