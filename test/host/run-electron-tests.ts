// `npm run test:electron`: the same tests module and workspace as `npm run test:host`, in desktop
// VS Code through @vscode/test-electron. For machines with internet: runTests() downloads VS Code
// from update.code.visualstudio.com (cached in .vscode-test/). On Linux without a display, run it
// under `xvfb-run -a`. Offline machines use `npm run test:host` (code-server) instead.
//
//   node dist/test/host/run-electron-tests.js [--vscode-version <v>]... [--grep <text>]
//
// By default it runs on the `engines.vscode` minimum and on stable, one after the other.
// Exit code: 0 passed, 1 tests failed, 2 VS Code could not be downloaded or started.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { copyWorkspace } from './copy-workspace';
import { hostLog } from './host-log';
import { repoRoot } from './repo-root';
import { ScratchDir } from './scratch-dir';

function engineMinimum(): string {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines?: { vscode?: string } };
  const range = manifest.engines?.vscode ?? '';
  const version = /(\d+\.\d+\.\d+)/.exec(range)?.[1];
  if (version === undefined) throw new Error(`cannot read a minimum version from engines.vscode ${JSON.stringify(range)}`);
  return version;
}

const networkErrors = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|timed out|socket hang up|getaddrinfo/i;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'vscode-version': { type: 'string', multiple: true },
      grep: { type: 'string' },
    },
  });
  const versions = values['vscode-version'] ?? [engineMinimum(), 'stable'];
  const grep = values.grep ?? process.env['FLOPS_HOST_GREP'];
  if (process.platform === 'linux' && (process.env['DISPLAY'] ?? '') === '' && (process.env['WAYLAND_DISPLAY'] ?? '') === '') {
    hostLog('no DISPLAY: desktop VS Code needs one on Linux; run this under `xvfb-run -a` if it fails to start');
  }

  ScratchDir.sweepStale();
  for (const version of versions) {
    // No SIGINT handler of ours: runTests() closes VS Code on Ctrl+C and then rejects, which
    // reaches the `finally`; a run killed outright is swept by the next one.
    const scratch = ScratchDir.create();
    try {
      const workspaceDir = path.join(scratch.path, 'workspace');
      const workspaceFile = copyWorkspace(repoRoot, workspaceDir);
      hostLog(`VS Code ${version}: running the extension-host tests`);
      try {
        await runTests({
          version,
          timeout: 15_000, // idle timeout of the download, so a black-holed network fails fast too
          extensionDevelopmentPath: repoRoot,
          extensionTestsPath: path.join(repoRoot, 'dist', 'test', 'integration', 'index.js'),
          launchArgs: [
            workspaceFile,
            '--disable-extensions',
            `--user-data-dir=${path.join(scratch.path, 'user-data')}`,
            `--extensions-dir=${path.join(scratch.path, 'extensions')}`,
          ],
          extensionTestsEnv: {
            FLOPS_TEST_WORKSPACE: workspaceDir,
            ...(grep !== undefined && grep !== '' ? { FLOPS_HOST_GREP: grep } : {}),
          },
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof Error && error.name === 'TestRunFailedError') {
          console.error(`[host] VS Code ${version}: ${message}`);
          return 1;
        }
        if (networkErrors.test(message)) {
          console.error(
            `[host] ERROR: cannot download VS Code ${version} (${message}). @vscode/test-electron needs ` +
              'update.code.visualstudio.com, which this machine cannot reach. Offline, run `npm run test:host` ' +
              '(the same tests in code-server) instead.',
          );
        } else {
          console.error(`[host] ERROR: VS Code ${version} could not run the tests: ${message}`);
        }
        return 2;
      }
    } finally {
      scratch.remove();
    }
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`[host] ERROR: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
