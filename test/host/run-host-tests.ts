// `npm run test:host`: the extension-host tests inside code-server, offline (testing.md §2).
//
//   node dist/test/host/run-host-tests.js [--grep <text>] [--screenshot-end] [--timeout <seconds>]
//
// Exit code: the extension host's (0 passed, 1 failed), 124 on timeout, 2 when the harness
// itself fails or (with FLOPS_TEST_STRICT=1) a prerequisite is missing, 130/143 on SIGINT/SIGTERM.
// Without FLOPS_TEST_STRICT=1 a missing prerequisite prints `SKIP extension-host tests: …`
// and exits 0.
//
// Environment for the tests: FLOPS_TEST_WORKSPACE (the scratch copy of
// test/integration/workspace/), FLOPS_TEST_SCREENSHOTS (where `@@screenshot <name>` lands),
// FLOPS_HOST_GREP (mocha grep, also settable with --grep). `--workspace <dir>` opens a copy of another
// folder holding one .code-workspace file (the benchmark opens one without ML repos).
//
// Full logs of the last run: .test-output/host/workbench.log (everything the workbench forwarded,
// including the noise the console leaves out) and .test-output/host/code-server.log.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CleanupStack } from './cleanup-stack';
import { copyWorkspace } from './copy-workspace';
import { chromiumPath, driveWorkbench } from './drive-workbench';
import { ensureCodeServer } from './ensure-code-server';
import { testPython } from '../python/python-env';
import { hostLog } from './host-log';
import { payloadUrl } from './payload-url';
import { PrerequisiteError } from './prerequisite-error';
import { repoRoot } from './repo-root';
import { ScratchDir } from './scratch-dir';
import { startCodeServer } from './start-code-server';

const cleanup = new CleanupStack();
const started = Date.now();
const seconds = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      grep: { type: 'string' },
      'screenshot-end': { type: 'boolean', default: false },
      timeout: { type: 'string', default: '300' },
      workspace: { type: 'string' },
    },
  });
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`--timeout wants seconds, got ${values.timeout}`);
  const strict = process.env['FLOPS_TEST_STRICT'] === '1';
  const grep = values.grep ?? process.env['FLOPS_HOST_GREP'];

  const extensionMain = path.join(repoRoot, 'dist', 'extension.js');
  const testsModule = path.join(repoRoot, 'dist', 'test', 'integration', 'index.js');
  for (const file of [extensionMain, testsModule]) {
    if (!existsSync(file)) throw new Error(`${path.relative(repoRoot, file)} is missing: run \`npm run build\` first`);
  }

  try {
    if (!existsSync(chromiumPath)) {
      throw new PrerequisiteError(`Chromium not found at ${chromiumPath}; install it with: apt-get install -y chromium`);
    }
    ScratchDir.sweepStale();
    const install = await ensureCodeServer(cleanup);

    const scratch = ScratchDir.create();
    cleanup.add('remove scratch dir', () => scratch.remove());
    const workspaceDir = path.join(scratch.path, 'workspace');
    const workspaceSource = path.resolve(values.workspace ?? path.join(repoRoot, 'test', 'integration', 'workspace'));
    const workspaceFile = copyWorkspace(workspaceSource, workspaceDir);
    const outputDir = path.join(repoRoot, '.test-output');
    const screenshotsDir = path.join(outputDir, 'screenshots');
    mkdirSync(screenshotsDir, { recursive: true });

    const server = await startCodeServer({
      install,
      scratch,
      cleanup,
      env: {
        FLOPS_TEST_WORKSPACE: workspaceDir,
        FLOPS_TEST_SCREENSHOTS: screenshotsDir,
        // The test venv (real datasets, scikit-learn) for "FLOps: Check Learner Locally"; the host's HOME
        // is a scratch folder, so the tests cannot find the cache themselves.
        ...(testPython() !== undefined ? { FLOPS_TEST_PYTHON: testPython() ?? '' } : {}),
        ...(grep !== undefined && grep !== '' ? { FLOPS_HOST_GREP: grep } : {}),
      },
      logFile: path.join(outputDir, 'host', 'code-server.log'),
    });
    hostLog(`code-server up at ${server.origin} after ${seconds()}${grep !== undefined && grep !== '' ? `; grep: ${grep}` : ''}`);

    const code = await driveWorkbench({
      url: payloadUrl(server.origin, workspaceFile, repoRoot, testsModule),
      profileDir: path.join(scratch.path, 'chromium-profile'),
      homeDir: path.join(scratch.path, 'chromium-home'),
      screenshotsDir,
      logFile: path.join(outputDir, 'host', 'workbench.log'),
      timeoutMs,
      screenshotAtEnd: values['screenshot-end'],
      cleanup,
    });
    if (code === 124) hostLog(`code-server's last lines:\n${server.recentOutput()}`);
    if (code !== 0) hostLog(`full logs: ${path.relative(repoRoot, path.join(outputDir, 'host'))}/{workbench,code-server}.log`);
    return code;
  } catch (error) {
    if (!(error instanceof PrerequisiteError)) throw error;
    if (strict) {
      console.error(`FAIL extension-host tests (FLOPS_TEST_STRICT=1, so a missing prerequisite fails): ${error.message}`);
      return 2;
    }
    console.log(`SKIP extension-host tests: ${error.message}`);
    return 0;
  }
}

let stopping = false; // a signal arrived: what main() still throws is a consequence, not news

async function finish(code: number): Promise<never> {
  await cleanup.run();
  hostLog(`exit ${code} after ${seconds()}`);
  process.exit(code);
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.on(signal, () => {
    hostLog(`${signal}: cleaning up`);
    stopping = true;
    void finish(code);
  });
}

main().then((code) => (stopping ? undefined : finish(code)), (error: unknown) => {
  if (stopping) return undefined;
  console.error(`[host] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return finish(2);
});
